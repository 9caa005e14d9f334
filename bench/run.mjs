// drainctl's benchmarks: drainctl and the AWS CLI side by side against the built-in ELB emulator.
// Run with `npm run bench` (builds first). See docs/benchmarks.md for what is measured and why.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runColdStart } from './coldstart.mjs';
import { runLongCase, runShortCase, startDetectionEmulator } from './detection.mjs';
import { DELAY_S, runCliFleet, runDrainctlFleet } from './fleet.mjs';
import { REPO } from './lib/common.mjs';
import { machineFacts } from './lib/machine.mjs';
import { killAllChildren, resolveAwsCli, toolEnv } from './lib/proc.mjs';
import { analyse, markdown, summaryText } from './report.mjs';

const ALL = ['detection-5s', 'detection-300s', 'fleet', 'coldstart'];

function selection() {
  const raw = process.env.BENCH_ONLY?.trim();
  if (!raw) return { picked: ALL, full: true };
  const picked = new Set();
  for (const token of raw.split(',').map((t) => t.trim()).filter(Boolean)) {
    if (token === 'detection') ['detection-5s', 'detection-300s'].forEach((t) => picked.add(t));
    else if (ALL.includes(token)) picked.add(token);
    else throw new Error(`BENCH_ONLY: unknown benchmark "${token}" (known: detection, ${ALL.join(', ')})`);
  }
  return { picked: ALL.filter((t) => picked.has(t)), full: ALL.every((t) => picked.has(t)) };
}

const log = (line) => process.stdout.write(`${line}\n`);

/**
 * Start-up times are at the mercy of whatever else the host runs. Before the cold-start runs, wait
 * (at most 60 s) for the 1-minute load average to drop below the CPU count; report how long it took
 * and whether it got there, rather than pretending the host was idle.
 */
async function waitForQuiet(cpus, maxMs = 60_000) {
  const started = Date.now();
  while (loadavg()[0] >= cpus && Date.now() - started < maxMs) await new Promise((r) => setTimeout(r, 2000));
  const waitedMs = Date.now() - started;
  const quiet = loadavg()[0] < cpus;
  if (waitedMs > 0) log(`  waited ${Math.round(waitedMs / 1000)} s for the host to quieten (load ${loadavg()[0].toFixed(2)}${quiet ? '' : ', still busy'})`);
  return { waitedMs, quiet };
}

async function main() {
  const { picked, full } = selection();
  const aws = resolveAwsCli();
  const machine = machineFacts(aws.path);
  const version = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version;
  const tmpDir = mkdtempSync(join(tmpdir(), 'drainctl-bench-'));
  const emulators = [];
  const results = {
    startedAt: Date.now(),
    drainctlVersion: version,
    awsCli: { path: aws.path, note: aws.note, version: machine.awsCli },
    machine,
    selection: picked,
    load: { start: loadavg()[0] },
  };

  let interrupted = false;
  const cleanup = async () => {
    killAllChildren();
    await Promise.allSettled(emulators.map((e) => e.stop()));
    rmSync(tmpDir, { recursive: true, force: true });
  };
  const onSignal = (signal) => {
    if (interrupted) return;
    interrupted = true;
    log(`\n${signal}: stopping every process and emulator the bench started`);
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    log(`drainctl ${version} vs ${machine.awsCli} (${aws.path})`);
    log(`Node.js ${machine.node}, nproc ${machine.nproc}, ${machine.cpuModel}`);
    log(`benchmarks: ${picked.join(', ')}${picked.includes('detection-300s') ? ' (the 300 s drain runs in the background throughout)' : ''}`);

    let longRun;
    let detectionEmulator;
    if (picked.includes('detection-5s') || picked.includes('detection-300s')) {
      detectionEmulator = await startDetectionEmulator();
      emulators.push(detectionEmulator);
    }
    if (picked.includes('detection-300s')) {
      log('detection, 300 s delay: started in the background');
      longRun = runLongCase({ emulator: detectionEmulator, aws: aws.path, tmpDir, log });
      longRun.catch(() => {}); // awaited below; keeps an early failure from being unhandled meanwhile
    }
    if (picked.includes('detection-5s')) {
      log('detection, 5 s delay:');
      results.detection5 = await runShortCase({ emulator: detectionEmulator, aws: aws.path, tmpDir, log });
    }
    if (picked.includes('fleet')) {
      log('fleet:');
      const drainctl = await runDrainctlFleet({ tmpDir, log });
      const cli = await runCliFleet({ tmpDir, aws: aws.path, env: toolEnv(), log });
      results.fleet = { delaySeconds: DELAY_S, drainctl, cli };
    }
    if (longRun) {
      log('detection, 300 s delay: waiting for both drains to finish');
      results.detection300 = await longRun;
    }
    if (detectionEmulator) {
      await detectionEmulator.stop();
      emulators.splice(emulators.indexOf(detectionEmulator), 1);
    }
    if (picked.includes('coldstart')) {
      log('cold start:');
      results.load.quietWait = await waitForQuiet(Number(machine.nproc) || 1);
      results.load.coldStart = loadavg()[0];
      results.coldstart = await runColdStart({ aws: aws.path, log });
    }
    results.finishedAt = Date.now();
    results.load.end = loadavg()[0];

    const analysis = analyse(results);
    log(summaryText(results, analysis));
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, `${JSON.stringify({ results, analysis }, null, 2)}\n`);
    if (full || process.env.BENCH_WRITE_DOCS === '1') {
      const docs = join(REPO, 'docs', 'benchmarks.md');
      writeFileSync(docs, markdown(results, analysis));
      log(`wrote ${docs}`);
    } else {
      log('subset run: docs/benchmarks.md left as it was (set BENCH_WRITE_DOCS=1 to rewrite it)');
    }
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`bench: ${error?.stack ?? error}\n`);
    killAllChildren();
    process.exit(1);
  },
);
