// The lifecycle hook (`drainctl hook aws-asg --queue-url`), measured end to end: moto's SQS carries
// the emulator's lifecycle notifications to a consumer started beforehand as a child process.
// - latency: from the instance entering Terminating:Wait (emulator.scaleIn resolved) to the
//   CompleteLifecycleAction the emulator logged, for a 10 s deregistration delay, 5 scale-ins;
// - app-idle: the same with apps built on @drainctl/server and --app-status, the apps going idle at a known moment;
// - throughput: 50 scale-ins at once, one consumer with its default --concurrency (50).
// Run alone with `node bench/hook.mjs` (after `npm run build`); prints the results as JSON.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sleep, tally } from './lib/common.mjs';
import { ASG, UNATTACHED, startHookBenchLab, startHookConsumer } from './hook-lab.mjs';
import { startAppRouter } from './hook-apps.mjs';

export const HOOK_LATENCY_REPS = 5;
export const HOOK_DELAY_S = 10;
export const HOOK_THROUGHPUT_ACTIONS = 50;
export const HOOK_THROUGHPUT_DELAY_S = 3;
export const HOOK_THROUGHPUT_HEARTBEAT_S = 30;
/** The app-idle run: a 300 s delay, apps going idle 5 s after the scale-in; the hook told routing stops within 1 s (--propagation). */
export const HOOK_APP_DELAY_S = 300;
export const HOOK_APP_IDLE_AFTER_MS = 5_000;
export const HOOK_APP_PROPAGATION = '1s';

/** CompleteLifecycleAction calls the emulator logged for one token. */
function completionsOf(emulator, token) {
  return emulator.requestLog.filter((e) => e.action === 'CompleteLifecycleAction' && e.params.LifecycleActionToken === token);
}

/** Waits (bounded) until `check()` holds, every 50 ms. */
async function until(what, check, timeoutMs, diagnose = () => '') {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${diagnose()}`);
    await sleep(50);
  }
}

/** The last `target_done` drainctl printed for an instance, as its @timestamp (ms epoch). */
function lastTargetDone(records, instanceId) {
  const done = records.filter((r) => r.type === 'target_done' && r.target.includes(instanceId));
  return done.length === 0 ? undefined : Math.max(...done.map((r) => Date.parse(r['@timestamp'])));
}

/** When the emulator's drain of the instance in a group ended: its DeregisterTargets (or the scale-in's) plus the delay. */
function drainEnd(emulator, group, instanceId, delayS, startedAt) {
  const arn = emulator.targetGroupArn(group);
  const dereg = emulator.requestLog.find((e) => e.action === 'DeregisterTargets' && e.status === 200 && e.params.TargetGroupArn === arn && Object.values(e.params).includes(instanceId));
  return (dereg?.at ?? startedAt) + delayS * 1000;
}

/** One action's figures, from the emulator's log and the consumer's ndjson. */
function actionFigures(lab, consumer, { instanceId, token, enteredWaitAt, delayS }) {
  const calls = completionsOf(lab.emulator, token);
  const completedAt = calls.find((c) => c.status === 200)?.at;
  const targetDoneAt = lastTargetDone(consumer.records(), instanceId);
  // The attached group was deregistered by the scale-in itself (as AWS does): what AWS alone waits for.
  const attachedEnd = enteredWaitAt + delayS * 1000;
  const unattachedEnd = drainEnd(lab.emulator, UNATTACHED, instanceId, delayS, enteredWaitAt);
  return {
    instanceId,
    completions: calls.length,
    refused: calls.filter((c) => c.status !== 200).length,
    result: calls[0]?.params.LifecycleActionResult,
    latencyMs: completedAt === undefined ? undefined : completedAt - enteredWaitAt,
    afterTargetDoneMs: completedAt === undefined || targetDoneAt === undefined ? undefined : completedAt - targetDoneAt,
    afterDrainEndMs: completedAt === undefined ? undefined : completedAt - Math.max(attachedEnd, unattachedEnd),
    deregisteredAfterMs: unattachedEnd - delayS * 1000 - enteredWaitAt,
  };
}

async function scaleIn(lab, instanceId) {
  const token = await lab.emulator.scaleIn(ASG, instanceId);
  return { instanceId, token, enteredWaitAt: Date.now() };
}

/** Plain latency: one consumer, one scale-in at a time, each a different instance. */
export async function runHookLatency({ reps = HOOK_LATENCY_REPS, log = console.log } = {}) {
  const lab = await startHookBenchLab({ instances: reps + 2, attachedDelayS: HOOK_DELAY_S, unattachedDelayS: HOOK_DELAY_S, heartbeatTimeoutS: 30 });
  const consumer = startHookConsumer(lab);
  try {
    await consumer.polling();
    const runs = [];
    for (let i = 0; i < reps; i++) {
      const action = { ...(await scaleIn(lab, lab.ids[i])), delayS: HOOK_DELAY_S };
      await until(`completion of ${action.instanceId}`, () => completionsOf(lab.emulator, action.token).length > 0, (HOOK_DELAY_S + 30) * 1000, consumer.stderr);
      await sleep(200); // the ndjson lines around the completion
      const run = actionFigures(lab, consumer, action);
      runs.push(run);
      log(`  hook latency ${i + 1}/${reps}: CompleteLifecycleAction ${(run.latencyMs / 1000).toFixed(2)} s after Terminating:Wait, ${Math.round(run.afterTargetDoneMs)} ms after the last target_done, ${Math.round(run.afterDrainEndMs)} ms after the last drain ended in the emulator`);
    }
    return { delaySeconds: HOOK_DELAY_S, runs, calls: tally(lab.emulator.requestLog) };
  } finally {
    await consumer.stop();
    await lab.stop();
  }
}

/**
 * App-idle: apps built on @drainctl/server (one per instance) with requests in flight that end
 * HOOK_APP_IDLE_AFTER_MS after the scale-in; the consumer reads them through --app-status.
 * The scale-ins go in together, one consumer handling them at once.
 */
export async function runHookAppIdle({ reps = HOOK_LATENCY_REPS, log = console.log } = {}) {
  const lab = await startHookBenchLab({ instances: reps + 2, attachedDelayS: HOOK_APP_DELAY_S, unattachedDelayS: HOOK_APP_DELAY_S, heartbeatTimeoutS: 30 });
  const victims = lab.ids.slice(0, reps);
  const apps = await startAppRouter(victims);
  const consumer = startHookConsumer(lab, ['--app-status', apps.statusTemplate, '--propagation', HOOK_APP_PROPAGATION]);
  try {
    await consumer.polling();
    const idleAt = Object.fromEntries(victims.map((id) => [id, apps.busyUntil(id, HOOK_APP_IDLE_AFTER_MS)]));
    await apps.inFlight(victims);
    const actions = await Promise.all(victims.map((id) => scaleIn(lab, id)));
    await until('every app-idle action completed', () => actions.every((a) => completionsOf(lab.emulator, a.token).length > 0), HOOK_APP_IDLE_AFTER_MS + 60_000, consumer.stderr);
    await sleep(200);
    const runs = [];
    for (const action of actions) {
      const run = actionFigures(lab, consumer, { ...action, delayS: HOOK_APP_DELAY_S });
      const idle = await idleAt[action.instanceId];
      const completedAt = action.enteredWaitAt + run.latencyMs;
      runs.push({ ...run, idleAfterMs: idle - action.enteredWaitAt, afterIdleMs: completedAt - idle, evidence: evidenceOf(consumer.records(), action.instanceId) });
    }
    for (const r of runs) log(`  hook app-idle ${r.instanceId}: completed ${(r.latencyMs / 1000).toFixed(2)} s after Terminating:Wait, ${Math.round(r.afterIdleMs)} ms after its app went idle (evidence ${r.evidence.join(', ')})`);
    return { delaySeconds: HOOK_APP_DELAY_S, idleAfterMs: HOOK_APP_IDLE_AFTER_MS, runs };
  } finally {
    await consumer.stop();
    await apps.stop();
    await lab.stop();
  }
}

/** What each of the instance's drains ended on (app-idle, or the load balancer's word). */
function evidenceOf(records, instanceId) {
  return records.filter((r) => r.type === 'target_done' && r.target.includes(instanceId)).map((r) => r.evidence?.kind ?? 'load balancer');
}

/** Why actions ended ABANDON, counted by message (instance ids and times taken out). */
function abandonReasons(records) {
  const reasons = {};
  for (const r of records) {
    if (r.type !== 'lifecycle' || r.phase !== 'completed' || r.details?.result !== 'ABANDON') continue;
    const reason = r.message.replace(/^completed ABANDON: /, '').replace(/ since \S+/, '');
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  }
  return reasons;
}

/** Throughput: `actions` scale-ins at once, one consumer with the given --concurrency (undefined: its default). */
export async function runHookThroughput({ actions = HOOK_THROUGHPUT_ACTIONS, concurrency, log = console.log } = {}) {
  const lab = await startHookBenchLab({ instances: actions + 5, attachedDelayS: HOOK_THROUGHPUT_DELAY_S, unattachedDelayS: HOOK_THROUGHPUT_DELAY_S, heartbeatTimeoutS: HOOK_THROUGHPUT_HEARTBEAT_S });
  const consumer = startHookConsumer(lab, concurrency === undefined ? [] : ['--concurrency', String(concurrency)]);
  try {
    await consumer.polling();
    const startedAt = Date.now();
    const started = await Promise.all(lab.ids.slice(0, actions).map((id) => scaleIn(lab, id)));
    const timeoutMs = (HOOK_THROUGHPUT_HEARTBEAT_S + 60) * 1000;
    await until(`${actions} completions`, () => started.every((a) => completionsOf(lab.emulator, a.token).length > 0 || lab.emulator.instanceLifecycleState(a.instanceId) === 'Terminated'), timeoutMs, consumer.stderr);
    await sleep(1000); // a second completion of any action would show up here
    const runs = started.map((a) => actionFigures(lab, consumer, { ...a, delayS: HOOK_THROUGHPUT_DELAY_S }));
    const completedAts = runs.filter((r) => r.latencyMs !== undefined).map((r, i) => started[i].enteredWaitAt + r.latencyMs);
    const result = {
      actions, concurrency: concurrency ?? 'default (50)', delaySeconds: HOOK_THROUGHPUT_DELAY_S, heartbeatTimeoutSeconds: HOOK_THROUGHPUT_HEARTBEAT_S,
      // Auto Scaling answers a completion after the (heartbeat-extended) timeout with an error: 200 means in time.
      completed: runs.filter((r) => r.completions > 0 && r.refused === 0).length,
      withinFirstTimeout: runs.filter((r) => r.latencyMs !== undefined && r.latencyMs < HOOK_THROUGHPUT_HEARTBEAT_S * 1000).length,
      timedOut: runs.filter((r) => r.completions === 0).length,
      twice: runs.filter((r) => r.completions > 1).length,
      refused: runs.reduce((n, r) => n + r.refused, 0),
      abandoned: runs.filter((r) => r.result === 'ABANDON').length,
      abandonReasons: abandonReasons(consumer.records()),
      wallMs: Math.max(...completedAts) - startedAt,
      scaleInsMs: Math.max(...started.map((a) => a.enteredWaitAt)) - startedAt,
      latencies: runs.map((r) => r.latencyMs),
      afterDrainEnd: runs.map((r) => r.afterDrainEndMs),
      calls: tally(lab.emulator.requestLog),
      heartbeats: lab.emulator.requestLog.filter((e) => e.action === 'RecordLifecycleActionHeartbeat').length,
    };
    if (process.env.BENCH_HOOK_RECORDS) writeFileSync(process.env.BENCH_HOOK_RECORDS, `${consumer.records().map((r) => JSON.stringify(r)).join('\n')}\n${consumer.stderr()}`);
    log(`  hook throughput, ${actions} at once, --concurrency ${result.concurrency}: ${result.completed} completed and accepted (${result.withinFirstTimeout} within the first ${HOOK_THROUGHPUT_HEARTBEAT_S} s, the rest kept alive by heartbeats), ${result.abandoned} of them ABANDON, ${result.twice} completed twice, ${result.refused} refused; wall ${(result.wallMs / 1000).toFixed(2)} s, max latency ${(Math.max(...result.latencies.filter((v) => v !== undefined)) / 1000).toFixed(2)} s; ${result.calls.total} calls (${result.calls.throttled} throttled)`);
    return result;
  } finally {
    await consumer.stop();
    await lab.stop();
  }
}

/** Every part, one after another. */
export async function runHookBench({ log = console.log } = {}) {
  const latency = await runHookLatency({ log });
  const appIdle = await runHookAppIdle({ log });
  const throughput = [await runHookThroughput({ log })];
  return { latency, appIdle, throughput };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const part = process.argv[2];
  const log = (line) => process.stderr.write(`${line}\n`);
  const result = part === 'latency' ? await runHookLatency({ log }) : part === 'app-idle' ? await runHookAppIdle({ log }) : part === 'throughput' ? await runHookThroughput({ log }) : await runHookBench({ log });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
