// Benchmark 9: what the capacity guard adds to one drain. In-process, the library from dist/
// (drainTargets, wait: false) on the built-in AWS emulator; guarded drains and forced ones
// (--force skips the guard) interleaved in one run, the target restored after each, on each
// ledger. The ledger's own part (lock, reads, reservation write) is timed around its calls.
import { drainTargets } from '../dist/core/drain.js';
import { restoreTargets } from '../dist/core/restore.js';
import { startAwsEmulator } from '../dist/emulators/aws/index.js';
import { createProviderResolver, currentHolder, parseTargetRef } from '../dist/index.js';
import { instanceId, oneGroupSeed, sleep } from './lib/common.mjs';
import { nowMs, timedLedger } from './lib/timed-ledger.mjs';
import { toolEnv } from './lib/proc.mjs';
import { median, summarize } from './lib/stats.mjs';

export const GUARD_RUNS = 50;
const WARMUP = 3;
/** Cycles of the ledger part alone (lock, read, reservation write, release). */
export const LEDGER_CYCLES = 200;
const GROUP = 'guard-web';
/**
 * drainctl paces its ELB calls at AWS's published rates (10 describes a second after a burst of
 * 40, src/providers/aws/pacer.ts), one budget per process. A CLI drain starts with a full budget;
 * drains started at least this far apart (at most 6 calls each) keep the benchmark's budget full
 * too, so what is timed is the guard, not a wait for the pacer.
 */
const DRAIN_SPACING_MS = 500;
const TARGETS = 4;

/**
 * Runs the benchmark on each ledger kind in `ledgers` (bench/lib/ledgers.mjs), side by side: each
 * kind has its own emulator and new ledger (a lane), and every round drains on every lane.
 */
export async function runGuardBench({ ledgers, runs = GUARD_RUNS, log }) {
  const lanes = [];
  try {
    for (const kind of ledgers) lanes.push(await openLane(kind));
    for (let round = 0; round < WARMUP + runs; round++) {
      // Alternate which arm goes first, so drift over the run hits both alike.
      const order = round % 2 === 0 ? ['guarded', 'forced'] : ['forced', 'guarded'];
      for (const lane of lanes) {
        for (const arm of order) await laneDrain(lane, arm, round >= WARMUP);
      }
    }
    const out = [];
    for (const lane of lanes) {
      const key = (await lane.raw.history({ limit: 1 }))[0].instance;
      const result = summarizeGuard(lane.kind, lane.samples, await ledgerCycles(lane.raw, key), lane.failures);
      log(`  guard [${lane.kind.name}]: guarded ${fmt(result.guarded.wall.median)} ms, forced ${fmt(result.forced.wall.median)} ms (medians of ${runs}); extra ${fmt(result.extraMs)} ms, ${result.ratio.toFixed(2)}x; ledger part alone ${fmt(result.cycle.total.median)} ms`);
      out.push(result);
    }
    return { runs, warmup: WARMUP, ledgerCycles: LEDGER_CYCLES, targets: TARGETS, spacingMs: DRAIN_SPACING_MS, ledgers: out };
  } finally {
    await Promise.allSettled(lanes.map((lane) => lane.close()));
  }
}

/** One ledger kind's emulator, providers and new ledger. */
async function openLane(kind) {
  // A deregistration ends at once and a registration is healthy at once: only drainctl's own work is timed.
  const seed = oneGroupSeed(GROUP, Array.from({ length: TARGETS }, (_, t) => instanceId(90, t + 1)));
  const emulator = await startAwsEmulator({ seed, throttle: 'off', healthyAfterMs: 0 });
  // No AWS_* credentials in its environment: over http:// the provider then signs with fixed dummy ones.
  const providers = createProviderResolver({ region: 'us-east-1', endpointUrl: emulator.url, env: { PATH: process.env.PATH } });
  // Restores go through the same emulator under another spelling of its URL, which gives them a
  // pacing budget of their own: they must not use up the drains'.
  const restorers = createProviderResolver({ region: 'us-east-1', endpointUrl: `${emulator.url}/`, env: { PATH: process.env.PATH } });
  const raw = await (await kind.fresh('guard')).open();
  return {
    kind,
    emulator,
    providers,
    restorers,
    raw,
    timed: timedLedger(raw),
    ref: parseTargetRef(`elbv2:${GROUP}/${instanceId(90, 1)}`),
    samples: { guarded: [], forced: [] },
    failures: [],
    lastStart: 0,
    async close() {
      providers.closeAll();
      restorers.closeAll();
      await raw.close();
      await emulator.stop();
    },
  };
}

/** One drain on a lane, then the target put back (untimed). */
async function laneDrain(lane, arm, keep) {
  await sleep(lane.lastStart + DRAIN_SPACING_MS - Date.now());
  lane.lastStart = Date.now();
  const s = await oneDrain({ arm, ...lane });
  await restoreTargets({ targets: [lane.ref], providers: lane.restorers, ledger: lane.raw, timeoutMs: 10_000 });
  if (!s.ok) lane.failures.push(`${arm}: ${s.outcome}`);
  if (keep) lane.samples[arm].push(s);
}

const fmt = (v) => (v === undefined ? '–' : v.toFixed(1));

/** One drain of `ref` (wait: false): wall time, ledger time by call, emulator calls made. */
async function oneDrain({ arm, ref, providers, timed, emulator }) {
  const before = emulator.requestLog.length;
  timed.take();
  const t0 = nowMs();
  let outcome;
  try {
    const report = await drainTargets({ targets: [ref], providers, ledger: timed.ledger, wait: false, force: arm === 'forced', timeoutMs: 10_000, holder: currentHolder(toolEnv()) });
    outcome = report.results[0]?.outcome;
  } catch (error) {
    outcome = `error: ${error.message}`;
  }
  const wallMs = nowMs() - t0;
  const spent = timed.take();
  const calls = emulator.requestLog.slice(before).map((e) => e.action);
  return { ok: outcome === 'drained' || outcome === 'draining', outcome, wallMs, spent, calls };
}

/**
 * The ledger part on its own, as the guard makes it: take the group's lock, read the group's
 * rows, record one reservation, let go; each step timed. The row is put back afterwards (untimed).
 */
async function ledgerCycles(ledger, key) {
  const holder = currentHolder(toolEnv());
  const steps = { lock: [], read: [], write: [], release: [], total: [] };
  for (let i = 0; i < LEDGER_CYCLES; i++) {
    const now = new Date().toISOString();
    const t0 = nowMs();
    const lock = await ledger.tryLockGroup({ provider: key.provider, group: key.group }, holder, { now, ttlMs: 30_000 });
    const t1 = nowMs();
    if (typeof lock.release !== 'function') throw new Error(`guard: the capacity lock of ${key.group} is held by another runner`);
    await ledger.instances({ provider: key.provider, group: key.group });
    const t2 = nowMs();
    await ledger.record(key, { status: 'draining', drainStartedAt: now, drainedAt: null, holder, leaseExpiresAt: new Date(Date.now() + 30_000).toISOString() }, { type: 'drain_requested', at: now, details: {} });
    const t3 = nowMs();
    await lock.release();
    const t4 = nowMs();
    for (const [name, ms] of [['lock', t1 - t0], ['read', t2 - t1], ['write', t3 - t2], ['release', t4 - t3], ['total', t4 - t0]]) steps[name].push(ms);
    await ledger.record(key, { status: 'active', drainStartedAt: null, holder: null, leaseExpiresAt: null }, { type: 'restored', at: new Date().toISOString(), details: {} });
  }
  return Object.fromEntries(Object.entries(steps).map(([name, values]) => [name, summarize(values)]));
}

/** Medians per arm, the paired differences, and where the guarded arm's extra time went. */
function summarizeGuard(kind, samples, cycle, failures) {
  const arm = (list) => {
    const ledgerMs = list.map((s) => Object.entries(s.spent).filter(([k]) => k !== 'lockHeld').reduce((n, [, v]) => n + v, 0));
    const byCall = {};
    for (const s of list) for (const [k, v] of Object.entries(s.spent)) (byCall[k] ??= []).push(v);
    const calls = {};
    for (const s of list) for (const a of s.calls) calls[a] = (calls[a] ?? 0) + 1;
    return {
      wall: summarize(list.map((s) => s.wallMs)),
      ledger: summarize(ledgerMs),
      byCall: Object.fromEntries(Object.entries(byCall).map(([k, v]) => [k, median(v)])),
      callsPerDrain: Object.fromEntries(Object.entries(calls).sort().map(([k, v]) => [k, v / list.length])),
    };
  };
  const guarded = arm(samples.guarded);
  const forced = arm(samples.forced);
  // Rounds pair one guarded drain with one forced drain made next to it.
  const paired = samples.guarded.map((g, i) => g.wallMs - samples.forced[i].wallMs);
  return {
    ledger: kind.name,
    guarded,
    forced,
    extraMs: guarded.wall.median - forced.wall.median,
    ratio: guarded.wall.median / forced.wall.median,
    pairedExtra: summarize(paired),
    ledgerExtraMs: guarded.ledger.median - forced.ledger.median,
    cycle,
    failures,
  };
}
