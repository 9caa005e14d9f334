// Hook discovery: how long the lifecycle hook takes to find every target group that holds a
// terminating instance, in a region of 500 target groups on the built-in AWS emulator with AWS's
// published ELB rate limits (describe: 40 at once, then 10 a second). Cold (nothing cached), warm
// (the same instance again), and warm for another instance of the same region. The goal in the
// issue: under 10 s cold.
// Run alone with `node bench/hook-discovery.mjs` (after `npm run build`); prints one JSON line.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from './lib/common.mjs';

export const HOOK_DISCOVERY_GROUPS = 500;
/** The goal, in milliseconds, for a cold lookup. */
export const HOOK_DISCOVERY_GOAL_MS = 10_000;

const dist = (path) => import(pathToFileURL(join(REPO, 'dist', path)).href);
const id = (n) => `i-0d15c0000000${String(n).padStart(5, '0')}`;

/** 500 target groups of two instances each; the terminating instance is in three of them, one an ip group by its address. */
function seed(groups) {
  const address = '10.1.0.7';
  const targetGroups = Array.from({ length: groups }, (_, i) => {
    const name = `bench-tg-${String(i).padStart(3, '0')}`;
    if (i === 333) return { name, port: 80, targetType: 'ip', targets: [{ id: address, port: 8080 }, { id: '10.1.0.8', port: 8080 }] };
    const targets = [{ id: id(1000 + i), port: 80 }, { id: id(2000 + i), port: 80 }];
    if (i === 17 || i === 250) targets.push({ id: id(1), port: 8080 });
    return { name, port: 80, targetType: 'instance', targets };
  });
  return { seed: { region: 'us-east-1', targetGroups }, instance: id(1), address, other: id(1000 + 400) };
}

async function timed(emulator, lookup) {
  emulator.clearLog();
  const started = performance.now();
  const found = await lookup();
  const ms = performance.now() - started;
  const log = emulator.requestLog;
  return { ms, found: found.length, calls: log.length, throttled: log.filter((r) => r.errorCode === 'Throttling').length, byAction: countBy(log.map((r) => r.action)) };
}

function countBy(items) {
  const counts = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}

export async function runHookDiscoveryBench({ groups = HOOK_DISCOVERY_GROUPS, log = console.log } = {}) {
  const { startAwsEmulator } = await dist('emulators/aws/index.js');
  const { createInstanceFinder } = await dist('providers/aws-asg/finder.js');
  const { standaloneCall } = await dist('core/call.js');
  const world = seed(groups);
  const emulator = await startAwsEmulator({ seed: world.seed, throttle: 'aws', healthyAfterMs: 0 });
  const finder = createInstanceFinder({ endpointUrl: emulator.url, region: 'us-east-1', env: {} });
  try {
    const call = () => standaloneCall({ timeoutMs: 300_000 });
    const cold = await timed(emulator, () => finder.findRegistrations(world.instance, [world.address], call()));
    const warm = await timed(emulator, () => finder.findRegistrations(world.instance, [world.address], call()));
    const warmOther = await timed(emulator, () => finder.findRegistrations(world.other, [], call()));
    if (cold.found !== 3 || warm.found !== 3 || warmOther.found !== 1) throw new Error(`found ${cold.found}/${warm.found}/${warmOther.found} registrations, expected 3/3/1`);
    const met = cold.ms < HOOK_DISCOVERY_GOAL_MS;
    log(`  hook discovery, ${groups} target groups at AWS's rates: cold ${(cold.ms / 1000).toFixed(2)} s, ${cold.calls} calls (${cold.throttled} throttled); warm ${Math.round(warm.ms)} ms, ${warm.calls} calls; another instance warm ${Math.round(warmOther.ms)} ms, ${warmOther.calls} calls (goal cold < ${HOOK_DISCOVERY_GOAL_MS / 1000} s: ${met ? 'yes' : 'no'})`);
    return { groups, cold, warm, warmOther, goalMs: HOOK_DISCOVERY_GOAL_MS, met };
  } finally {
    finder.close();
    await emulator.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runHookDiscoveryBench({ log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
