// Benchmark: draining an HAProxy server under steady load.
//  1. Detection lag: from the moment the drained server's backend sent its last response
//     (recorded by the backend; health checks excluded) to the drain being reported drained.
//  2. Throughput through HAProxy during each drain against the same length of time just before it.
// Two arms: `core` runs drainTargets from dist/ (the core's poll schedule); `poll-250` takes the
// server out with provider.drain and polls provider.describe every 250 ms, to show what a steady
// 250 ms schedule would give. Two workloads: 10 % of requests slow for 200-500 ms (the e2e mix),
// and 200-2000 ms.
// Part of `npm run bench` (BENCH_ONLY=haproxy; BENCH_HAPROXY_REPS, default 10), which puts the
// figures in docs/benchmarks.md. Alone, after `npm run build`: node bench/haproxy.mjs [repetitions]
// prints a summary and one JSON line per arm and workload.
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { drainTargets } from '../dist/core/drain.js';
import { restoreTargets } from '../dist/core/restore.js';
import { createMemoryLedger } from '../dist/ledger/index.js';
import { HaproxyProvider } from '../dist/providers/haproxy/provider.js';
import { now, sleep, startLab, startLoad, stopLab } from './haproxy-lab.mjs';
import { summarize } from './lib/stats.mjs';

export const HAPROXY_REPS = 10;
const CONCURRENCY = 32;
export const WORKLOADS = [
  { name: 'slow 200-500 ms', slowMs: [200, 500] },
  { name: 'slow 200-2000 ms', slowMs: [200, 2000] },
];
export const ARMS = ['core', 'poll-250'];
const round = (v, d = 1) => (v === undefined ? undefined : Math.round(v * 10 ** d) / 10 ** d);
const rounded = (summary) => Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, round(v)]));

/** Drains one server and resolves when the drain is reported drained: through the core, or a steady 250 ms poll. */
async function drainOnce(arm, provider, ledger, ref) {
  if (arm === 'core') {
    let reportedAt;
    const report = await drainTargets({ targets: [ref], providers: async () => provider, ledger, timeoutMs: 15_000, onEvent: (e) => e.type === 'target_done' && (reportedAt = now()) });
    return { outcome: report.results[0]?.outcome, reportedAt };
  }
  const group = { kind: 'group', provider: 'haproxy', group: ref.group };
  await provider.drain(group, (await provider.describe(group, [ref])).targets);
  for (let i = 0; i < 60; i++) {
    if ((await provider.describe(group, [ref])).targets[0].state === 'drained') return { outcome: 'drained', reportedAt: now() };
    await sleep(250);
  }
  return { outcome: 'timed_out', reportedAt: now() };
}

async function runWorkload(lab, workload, arm, REPS, log) {
  const provider = new HaproxyProvider();
  const providers = async () => provider;
  const ledger = createMemoryLedger();
  const load = startLoad({ url: `http://127.0.0.1:${lab.frontendPort}`, concurrency: CONCURRENCY, slowMs: workload.slowMs, maxDurationMs: 30_000 + REPS * 10_000 });
  const reps = [];
  try {
    await sleep(2000); // warm up
    for (let i = 0; i < REPS; i++) {
      const backend = lab.backends[i % lab.backends.length];
      const ref = { kind: 'target', provider: 'haproxy', group: lab.group, target: backend.name };
      const inFlightAtStart = (await backend.stats()).inFlight;
      const drainStart = now();
      const { outcome, reportedAt } = await drainOnce(arm, provider, ledger, ref);
      const drainEnd = now();
      const { lastResponseAt, inFlight } = await backend.stats();
      reps.push({
        outcome, inFlightAtStart, inFlightAfter: inFlight, drainMs: drainEnd - drainStart, lagMs: reportedAt - lastResponseAt,
        rpsBefore: load.rate(drainStart - (drainEnd - drainStart), drainStart), rpsDuring: load.rate(drainStart, drainEnd),
      });
      log(`  ${arm}, ${workload.name}, rep ${i + 1}/${REPS} ${backend.name}: ${outcome}, ${inFlightAtStart} in flight at start, drain ${round(drainEnd - drainStart)} ms, lag ${round(reportedAt - lastResponseAt)} ms`);
      await restoreTargets({ targets: [ref], providers, ledger, timeoutMs: 10_000 });
      await sleep(1000);
    }
  } finally {
    await load.stop();
  }
  const ok = reps.filter((r) => r.outcome === 'drained' && r.inFlightAfter === 0);
  const totalMs = ok.reduce((n, r) => n + r.drainMs, 0);
  const weighted = (key) => ok.reduce((n, r) => n + r[key] * r.drainMs, 0) / Math.max(1, totalMs);
  return {
    bench: 'haproxy', arm, workload: workload.name, haproxy: lab.haproxyVersion, node: process.version, cpus: cpus().length, loadAvg: round(loadavg()[0], 2),
    repetitions: REPS, drained: ok.length, concurrency: CONCURRENCY, failedRequests: load.failed(),
    lagMs: rounded(summarize(ok.map((r) => r.lagMs))), drainMs: rounded(summarize(ok.map((r) => r.drainMs))),
    rpsBefore: round(weighted('rpsBefore'), 0), rpsDuring: round(weighted('rpsDuring'), 0),
    // Per drain: [req/s in the same length of time just before it, req/s during it].
    rpsPairs: ok.map((r) => [round(r.rpsBefore, 1), round(r.rpsDuring, 1)]),
  };
}

/** Starts the lab, runs every workload and arm, stops the lab; resolves with one result per arm and workload. */
export async function runHaproxyBench({ reps = HAPROXY_REPS, log }) {
  if (!(Number.isInteger(reps) && reps >= 1 && reps <= 50)) throw new Error('HAProxy repetitions must be an integer 1-50');
  const lab = await startLab();
  const results = [];
  try {
    for (const workload of WORKLOADS) for (const arm of ARMS) results.push(await runWorkload(lab, workload, arm, reps, log));
  } finally {
    await stopLab();
  }
  return { haproxy: lab.haproxyVersion, concurrency: CONCURRENCY, repetitions: reps, workloads: WORKLOADS, results };
}

// Standalone: node bench/haproxy.mjs [repetitions per arm and workload, default 10].
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const log = (line) => process.stdout.write(`${line}\n`);
  try {
    const { results } = await runHaproxyBench({ reps: Number(process.argv[2] ?? HAPROXY_REPS), log });
    for (const r of results) {
      log(`\n[${r.arm}] HAProxy ${r.haproxy}, Node ${r.node}, ${r.cpus} CPUs (load ${r.loadAvg}), ${CONCURRENCY} keep-alive clients, 10 % ${r.workload}; ${r.drained}/${r.repetitions} drains completed`);
      log(`  detection lag (last response sent -> drainctl reports drained): median ${r.lagMs.median} ms, p90 ${r.lagMs.p90} ms, min ${r.lagMs.min}, max ${r.lagMs.max}`);
      log(`  drain duration (drain call -> drained): median ${r.drainMs.median} ms, p90 ${r.drainMs.p90} ms`);
      log(`  throughput through HAProxy: ${r.rpsBefore} req/s just before vs ${r.rpsDuring} req/s during drains; ${r.failedRequests} failed requests`);
    }
    for (const r of results) log(JSON.stringify(r));
  } catch (error) {
    process.stderr.write(`${error.stack ?? error}\n`);
    await stopLab();
    process.exit(1);
  }
}
