// Benchmark 10: many runners, one group. RUNNERS drainctl processes (the real CLI) start at once,
// each to drain its own target of one group with --min-healthy and --wait-for-capacity, then
// restore it; the group can spare five targets at a time, so the others queue on the capacity
// guard. Checked: no moment with fewer targets in service than the minimum, every runner drained
// and restored its target. Measured: how soon a waiting runner gets capacity once it exists.
import { loadavg } from 'node:os';
import { startAwsEmulator } from '../dist/emulators/aws/index.js';
import { drainctlArgs, instanceId, oneGroupSeed, parseJson, sleep } from './lib/common.mjs';
import { runProcess } from './lib/proc.mjs';
import { summarize } from './lib/stats.mjs';

export const RUNNERS = 50;
/** SPARE at a time: the group has RUNNERS targets and must keep RUNNERS − SPARE in service. */
const SPARE = 5;
const GROUP = 'contended';
/** A registered target turns healthy this long after its registration (the emulator's health checks). */
const HEALTHY_AFTER_MS = 500;
/** How often the bench itself asks the emulator how many targets are in service. */
const SAMPLE_EVERY_MS = 100;
const WAIT_FOR_CAPACITY = '10m';

const targetId = (i) => instanceId(91, i + 1);

/** Runs the benchmark on each ledger kind (bench/lib/ledgers.mjs); one result per kind. */
export async function runContentionBench({ ledgers, log }) {
  const out = [];
  for (const kind of ledgers) out.push(await contentionOnLedger(kind, log));
  return { runners: RUNNERS, spare: SPARE, minHealthy: RUNNERS - SPARE, healthyAfterMs: HEALTHY_AFTER_MS, sampleEveryMs: SAMPLE_EVERY_MS, waitForCapacity: WAIT_FOR_CAPACITY, ledgers: out };
}

async function contentionOnLedger(kind, log) {
  // Throttling off: fifty runners' describes would exceed AWS's account budget, which is a
  // different question (each runner paces its own calls; their total is reported below).
  // A deregistration ends at once (the drains use --no-wait).
  const seed = oneGroupSeed(GROUP, Array.from({ length: RUNNERS }, (_, i) => targetId(i)));
  const emulator = await startAwsEmulator({ seed, throttle: 'off', healthyAfterMs: HEALTHY_AFTER_MS });
  const place = await kind.fresh('contention');
  const sampler = startSampler(emulator);
  const loadBefore = loadavg()[0];
  try {
    const started = Date.now();
    const runners = await Promise.all(Array.from({ length: RUNNERS }, (_, i) => runner(emulator, place, i)));
    const wallMs = Date.now() - started;
    const samples = await sampler.stop();
    const ledger = await place.open('read');
    let events;
    try {
      events = await ledger.history({ limit: 100_000 });
    } finally {
      await ledger.close();
    }
    const result = { ...analyseContention({ kind, emulator, runners, events, samples, started, wallMs, samplerCalls: sampler.calls() }), load: { before: loadBefore, after: loadavg()[0] } };
    log(`  contention [${kind.name}]: ${result.drains} drains, ${result.okRunners}/${RUNNERS} runners ok, min in service ${result.minInService} (needed ${RUNNERS - SPARE}), grant after capacity median ${Math.round(result.grant.median)} ms, max ${Math.round(result.grant.max)} ms; ${(wallMs / 1000).toFixed(1)} s`);
    return result;
  } finally {
    await sampler.stop();
    await emulator.stop();
  }
}

/** One runner: `drain --no-wait` under the guard, then `restore` (which waits for health). */
async function runner(emulator, place, i) {
  const ref = `elbv2:${GROUP}/${targetId(i)}`;
  const cli = (args) => runProcess('node', drainctlArgs(emulator.url, place.location, ['-o', 'json', ...args]), { env: place.env, timeoutMs: 15 * 60_000 });
  const drain = await cli(['drain', '--min-healthy', String(RUNNERS - SPARE), '--wait-for-capacity', WAIT_FOR_CAPACITY, '--no-wait', ref]);
  const restore = await cli(['restore', ref]);
  const outcome = (r) => parseJson(r.stdout)?.results?.[0]?.outcome ?? `exit ${r.code}: ${r.stderr.trim().split('\n').at(-1) ?? ''}`;
  return { ref, drain: { code: drain.code, outcome: outcome(drain), startedAt: drain.startedAt, exitedAt: drain.exitedAt }, restore: { code: restore.code, outcome: outcome(restore), exitedAt: restore.exitedAt } };
}

/** Asks the emulator every SAMPLE_EVERY_MS how many of the group's targets are healthy (its own HTTP API, as drainctl asks). */
function startSampler(emulator) {
  const samples = [];
  let calls = 0;
  let running = true;
  const arn = emulator.targetGroupArn(GROUP);
  const body = new URLSearchParams({ Action: 'DescribeTargetHealth', Version: '2015-12-01', TargetGroupArn: arn }).toString();
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      calls += 1;
      try {
        const res = await fetch(emulator.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
        const xml = await res.text();
        samples.push({ at, healthy: (xml.match(/<State>healthy<\/State>/g) ?? []).length });
      } catch {
        // a missed sample is only a gap; the request log still has every change
      }
      await sleep(at + SAMPLE_EVERY_MS - Date.now());
    }
  })();
  return {
    calls: () => calls,
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

/**
 * In service over time, exactly, from the emulator's request log: a deregistered target leaves
 * service at once; a registered one enters HEALTHY_AFTER_MS later. Returns the change times and
 * the lowest count.
 */
function serviceTimeline(emulator) {
  const changes = [];
  for (const e of emulator.requestLog) {
    if (e.status !== 200 || (e.action !== 'RegisterTargets' && e.action !== 'DeregisterTargets')) continue;
    const ids = Object.entries(e.params).filter(([k]) => /^Targets\.member\.\d+\.Id$/.test(k)).map(([, v]) => v);
    for (const id of ids) changes.push(e.action === 'DeregisterTargets' ? { at: e.at, id, delta: -1 } : { at: e.at + HEALTHY_AFTER_MS, id, delta: +1 });
  }
  changes.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let inService = RUNNERS;
  let min = inService;
  for (const c of changes) {
    inService += c.delta;
    min = Math.min(min, inService);
  }
  return { min, healthyAt: changes.filter((c) => c.delta > 0).map((c) => c.at), deregisteredAt: changes.filter((c) => c.delta < 0).map((c) => c.at) };
}

function analyseContention({ kind, emulator, runners, events, samples, started, wallMs, samplerCalls }) {
  const timeline = serviceTimeline(emulator);
  const times = (type) => events.filter((e) => e.type === type).map((e) => Date.parse(e.at)).sort((a, b) => a - b);
  const requested = times('drain_requested');
  const restored = times('restored');
  // The first SPARE drains take capacity that was there from the start; after that, grant k + SPARE
  // is made possible by the k-th moment a restored target turned healthy (a queue of SPARE slots).
  const grant = [];
  const grants = [];
  const sinceRestored = [];
  for (let k = 0; k + SPARE < requested.length; k++) {
    if (timeline.healthyAt[k] !== undefined) {
      grant.push(requested[k + SPARE] - timeline.healthyAt[k]);
      grants.push({ capacityAtMs: timeline.healthyAt[k] - started, ms: requested[k + SPARE] - timeline.healthyAt[k] });
    }
    if (restored[k] !== undefined) sinceRestored.push(requested[k + SPARE] - restored[k]);
  }
  const describes = emulator.requestLog.filter((e) => e.action === 'DescribeTargetHealth').length - samplerCalls;
  const okRunners = runners.filter((r) => r.drain.code === 0 && r.restore.code === 0 && r.restore.outcome === 'restored').length;
  return {
    ledger: kind.name,
    wallMs,
    okRunners,
    failures: runners.filter((r) => r.drain.code !== 0 || r.restore.code !== 0).map((r) => `${r.ref}: drain ${r.drain.outcome}, restore ${r.restore.outcome}`).slice(0, 5),
    drainOutcomes: tallyOf(runners.map((r) => r.drain.outcome)),
    drains: timeline.deregisteredAt.length,
    reservations: requested.length,
    minInService: timeline.min,
    samples: samples.length,
    minSampled: samples.length ? Math.min(...samples.map((s) => s.healthy)) : undefined,
    grant: summarize(grant),
    /** Each grant: when capacity appeared (ms after the runners started) and how long until the next reservation. */
    grants,
    negativeGrants: grant.filter((v) => v < 0).length,
    sinceRestored: summarize(sinceRestored),
    describesPerSecond: describes / (wallMs / 1000),
    lastDrainExitAfterMs: Math.max(...runners.map((r) => r.drain.exitedAt)) - Math.min(...runners.map((r) => r.drain.startedAt)),
  };
}

function tallyOf(values) {
  const out = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
