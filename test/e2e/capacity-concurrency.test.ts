/**
 * The capacity guard with real parts: many `drainctl` processes at once against one six-target
 * group with --min-healthy 4, behind the AWS emulator (ELBv2), a real HAProxy and a real NGINX,
 * while a sampler reads the group from the load balancer itself every ~30 ms.
 *
 * - One shared ledger (a SQLite file; a PostgreSQL database on a real server): 20
 *   runners (20 CI jobs), each drain → hold 300 ms → restore, several per target. No sample may
 *   show fewer than 4 in service, every runner ends 0, the ledger, the runners and (ELBv2) the load
 *   balancer's own request log agree on every drain, and no two runners hold one target at once,
 *   neither while draining nor while it is drained and not yet put back.
 *   The same runners with --force must go below 4 (the run stops as soon as they do).
 * - A ledger per runner (only the check after the change protects them): six drains at once, one
 *   per target, through a load balancer that holds every change until all six have asked. At
 *   most two may stay drained; the rest put their target back and exit 5; the group ends with at
 *   least 4 in service. With --force it ends below 4.
 * - ELBv2 with a percentage (60% of six): drained targets leave the target group, and must still
 *   count in it, or every drain lowers the bar for the next.
 * - NGINX: a change another runner has written but not yet reloaded must not make drained servers
 *   count as in service, nor make restore skip them.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteLedger } from '../../src/ledger/index.js';
import { type CliResult, freshLedgerPath, killAllChildren, scratchDir } from '../support/cli.js';
import { startPostgres } from '../support/postgres.js';
import { makeTempDir, sleep, stopAll } from '../support/servers.js';
import {
  MIN_HEALTHY,
  type Pool,
  type Sample,
  TARGET_COUNT,
  deregistered,
  drainctl,
  elbv2Pool,
  haproxyPool,
  ledgerEvents,
  lowest,
  ndjson,
  nginxPool,
  startRunner,
  startSampler,
} from './capacity-lab.js';

const RUNNERS = 20;
const HOLD_MS = 300;
/** Generous: 20 runners, two at a time, each taking a second or two (more on a loaded machine). */
const WAIT_FOR_CAPACITY = '90s';
const RUN_TIMEOUT_MS = 110_000;
const GUARD = ['--min-healthy', String(MIN_HEALTHY), '--wait-for-capacity', WAIT_FOR_CAPACITY];

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

/** One runner: drain its target; if that worked, hold it a moment and put it back (unless the run was stopped). */
async function cycle(p: Pool, target: string, env: Record<string, string>, guard: readonly string[], run: { stopped: boolean }): Promise<Cycle> {
  const drain = await drainctl(p, ['-o', 'ndjson', 'drain', target, ...guard], env, RUN_TIMEOUT_MS);
  if (drain.code !== 0 || run.stopped) return { target, drain };
  await sleep(HOLD_MS);
  if (run.stopped) return { target, drain };
  const restore = await drainctl(p, ['-o', 'json', 'restore', target], env, 60_000);
  return { target, drain, restore };
}

/**
 * Starts 20 runners at once (slot i takes target i mod 6) with the sampler running. With
 * `stopBelow`, the first sample below it kills every runner: the point is made.
 */
async function runAll(p: Pool, env: Record<string, string>, guard: readonly string[], stopBelow?: number): Promise<{ cycles: Cycle[]; samples: Sample[] }> {
  const run = { stopped: false };
  const sampler = startSampler(p, (s) => {
    if (stopBelow !== undefined && s.inService < stopBelow && !run.stopped) {
      run.stopped = true;
      killAllChildren();
    }
  });
  try {
    const cycles = await Promise.all(Array.from({ length: RUNNERS }, (_, slot) => cycle(p, p.targets[slot % TARGET_COUNT]!, { ...env, ...ciJobEnv(slot) }, guard, run)));
    await sleep(100); // a few samples of the end state
    return { cycles, samples: await sampler.stop() };
  } finally {
    await sampler.stop().catch(() => undefined);
  }
}

/**
 * Each runner is its own deploy job, as 20 pipelines are: a target one job drained and has not put
 * back is that job's, and another job wanting it waits for the restore. (Runners of one user on
 * one host outside CI would be one owner, following each other's drains.)
 */
function ciJobEnv(slot: number): Record<string, string> {
  return { CI: 'true', CI_JOB_ID: `deploy-${slot}`, GITHUB_ACTIONS: '', GITLAB_CI: '', BUILDKITE: '', CIRCLECI: '', JENKINS_URL: '' };
}

function lastLine(r: CliResult | undefined): string | undefined {
  return r && `${r.code}: ${r.stderr.trim().split('\n').at(-1) ?? ''}`;
}

function explain(c: Cycle): string {
  return `${c.target} drain ${lastLine(c.drain)}${c.restore ? `; restore ${lastLine(c.restore)}` : ''}`;
}

/** The target as the runner's output names it (canonical), from its first action. */
function canonicalTarget(c: Cycle): string | undefined {
  return ndjson(c.drain.stdout).find((r) => r.type === 'action')?.target as string | undefined;
}

/** From when a runner was told its target is drained to when it asked to put it back: the target is its own then. */
function holdOf(c: Cycle): { from: string; to: string } | undefined {
  if (c.drain.code !== 0 || c.restore?.code !== 0) return undefined;
  const drained = ndjson(c.drain.stdout).find((r) => r.type === 'summary');
  const restore = JSON.parse(c.restore.stdout) as { started_at: string };
  return { from: drained!.finished_at as string, to: restore.started_at };
}

/** The shared-ledger run and its checks; `env` points every runner at the same ledger. */
async function sharedLedgerRun(p: Pool, env: Record<string, string>): Promise<void> {
  const { cycles, samples } = await runAll(p, env, GUARD);
  const low = lowest(samples);
  const mostOut = Math.max(...samples.map((s) => s.out));
  const summary = `${samples.length} samples; lowest ${low.inService} in service at +${low.at} ms (${low.detail}); most out ${mostOut}`;

  expect(samples.length, summary).toBeGreaterThan(20);
  expect(low.inService, summary).toBeGreaterThanOrEqual(MIN_HEALTHY);
  expect(mostOut, summary).toBeLessThanOrEqual(TARGET_COUNT - MIN_HEALTHY);
  expect(cycles.filter((c) => c.drain.code !== 0 || c.restore?.code !== 0).map(explain)).toEqual([]);
  expect(samples.at(-1)!.inService, summary).toBe(TARGET_COUNT);

  // The runners did contend: some waited for capacity or for a target another runner held.
  expect(cycles.filter((c) => ndjson(c.drain.stdout).some((r) => r.type === 'capacity')).length, summary).toBeGreaterThan(0);

  // Every drain a runner made is in the ledger, once, and (ELBv2) in the load balancer's own log.
  const events = await ledgerEvents(p, env);
  for (const target of p.targets) {
    const changedBy = cycles.filter((c) => c.target === target && deregistered(c.drain.stdout));
    expect(changedBy.length, `${target}: no runner drained it`).toBeGreaterThan(0);
    const canonical = canonicalTarget(changedBy[0]!)!;
    const requested = events.filter((e) => canonical.endsWith(`/${e.target}`) && e.type === 'drain_requested');
    expect(requested.length, `${target}: drain_requested events vs runners that drained it`).toBe(changedBy.length);
    if (p.emulator) {
      const id = target.split('/').at(-1)!;
      const calls = p.emulator.requestLog.filter((e) => e.action === 'DeregisterTargets' && e.status === 200 && Object.values(e.params).includes(id));
      expect(calls.length, `${target}: DeregisterTargets calls vs runners that drained it`).toBe(changedBy.length);
    }
  }

  // A target drained and not yet put back is its owner's: no runner is told its target is drained
  // while another runner has it drained.
  expect(overlappingHolds(p, cycles), summary).toEqual([]);
}

/** Each time a runner was told its target was drained while another runner held it and had not yet put it back. */
function overlappingHolds(p: Pool, cycles: readonly Cycle[]): string[] {
  const overlaps: string[] = [];
  for (const target of p.targets) {
    const holds = cycles
      .map((c) => ({ c, hold: c.target === target ? holdOf(c) : undefined }))
      .filter((h): h is { c: Cycle; hold: { from: string; to: string } } => h.hold !== undefined)
      .sort((a, b) => a.hold.from.localeCompare(b.hold.from));
    for (let i = 1; i < holds.length; i++) {
      const [before, after] = [holds[i - 1]!, holds[i]!];
      if (after.hold.from < before.hold.to) {
        overlaps.push(`${target}: told drained at ${after.hold.from} (${deregistered(after.c.drain.stdout) ? 'it drained it' : 'already drained'}), held by another from ${before.hold.from} until its restore at ${before.hold.to}`);
      }
    }
  }
  return overlaps;
}

describe.each(POOLS)('%s: 20 runners, one group of six, --min-healthy 4', (name, start) => {
  it('one shared SQLite ledger: never fewer than 4 in service, every runner ends 0, every drain recorded', { timeout: 150_000 }, async () => {
    pool = await start();
    await sharedLedgerRun(pool, { DRAINCTL_LEDGER: freshLedgerPath() });
  });

  // The ledger is the shared part, not the load balancer: one provider is enough for PostgreSQL.
  it.runIf(name.startsWith('elbv2'))('one shared PostgreSQL ledger: never fewer than 4 in service, every runner ends 0, every drain recorded', { timeout: 180_000 }, async () => {
    const server = await startPostgres();
    try {
      pool = await start();
      await sharedLedgerRun(pool, { DRAINCTL_LEDGER: await server.createDatabase() });
    } finally {
      await server.stop();
    }
  });

  it('control: the same runners with --force go below 4 in service', { timeout: 150_000 }, async () => {
    pool = await start();
    const { samples } = await runAll(pool, { DRAINCTL_LEDGER: freshLedgerPath() }, ['--force'], MIN_HEALTHY);
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
    const lines = results.map((r) => lastLine(r)).join('\n');
    const stayed = results.filter((r) => r.code === 0);
    expect(results.filter((r) => r.code !== 0 && r.code !== 5), lines).toEqual([]);
    expect(held, `drains held until all six had asked\n${lines}`).toBe(TARGET_COUNT);
    expect(stayed.length, lines).toBeLessThanOrEqual(TARGET_COUNT - MIN_HEALTHY);
    for (const r of results.filter((x) => x.code === 5)) {
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
  let last: Omit<Sample, 'at'> = samples.at(-1)!;
  for (let i = 0; i < 16; i++) {
    await sleep(300);
    const now = await p.look();
    if (now.inService === last.inService && now.detail === last.detail) return now;
    last = now;
  }
  throw new Error(`the group did not settle within 5 s: ${last.detail}`);
}

describe('elbv2: --min-healthy as a percentage, drains one after another', () => {
  it('60% of six keeps 4 in service: targets drained (and so deregistered) still count in the group', { timeout: 90_000 }, async () => {
    pool = await elbv2Pool();
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const outcomes: string[] = [];
    for (const target of pool.targets) {
      const run = await drainctl(pool, ['drain', target, '--min-healthy', '60%'], env);
      const look = await pool.look();
      outcomes.push(`${target}: ${lastLine(run)} -> ${look.inService} in service (${look.detail})`);
      expect(look.inService, outcomes.join('\n')).toBeGreaterThanOrEqual(4);
      if (run.code !== 0) break;
    }
    expect(outcomes.filter((o) => /: 0: /.test(o)), outcomes.join('\n')).toHaveLength(2);
  });
});

describe('nginx: another runner has written its change to the upstream file and not yet reloaded', () => {
  /**
   * Runner C drains app4 with a reload command that waits for a gate file: its edit is on disk
   * and not in force, and it holds NGINX's lock file, until the test opens the gate.
   */
  async function slowReloadingRunner(p: Pool, env: Record<string, string>): Promise<{ open(): void; done: Promise<CliResult> }> {
    const gate = join(makeTempDir('gate'), 'open');
    const mainConfig = p.args[p.args.indexOf('--nginx-conf') + 1]!;
    const reload = `for i in $(seq 300); do [ -e ${gate} ] && break; sleep 0.05; done; exec nginx -c ${mainConfig} -s reload`;
    const runner = startRunner(p.args, ['-o', 'ndjson', 'drain', p.targets[3]!, '--min-healthy', String(MIN_HEALTHY), '--reload-command', reload], env, 60_000);
    for (let i = 0; i < 400 && !(await p.look()).detail.includes('app4=down'); i++) {
      if (runner.output().exited) throw new Error(`the slow runner ended before writing its change: ${(await runner.done).stderr}`);
      await sleep(25);
    }
    return { open: () => writeFileSync(gate, ''), done: runner.done };
  }

  it('servers drained before still count as out of service: a drain that would leave 3 is refused before any change', { timeout: 90_000 }, async () => {
    pool = await nginxPool();
    const ledger = freshLedgerPath();
    const env = { DRAINCTL_LEDGER: ledger };
    expect((await drainctl(pool, ['drain', pool.targets[0]!, '--min-healthy', '4'], env)).code).toBe(0);
    const slow = await slowReloadingRunner(pool, env);
    const sampler = startSampler(pool);
    try {
      // app1 drained, app4 written down by a runner that has not reloaded: app2, app3, app5, app6 serve. Draining app3 would leave 3.
      const third = startRunner(pool.args, ['-o', 'ndjson', 'drain', pool.targets[2]!, '--min-healthy', '4'], env, 60_000);
      // The slow runner holds NGINX's lock file: let it go once the third runner either refused or reserved.
      await until(async () => third.output().exited || (await reserved(ledger, pool!.targets[2]!)), 30_000);
      slow.open();
      const result = await third.done;
      expect((await slow.done).code).toBe(0);
      const low = lowest(await sampler.stop());
      expect(deregistered(result.stdout), `${lastLine(result)}; lowest ${low.inService} (${low.detail})`).toBe(false);
      expect(lastLine(result)).toMatch(/^5: drainctl: draining .* would leave .* with 3 targets in service, below --min-healthy 4 \(4 needed\)/);
      expect(low.inService, low.detail).toBeGreaterThanOrEqual(MIN_HEALTHY);
    } finally {
      slow.open();
      await sampler.stop().catch(() => undefined);
    }
  });

  it('restore puts a drained server back, not "already in service"', { timeout: 90_000 }, async () => {
    pool = await nginxPool();
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    expect((await drainctl(pool, ['drain', pool.targets[0]!, '--min-healthy', '4'], env)).code).toBe(0);
    const slow = await slowReloadingRunner(pool, env);
    try {
      const restore = startRunner(pool.args, ['-o', 'ndjson', 'restore', pool.targets[0]!], env, 60_000);
      // A restore that does put it back waits for the lock file: let the slow runner go once it has said so.
      await until(async () => restore.output().exited || ndjson(restore.output().stdout).some((r) => r.type === 'action'), 30_000);
      slow.open();
      const result = await restore.done;
      expect((await slow.done).code).toBe(0);
      expect(result.code, result.stderr).toBe(0);
      expect(ndjson(result.stdout).filter((r) => r.type === 'action').map((r) => r.action)).toEqual(['register']);
      expect((await pool.look()).detail).toMatch(/^app1=up /);
    } finally {
      slow.open();
    }
  });
});

/** True once the ledger holds a drain of `target` requested by some runner. */
async function reserved(ledgerPath: string, target: string): Promise<boolean> {
  if (!existsSync(ledgerPath)) return false;
  const ledger = openSqliteLedger(ledgerPath, { access: 'read' });
  try {
    return (await ledger.history({ limit: 1000 })).some((e) => e.type === 'drain_requested' && target.endsWith(`/${e.instance.target}`));
  } finally {
    await ledger.close();
  }
}

/** Polls `check` every 25 ms; throws after `boundMs`. */
async function until(check: () => Promise<boolean>, boundMs: number): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${boundMs} ms: ${check.toString()}`);
    await sleep(25);
  }
}
