// Benchmark 1: how soon after a drain really ends does each tool notice, and how many
// DescribeTargetHealth calls does it spend getting there.
import { join } from 'node:path';
import { startAwsEmulator } from '../dist/emulators/aws/index.js';
import { awsArgs, drainEndFromLog, drainctlArgs, entriesFor, parseJson, tally, watchDrainEnd } from './lib/common.mjs';
import { runProcess } from './lib/proc.mjs';

export const SHORT_DELAY_S = 5;
export const LONG_DELAY_S = 300;
export const DRAINCTL_REPS = 5;
export const CLI_REPS = 3;
const SHORT_GROUPS = 10;
const PORT = 80;
/** The target drained in every group. */
export const TARGET = 'i-0a1b2c3d4e5f60001';
/** A second healthy target, so the drain passes drainctl's "last healthy target" check without --force. */
const SPARE = 'i-0a1b2c3d4e5f60002';

const shortGroup = (i) => `det-${String(i + 1).padStart(2, '0')}`;
export const LONG_GROUP_DRAINCTL = 'long-drainctl';
export const LONG_GROUP_CLI = 'long-cli';

function group(name, delaySeconds) {
  return {
    name,
    protocol: 'HTTP',
    port: PORT,
    targetType: 'instance',
    attributes: { 'deregistration_delay.timeout_seconds': String(delaySeconds) },
    targets: [
      { id: TARGET, health: 'healthy' },
      { id: SPARE, health: 'healthy' },
    ],
  };
}

/** Ten 5 s groups (one per repetition) and two 300 s groups (one per tool). */
export function detectionSeed() {
  return {
    region: 'us-east-1',
    targetGroups: [
      ...Array.from({ length: SHORT_GROUPS }, (_, i) => group(shortGroup(i), SHORT_DELAY_S)),
      group(LONG_GROUP_DRAINCTL, LONG_DELAY_S),
      group(LONG_GROUP_CLI, LONG_DELAY_S),
    ],
  };
}

export function startDetectionEmulator() {
  return startAwsEmulator({ seed: detectionSeed(), throttle: 'aws' });
}

function measured(emulator, groupName, delaySeconds, watcher, exitedAt) {
  const polled = watcher.stop();
  const fromLog = drainEndFromLog(emulator, groupName, delaySeconds);
  const endsAt = polled ?? fromLog;
  const entries = entriesFor(emulator, groupName);
  const calls = tally(entries);
  return {
    endsAt,
    endsAtSource: polled !== undefined ? 'drainingEndsAt' : fromLog !== undefined ? 'request log' : 'none',
    lagMs: endsAt === undefined ? undefined : exitedAt - endsAt,
    describeCalls: calls.byAction.DescribeTargetHealth?.calls ?? 0,
    calls,
  };
}

/** `drainctl drain elbv2:<group>/<target>`; lag = process exit − drain end. */
export async function drainctlDrain({ emulator, groupName, delaySeconds, tmpDir, timeoutMs }) {
  const watcher = watchDrainEnd(emulator, groupName, TARGET, PORT);
  const ledger = join(tmpDir, `detection-${groupName}.db`);
  const r = await runProcess('node', drainctlArgs(emulator.url, ledger, ['-o', 'json', 'drain', `elbv2:${groupName}/${TARGET}`]), { timeoutMs });
  const doc = parseJson(r.stdout);
  const outcome = doc?.results?.[0]?.outcome ?? (r.timedOut ? 'killed (bench timeout)' : `exit ${r.code}`);
  return {
    tool: 'drainctl',
    group: groupName,
    ok: r.code === 0 && outcome === 'drained',
    exitCode: r.code,
    outcome,
    stderr: r.stderr.trim().slice(0, 400),
    wallMs: r.wallMs,
    ...measured(emulator, groupName, delaySeconds, watcher, r.exitedAt),
  };
}

/** `aws elbv2 deregister-targets` then `aws elbv2 wait target-deregistered`; lag = waiter exit − drain end. */
export async function cliDrain({ emulator, groupName, delaySeconds, aws, timeoutMs }) {
  const watcher = watchDrainEnd(emulator, groupName, TARGET, PORT);
  const arn = emulator.targetGroupArn(groupName);
  const targets = ['--target-group-arn', arn, '--targets', `Id=${TARGET},Port=${PORT}`];
  const dereg = await runProcess(aws, awsArgs(emulator.url, ['elbv2', 'deregister-targets', ...targets]), { timeoutMs: 60_000 });
  const wait = await runProcess(aws, awsArgs(emulator.url, ['elbv2', 'wait', 'target-deregistered', ...targets]), { timeoutMs });
  const ok = dereg.code === 0 && wait.code === 0;
  return {
    tool: 'aws cli',
    group: groupName,
    ok,
    exitCode: ok ? 0 : (dereg.code || wait.code),
    outcome: ok ? 'deregistered' : wait.timedOut ? 'killed (bench timeout)' : `exit ${dereg.code}/${wait.code}`,
    stderr: (dereg.stderr + wait.stderr).trim().slice(0, 400),
    wallMs: wait.exitedAt - dereg.startedAt,
    ...measured(emulator, groupName, delaySeconds, watcher, wait.exitedAt),
  };
}

/**
 * The 5 s case: drainctl's repetitions one after another (each on a fresh group) while the CLI's
 * repetitions run in parallel with them (each on its own fresh group), all on one emulator.
 */
export async function runShortCase({ emulator, aws, tmpDir, log }) {
  const drainctlGroups = Array.from({ length: DRAINCTL_REPS }, (_, i) => shortGroup(i));
  const cliGroups = Array.from({ length: CLI_REPS }, (_, i) => shortGroup(DRAINCTL_REPS + i));
  const timeoutMs = 120_000;
  const startedAt = Date.now();
  const cliRuns = Promise.all(
    cliGroups.map(async (groupName) => {
      const r = await cliDrain({ emulator, groupName, delaySeconds: SHORT_DELAY_S, aws, timeoutMs });
      log(`  detection 5s  aws cli   ${groupName}: lag ${fmt(r.lagMs)} ms, ${r.describeCalls} DescribeTargetHealth${r.ok ? '' : `, FAILED (${r.outcome})`}`);
      return r;
    }),
  );
  const drainctlRuns = [];
  for (const groupName of drainctlGroups) {
    const r = await drainctlDrain({ emulator, groupName, delaySeconds: SHORT_DELAY_S, tmpDir, timeoutMs });
    log(`  detection 5s  drainctl  ${groupName}: lag ${fmt(r.lagMs)} ms, ${r.describeCalls} DescribeTargetHealth${r.ok ? '' : `, FAILED (${r.outcome})`}`);
    drainctlRuns.push(r);
  }
  return { delaySeconds: SHORT_DELAY_S, drainctl: drainctlRuns, cli: await cliRuns, elapsedMs: Date.now() - startedAt };
}

/** The 300 s case: one drain per tool, started together, each on its own group. */
export async function runLongCase({ emulator, aws, tmpDir, log }) {
  const timeoutMs = (LONG_DELAY_S + 120) * 1000;
  const [drainctl, cli] = await Promise.all([
    drainctlDrain({ emulator, groupName: LONG_GROUP_DRAINCTL, delaySeconds: LONG_DELAY_S, tmpDir, timeoutMs }),
    cliDrain({ emulator, groupName: LONG_GROUP_CLI, delaySeconds: LONG_DELAY_S, aws, timeoutMs }),
  ]);
  log(`  detection 300s drainctl: ${drainctl.describeCalls} DescribeTargetHealth, lag ${fmt(drainctl.lagMs)} ms${drainctl.ok ? '' : `, FAILED (${drainctl.outcome})`}`);
  log(`  detection 300s aws cli : ${cli.describeCalls} DescribeTargetHealth, lag ${fmt(cli.lagMs)} ms${cli.ok ? '' : `, FAILED (${cli.outcome})`}`);
  return { delaySeconds: LONG_DELAY_S, drainctl, cli };
}

function fmt(ms) {
  return ms === undefined ? '?' : String(Math.round(ms));
}
