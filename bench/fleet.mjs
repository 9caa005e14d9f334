// Benchmark 2: drain 200 instance targets in 20 target groups under AWS's API rate limits.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAwsEmulator } from '../dist/emulators/aws/index.js';
import { drainctlArgs, instanceId, parseJson, tally } from './lib/common.mjs';
import { runProcess } from './lib/proc.mjs';

export const GROUPS = 20;
export const PER_GROUP = 10;
export const DELAY_S = 10;
const PORT = 80;
const PEER_SCRIPT = fileURLToPath(new URL('./peer-fleet.sh', import.meta.url));

const groupName = (g) => `fleet-${String(g + 1).padStart(2, '0')}`;

/** 20 groups of 10 healthy instances each, 10 s deregistration delay. */
export function fleetSeed() {
  return {
    region: 'us-east-1',
    targetGroups: Array.from({ length: GROUPS }, (_, g) => ({
      name: groupName(g),
      protocol: 'HTTP',
      port: PORT,
      targetType: 'instance',
      attributes: { 'deregistration_delay.timeout_seconds': String(DELAY_S) },
      targets: Array.from({ length: PER_GROUP }, (_, t) => ({ id: instanceId(g + 1, t + 1), health: 'healthy' })),
    })),
  };
}

/** What the emulator saw: calls by action, throttling, targets actually deregistered, and when. */
function emulatorView(emulator) {
  const log = emulator.requestLog;
  const deregs = log.filter((e) => e.action === 'DeregisterTargets' && e.status === 200);
  const deregistered = new Set();
  for (const e of deregs) {
    for (const [key, value] of Object.entries(e.params)) {
      if (/^Targets\.member\.\d+\.Id$/.test(key)) deregistered.add(`${e.params.TargetGroupArn}|${value}`);
    }
  }
  const firstAt = log.length > 0 ? log[0].at : undefined;
  const lastDrainEnd = deregs.length > 0 ? Math.max(...deregs.map((e) => e.at)) + DELAY_S * 1000 : undefined;
  return { calls: tally(log), targetsDeregistered: deregistered.size, firstCallAt: firstAt, lastDrainEndsAt: lastDrainEnd };
}

/** One `drainctl drain` with every target, --force (each group is drained completely) and -o json. */
export async function runDrainctlFleet({ tmpDir, log }) {
  const emulator = await startAwsEmulator({ seed: fleetSeed(), throttle: 'aws' });
  try {
    const refs = [];
    for (let g = 0; g < GROUPS; g++) for (let t = 0; t < PER_GROUP; t++) refs.push(`elbv2:${groupName(g)}/${instanceId(g + 1, t + 1)}`);
    const ledger = join(tmpDir, 'fleet.db');
    const r = await runProcess('node', drainctlArgs(emulator.url, ledger, ['-o', 'json', 'drain', '--force', ...refs]), { timeoutMs: 180_000 });
    const doc = parseJson(r.stdout);
    const outcomes = {};
    for (const res of doc?.results ?? []) outcomes[res.outcome] = (outcomes[res.outcome] ?? 0) + 1;
    const drained = outcomes.drained ?? 0;
    const view = emulatorView(emulator);
    const result = {
      tool: 'drainctl',
      wallMs: r.wallMs,
      exitCode: r.code,
      timedOut: r.timedOut,
      outcomes,
      failed: refs.length - drained,
      error: doc?.kind === 'error' ? doc.error?.message : undefined,
      stderr: r.stderr.trim().slice(0, 600),
      startupMs: view.firstCallAt === undefined ? undefined : view.firstCallAt - r.startedAt,
      tailMs: view.lastDrainEndsAt === undefined ? undefined : r.exitedAt - view.lastDrainEndsAt,
      lastDeregisterAfterMs: view.lastDrainEndsAt === undefined ? undefined : view.lastDrainEndsAt - DELAY_S * 1000 - r.startedAt,
      ...view,
    };
    log(`  fleet drainctl: ${(r.wallMs / 1000).toFixed(2)} s, exit ${r.code}, outcomes ${JSON.stringify(outcomes)}, ${view.calls.total} calls (${view.calls.throttled} throttled)`);
    return result;
  } finally {
    await emulator.stop();
  }
}

/** The shell loop (bench/peer-fleet.sh) on a fresh emulator with the same seed. */
export async function runCliFleet({ tmpDir, aws, env, log }) {
  const emulator = await startAwsEmulator({ seed: fleetSeed(), throttle: 'aws' });
  try {
    const plan = join(tmpDir, 'fleet-plan.txt');
    const lines = Array.from({ length: GROUPS }, (_, g) => {
      const targets = Array.from({ length: PER_GROUP }, (_, t) => `Id=${instanceId(g + 1, t + 1)},Port=${PORT}`);
      return `${emulator.targetGroupArn(groupName(g))} ${targets.join(' ')}`;
    });
    writeFileSync(plan, `${lines.join('\n')}\n`);
    const r = await runProcess('bash', [PEER_SCRIPT, plan], { env: { ...env, AWS_BIN: aws, ENDPOINT: emulator.url }, timeoutMs: 900_000 });
    const steps = r.stdout.split('\n').filter((l) => l.startsWith('step '));
    const failedSteps = steps.filter((l) => !l.endsWith(' 0'));
    const view = emulatorView(emulator);
    const result = {
      tool: 'aws cli',
      wallMs: r.wallMs,
      exitCode: r.code,
      timedOut: r.timedOut,
      commands: steps.length,
      failed: failedSteps.length + (steps.length < GROUPS * 2 ? GROUPS * 2 - steps.length : 0),
      stderr: r.stderr.trim().slice(0, 600),
      tailMs: view.lastDrainEndsAt === undefined ? undefined : r.exitedAt - view.lastDrainEndsAt,
      ...view,
    };
    log(`  fleet aws cli : ${(r.wallMs / 1000).toFixed(2)} s, exit ${r.code}, ${result.failed} failed commands, ${view.calls.total} calls (${view.calls.throttled} throttled)`);
    return result;
  } finally {
    await emulator.stop();
  }
}
