/**
 * The capacity guard with real parts: many `drainctl` processes at once against one six-target
 * group with --min-healthy 4, behind the AWS emulator (ELBv2), a real HAProxy and a real NGINX,
 * while a sampler reads the group from the load balancer itself every ~30 ms.
 *
 * - One shared ledger (a SQLite file; PostgreSQL once its harness is in the tree): 20 runners, each
 *   drain → hold 300 ms → restore, several per target. No sample may show fewer than 4 in
 *   service, every runner ends 0, and the ledger, the runners and (ELBv2) the load balancer's own
 *   request log agree on every drain. The same run with --force must go below 4.
 * - A ledger per runner (only the check after the change protects them): six drains at once, one
 *   per target. At most two may stay drained; the rest put their target back and exit 5, and the
 *   group ends with at least 4 in service. With --force it ends below 4.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshLedgerPath, killAllChildren, type CliResult, scratchDir } from '../support/cli.js';
import { sleep, stopAll } from '../support/servers.js';
import { MIN_HEALTHY, TARGET_COUNT, type Pool, type Sample, deregistered, drainctl, elbv2Pool, haproxyPool, ledgerEvents, lowest, ndjson, nginxPool, startRunner, startSampler } from './capacity-lab.js';

const RUNNERS = 20;
const HOLD_MS = 300;
/** Generous: 20 runners, two at a time, each taking a second or two. */
const WAIT_FOR_CAPACITY = '90s';
const RUN_TIMEOUT_MS = 110_000;

// The PostgreSQL harness arrives with the PostgreSQL ledger; until then that mode is skipped.
const postgresHarness = new URL('../support/postgres.ts', import.meta.url);
const postgres: { startPostgres(): Promise<{ createDatabase(): Promise<string>; stop(): Promise<void> }> } | undefined = existsSync(postgresHarness)
  ? ((await import(/* @vite-ignore */ postgresHarness.href)) as never)
  : undefined;

const POOLS: readonly [string, () => Promise<Pool>][] = [
  ['elbv2 (AWS emulator)', () => elbv2Pool()],
  ['haproxy', haproxyPool],
  ['nginx', nginxPool],
];

let pool: Pool | undefined;
afterEach(async () => {
  killAllChildren();
  await pool?.stop();
  pool = undefined;
  await stopAll();
});

interface Cycle {
  readonly target: string;
  readonly drain: CliResult;
  readonly restore?: CliResult;
}

/** One runner: drain its target; if that worked, hold it a moment and put it back. */
async function cycle(p: Pool, target: string, env: Record<string, string>, guard: readonly string[]): Promise<Cycle> {
  const drain = await drainctl(p, ['-o', 'ndjson', 'drain', target, ...guard], env, RUN_TIMEOUT_MS);
  if (drain.code !== 0) return { target, drain };
  await sleep(HOLD_MS);
  const restore = await drainctl(p, ['restore', target], env, 60_000);
  return { target, drain, restore };
}

/** Starts every runner at once (slot i takes target i mod 6) with the sampler running; returns both. */
async function runAll(p: Pool, count: number, env: (slot: number) => Record<string, string>, guard: readonly string[], restore = true): Promise<{ cycles: Cycle[]; samples: Sample[] }> {
  const sampler = startSampler(p);
  try {
    const cycles = await Promise.all(
      Array.from({ length: count }, (_, slot) => {
        const target = p.targets[slot % TARGET_COUNT]!;
        if (restore) return cycle(p, target, env(slot), guard);
        return drainctl(p, ['-o', 'ndjson', 'drain', target, ...guard], env(slot), RUN_TIMEOUT_MS).then((drain) => ({ target, drain }));
      }),
    );
    await sleep(100); // a few samples of the end state
    return { cycles, samples: await sampler.stop() };
  } catch (error) {
    await sampler.stop().catch(() => undefined);
    throw error;
  }
}

function explain(c: Cycle): string {
  const last = (r: CliResult | undefined) => r && `${r.code}: ${r.stderr.trim().split('\n').at(-1) ?? ''}`;
  return `${c.target} drain ${last(c.drain)}${c.restore ? `; restore ${last(c.restore)}` : ''}`;
}

/** What the ledger says happened to each target: drains requested, put back after a capacity check. */
function ledgerCounts(events: readonly Record<string, any>[], target: string): { drainRequested: number } {
  const mine = events.filter((e) => target.endsWith(`/${e.target}`));
  return { drainRequested: mine.filter((e) => e.type === 'drain_requested').length };
}

/** The shared-ledger run and its checks; `env` points every runner at the same ledger. */
async function sharedLedgerRun(p: Pool, env: Record<string, string>): Promise<void> {
  const { cycles, samples } = await runAll(p, RUNNERS, () => env, ['--min-healthy', String(MIN_HEALTHY), '--wait-for-capacity', WAIT_FOR_CAPACITY]);
  const low = lowest(samples);
  const mostOut = Math.max(...samples.map((s) => s.out));
  const summary = `${samples.length} samples; lowest ${low.inService} in service at +${low.at} ms (${low.detail}); most out ${mostOut}`;

  console.info(`${p.name} shared ledger: ${summary}; ${cycles.filter((c) => deregistered(c.drain.stdout)).length} of ${cycles.length} runners deregistered their target themselves`);
  expect(samples.length, summary).toBeGreaterThan(20);
  expect(low.inService, summary).toBeGreaterThanOrEqual(MIN_HEALTHY);
  expect(mostOut, summary).toBeLessThanOrEqual(TARGET_COUNT - MIN_HEALTHY);
  expect(cycles.filter((c) => c.drain.code !== 0 || c.restore?.code !== 0).map(explain)).toEqual([]);
  expect(samples.at(-1)!.inService, summary).toBe(TARGET_COUNT);

  // The runners did contend: some waited for capacity or for a target another runner held.
  const waited = cycles.filter((c) => ndjson(c.drain.stdout).some((r) => r.type === 'capacity'));
  expect(waited.length, summary).toBeGreaterThan(0);

  // Every drain a runner made is in the ledger, once, and (ELBv2) in the load balancer's own log.
  const events = await ledgerEvents(p, env);
  for (const target of p.targets) {
    const changedBy = cycles.filter((c) => c.target === target && deregistered(c.drain.stdout));
    const canonical = ndjson(changedBy[0]?.drain.stdout ?? '').find((r) => r.type === 'action')?.target as string | undefined;
    expect(changedBy.length, `${target}: no runner drained it`).toBeGreaterThan(0);
    expect(ledgerCounts(events, canonical!).drainRequested, `${target}: drain_requested events vs runners that drained it`).toBe(changedBy.length);
    if (p.emulator) {
      const id = target.split('/').at(-1)!;
      const calls = p.emulator.requestLog.filter((e) => e.action === 'DeregisterTargets' && e.status === 200 && Object.values(e.params).includes(id));
      expect(calls.length, `${target}: DeregisterTargets calls vs runners that drained it`).toBe(changedBy.length);
    }
  }
}

describe.each(POOLS)('%s: 20 runners, one group of six, --min-healthy 4', (_name, start) => {
  it('one shared SQLite ledger: never fewer than 4 in service, every runner ends 0, every drain recorded', { timeout: 150_000 }, async () => {
    pool = await start();
    await sharedLedgerRun(pool, { DRAINCTL_LEDGER: freshLedgerPath() });
  });

  it.skipIf(!postgres)('one shared PostgreSQL ledger: never fewer than 4 in service, every runner ends 0, every drain recorded', { timeout: 150_000 }, async () => {
    const server = await postgres!.startPostgres();
    try {
      pool = await start();
      await sharedLedgerRun(pool, { DRAINCTL_LEDGER: await server.createDatabase() });
    } finally {
      await server.stop();
    }
  });

  it('control: the same runners with --force go below 4 in service', { timeout: 150_000 }, async () => {
    pool = await start();
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const { samples, cycles } = await runAll(pool, RUNNERS, () => env, ['--force']);
    console.info(cycles.map((c) => `runner ${explain(c)} ${c.drain.stdout.length} ${ndjson(c.drain.stdout).filter((r) => ['plan', 'action', 'summary'].includes(r.type)).map((r) => `${r.type}${r.action ? `:${r.action}` : ''}@${String(r['@timestamp']).slice(17, 23)}`).join(' ')}`).join('\n'));
    const low = lowest(samples);
    expect(low.inService, `${samples.length} samples; lowest ${low.inService} (${low.detail})`).toBeLessThan(MIN_HEALTHY);
  });
});

describe.each(POOLS)('%s: six runners with a ledger each, one target each, at once', (_name, start) => {
  /** A ledger of its own per runner, in a HOME of its own. */
  const ownLedger = (): Record<string, string> => ({ DRAINCTL_LEDGER: join(scratchDir('drainctl-own-'), 'ledger.db') });

  /**
   * Six drains at once through a load balancer that holds every change until all six have asked
   * (so each checked capacity before any change landed); the sampler reads the real one.
   */
  async function sixAtOnce(p: Pool, guard: readonly string[]): Promise<{ results: CliResult[]; held: number; samples: Sample[] }> {
    const slow = await p.slowChanges(TARGET_COUNT, 15_000);
    const sampler = startSampler(p);
    try {
      const runners = slow.targets.map((target) => startRunner(slow.args, ['-o', 'ndjson', 'drain', target, ...guard], ownLedger(), RUN_TIMEOUT_MS));
      slow.watch(() => runners.map((r) => r.output()));
      const results = await Promise.all(runners.map((r) => r.done));
      await sleep(100);
      return { results, held: slow.held(), samples: await sampler.stop() };
    } finally {
      await sampler.stop().catch(() => undefined);
      await slow.close();
    }
  }

  it('the check after the change: at most 2 stay drained, the rest put their target back (exit 5), at least 4 in service at the end', { timeout: 90_000 }, async () => {
    pool = await start();
    const { results, held, samples } = await sixAtOnce(pool, ['--min-healthy', String(MIN_HEALTHY)]);
    const lines = results.map((r) => `${r.code}: ${r.stderr.trim().split('\n').at(-1)}`).join('\n');
    const stayed = results.filter((r) => r.code === 0);
    const putBack = results.filter((r) => r.code === 5);
    expect(results.filter((r) => r.code !== 0 && r.code !== 5), lines).toEqual([]);
    expect(held, `drains held until all six had asked\n${lines}`).toBe(TARGET_COUNT);
    expect(stayed.length, lines).toBeLessThanOrEqual(TARGET_COUNT - MIN_HEALTHY);
    for (const r of putBack) {
      // Every runner changed its target (the load balancer held all six changes): each refusal is the check after it.
      expect(deregistered(r.stdout), lines).toBe(true);
      expect(r.stderr.trim().split('\n').at(-1), lines).toMatch(/^drainctl: a concurrent drain left .* below --min-healthy 4 \(\d+ in service after this drain, 4 needed\): put .* back; /);
    }
    const end = await settledLook(pool, samples);
    expect(end.inService, end.detail).toBeGreaterThanOrEqual(MIN_HEALTHY);
    expect(end.inService, `${end.detail}\n${lines}`).toBe(TARGET_COUNT - stayed.length);
  });

  it('control: the same six with --force end below 4 in service', { timeout: 90_000 }, async () => {
    pool = await start();
    const { results, samples } = await sixAtOnce(pool, ['--force']);
    expect(results.map((r) => r.code), results.map((r) => r.stderr).join('\n')).toEqual(Array(TARGET_COUNT).fill(0));
    const end = await settledLook(pool, samples);
    expect(end.inService, end.detail).toBeLessThan(MIN_HEALTHY);
  });
});

/** The group once re-registrations have turned healthy: looks until two looks 300 ms apart agree (at most 5 s). */
async function settledLook(p: Pool, samples: readonly Sample[]): Promise<Omit<Sample, 'at'>> {
  let last = samples.at(-1)!;
  for (let i = 0; i < 16; i++) {
    await sleep(300);
    const now = await p.look();
    if (now.inService === last.inService && now.detail === last.detail) return now;
    last = { at: 0, ...now };
  }
  throw new Error(`the group did not settle within 5 s: ${last.detail}`);
}
