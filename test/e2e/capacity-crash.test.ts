/**
 * A runner killed (SIGKILL) while it holds a lease on a drain in progress: an ELBv2 group behind
 * the AWS emulator with a 10 s deregistration delay, one SQLite ledger shared by every runner.
 *
 * - On this host the dead pid is seen at once: `drainctl fleet` shows the drain abandoned before
 *   its lease runs out, and a second runner takes the drain over without waiting and follows it
 *   to its end.
 * - A holder on another host (the row's holder.host rewritten, as a CI runner elsewhere would
 *   have left it) is judged by its lease alone: refused while the lease runs, shown abandoned
 *   once it lapsed, and waited for with --wait-for-capacity: the takeover is recorded no earlier
 *   than the lease's end.
 *
 * Times compared are the ledger's own (lease ends, event times), never how long anything took.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { InstanceRecord } from '../../src/core/ledger.js';
import { openSqliteLedger } from '../../src/ledger/index.js';
import { freshLedgerPath, killAllChildren, startCliProcess, waitForExit } from '../support/cli.js';
import { sleep } from '../support/servers.js';
import { INSTANCE_IDS, type Pool, drainctl, elbv2Pool, ndjson } from './capacity-lab.js';

const OTHER_HOST = 'ci-runner-7.build.example';

let pool: Pool | undefined;
afterEach(async () => {
  killAllChildren();
  await pool?.stop();
  pool = undefined;
});

/** The ledger row of one target of the pool group (read-only open; the file is shared with runners). */
async function row(ledgerPath: string, id: string): Promise<InstanceRecord | undefined> {
  const ledger = openSqliteLedger(ledgerPath, { access: 'read' });
  try {
    return await ledger.find({ provider: 'elbv2', group: 'pool', target: `${id}:8080` });
  } finally {
    await ledger.close();
  }
}

/** Rewrites the row's holder host and lease, as a runner on another machine would have left them. */
function rewriteRow(ledgerPath: string, id: string, change: { host?: string; leaseExpiresAt: string }): void {
  const db = new Database(ledgerPath);
  try {
    const sets = ["lease_expires_at = @lease", ...(change.host ? ["holder = json_set(holder, '$.host', @host)"] : [])];
    const updated = db.prepare(`UPDATE instance SET ${sets.join(', ')} WHERE provider = 'elbv2' AND group_ref = 'pool' AND target = @target`).run({ lease: change.leaseExpiresAt, host: change.host ?? null, target: `${id}:8080` });
    expect(updated.changes).toBe(1);
  } finally {
    db.close();
  }
}

/**
 * Starts a drain of `id` and SIGKILLs it once the ledger shows it draining with a lease, the
 * load balancer has taken the change, and the lease was renewed once (so the runner is mid-drain).
 */
async function drainAndKill(ledgerPath: string, id: string, extra: readonly string[]): Promise<InstanceRecord> {
  const child = startCliProcess([...pool!.args, 'drain', `elbv2:pool/${id}`, '--min-healthy', '4', ...extra], { env: { DRAINCTL_LEDGER: ledgerPath } });
  let first: InstanceRecord | undefined;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the drain ended (exit ${child.exitCode}) before it could be killed`);
    const now = await row(ledgerPath, id).catch(() => undefined);
    const deregistered = pool!.emulator!.requestLog.some((e) => e.action === 'DeregisterTargets' && e.status === 200);
    if (now?.status === 'draining' && now.leaseExpiresAt && deregistered) {
      first ??= now;
      if (now.leaseExpiresAt > first.leaseExpiresAt!) break;
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  expect((await waitForExit(child)).signal).toBe('SIGKILL');
  const left = await row(ledgerPath, id);
  expect(left?.status, 'the killed runner left its drain in progress').toBe('draining');
  expect(left?.holder?.pid).toBe(child.pid);
  return left!;
}

async function fleet(env: Record<string, string>): Promise<{ checkedAt: string; states: Record<string, string> }> {
  const run = await drainctl(pool!, ['-o', 'json', 'fleet'], env);
  expect(run.code, run.stderr).toBe(0);
  const doc = JSON.parse(run.stdout) as { checked_at: string; targets: { target: string; state: string }[] };
  return { checkedAt: doc.checked_at, states: Object.fromEntries(doc.targets.map((t) => [t.target, t.state])) };
}

/** The ledger's events for one target, oldest first. */
async function events(ledgerPath: string, id: string): Promise<{ type: string; at: string; details: Record<string, unknown> }[]> {
  const ledger = openSqliteLedger(ledgerPath, { access: 'read' });
  try {
    return (await ledger.history({ provider: 'elbv2', group: 'pool', target: `${id}:8080`, limit: 1000 })).reverse();
  } finally {
    await ledger.close();
  }
}

function deregisterCalls(id: string): number {
  return pool!.emulator!.requestLog.filter((e) => e.action === 'DeregisterTargets' && e.status === 200 && Object.values(e.params).includes(id)).length;
}

function takeover(list: Awaited<ReturnType<typeof events>>): { at: string; details: Record<string, unknown> } | undefined {
  return list.find((e) => e.type === 'state_changed' && typeof e.details.takenOverFrom === 'string');
}

describe('a runner killed mid-drain (SIGKILL), one shared SQLite ledger', () => {
  it('on this host: fleet shows it abandoned before its lease ends, and a second runner takes it over at once and follows it to the end', { timeout: 90_000 }, async () => {
    pool = await elbv2Pool({ deregistrationDelaySeconds: 10 });
    const ledgerPath = freshLedgerPath();
    const env = { DRAINCTL_LEDGER: ledgerPath };
    const id = INSTANCE_IDS[0]!;
    const target = `elbv2:pool/${id}:8080`;
    const left = await drainAndKill(ledgerPath, id, []);

    const seen = await fleet(env);
    expect(seen.states[target]).toBe('abandoned');
    expect(seen.checkedAt < left.leaseExpiresAt!, `fleet looked at ${seen.checkedAt}, the lease runs to ${left.leaseExpiresAt}: abandoned because the pid is gone, not because the lease ran out`).toBe(true);

    const second = await drainctl(pool, ['-o', 'ndjson', 'drain', `elbv2:pool/${id}`, '--min-healthy', '4'], env, 60_000);
    expect(second.code, second.stderr).toBe(0);
    expect(ndjson(second.stdout).filter((r) => r.type === 'capacity'), 'the second runner waited').toEqual([]);
    expect(ndjson(second.stdout).find((r) => r.type === 'summary')?.results.map((r: { outcome: string }) => r.outcome)).toEqual(['drained']);

    const list = await events(ledgerPath, id);
    const taken = takeover(list);
    expect(taken?.details.takenOverFrom, JSON.stringify(list)).toContain(`pid ${left.holder!.pid}`);
    expect(taken!.at < left.leaseExpiresAt!, `taken over at ${taken!.at}, before the dead runner's lease end ${left.leaseExpiresAt}`).toBe(true);
    const end = await row(ledgerPath, id);
    expect(end).toMatchObject({ status: 'stopped', leaseExpiresAt: null });
    expect(end?.holder?.pid).not.toBe(left.holder!.pid);
    expect(deregisterCalls(id), 'the second runner followed the drain; it did not deregister again').toBe(1);
  });

  it('on another host: refused while its lease runs, abandoned once it lapsed, and waited for: taken over no earlier than the lease end', { timeout: 90_000 }, async () => {
    pool = await elbv2Pool({ deregistrationDelaySeconds: 10 });
    const ledgerPath = freshLedgerPath();
    const env = { DRAINCTL_LEDGER: ledgerPath };
    const id = INSTANCE_IDS[1]!;
    const target = `elbv2:pool/${id}:8080`;
    const left = await drainAndKill(ledgerPath, id, ['--lease', '3s']);

    // The runner ran elsewhere: its pid means nothing here. Its own lease (3 s) is let to lapse first.
    rewriteRow(ledgerPath, id, { host: OTHER_HOST, leaseExpiresAt: left.leaseExpiresAt! });
    for (let i = 0; i < 200 && new Date().toISOString() <= left.leaseExpiresAt!; i++) await sleep(50);
    expect((await fleet(env)).states[target]).toBe('abandoned');

    // As if it had renewed its lease just before it died: refused while the lease runs.
    rewriteRow(ledgerPath, id, { leaseExpiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect((await fleet(env)).states[target]).toBe('draining');
    const refused = await drainctl(pool, ['drain', `elbv2:pool/${id}`, '--min-healthy', '4'], env);
    expect(refused.code, refused.stderr).toBe(5);
    expect(refused.stderr.trim().split('\n').at(-1)).toMatch(new RegExp(`^drainctl: ${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is being drained by ${OTHER_HOST.replace(/\./g, '\\.')} pid ${left.holder!.pid}\\b.* since `));

    // A lease that lapses in 3 s: the next runner waits for it, then takes the drain over.
    const lapse = new Date(Date.now() + 3_000).toISOString();
    rewriteRow(ledgerPath, id, { leaseExpiresAt: lapse });
    const waiter = await drainctl(pool, ['-o', 'ndjson', 'drain', `elbv2:pool/${id}`, '--min-healthy', '4', '--wait-for-capacity', '30s'], env, 60_000);
    expect(waiter.code, waiter.stderr).toBe(0);
    const waited = ndjson(waiter.stdout).filter((r) => r.type === 'capacity');
    expect(waited.length, waiter.stdout).toBeGreaterThan(0);
    expect(JSON.stringify(waited[0]!.held_by ?? waited[0]!.heldBy)).toContain(OTHER_HOST);

    const list = await events(ledgerPath, id);
    const taken = takeover(list);
    expect(taken?.details.takenOverFrom, JSON.stringify(list)).toContain(OTHER_HOST);
    expect(taken!.at >= lapse, `taken over at ${taken!.at}; the lease ran to ${lapse}`).toBe(true);
    expect(await row(ledgerPath, id)).toMatchObject({ status: 'stopped', leaseExpiresAt: null });
    expect(deregisterCalls(id)).toBe(1);
  });

  it('a --no-wait drain that takes it over lets go of it, as a --no-wait drain of its own does', { timeout: 90_000 }, async () => {
    pool = await elbv2Pool({ deregistrationDelaySeconds: 10 });
    const ledgerPath = freshLedgerPath();
    const env = { DRAINCTL_LEDGER: ledgerPath };
    const [taken, own] = [INSTANCE_IDS[0]!, INSTANCE_IDS[2]!];
    const left = await drainAndKill(ledgerPath, taken, []);
    for (const id of [taken, own]) {
      const run = await drainctl(pool, ['-o', 'ndjson', 'drain', `elbv2:pool/${id}`, '--min-healthy', '4', '--no-wait'], env);
      expect(run.code, run.stderr).toBe(0);
    }
    expect(takeover(await events(ledgerPath, taken))?.details.takenOverFrom).toContain(`pid ${left.holder!.pid}`);
    // Nobody follows either drain now: a lease left behind would keep other hosts waiting for a runner that ended.
    expect(await row(ledgerPath, own)).toMatchObject({ status: 'draining', leaseExpiresAt: null });
    expect(await row(ledgerPath, taken)).toMatchObject({ status: 'draining', leaseExpiresAt: null });
  });
});
