// drainctl's benchmarks, all in one run: drainctl and the AWS CLI side by side against the built-in
// ELB emulator; 100-target drains on the built-in Google Cloud and Azure emulators; p99 of a large
// ALB log against awk | sort; drains of a real HAProxy under load; and the ledger: the capacity
// guard's cost, fifty runners on one group, and a ledger of a million events (SQLite and PostgreSQL);
// scale-in with app-idle evidence; the lifecycle hook (latency, discovery, throughput); and @drainctl/server against terminus, http-terminator, lightship, stoppable.
// Run with `npm run bench` (builds first). See docs/benchmarks.md for what is measured and why.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAppIdleBench } from './app-idle.mjs';
import { runHookBench } from './hook.mjs';
import { runHookDiscoveryBench } from './hook-discovery.mjs';
import { killHookConsumers } from './hook-lab.mjs';
import { runServerBench } from './server.mjs';
import { stopAll as stopServerChildren } from './server-proc.mjs';
import { runAzureBench, runGcpBench } from './cloud.mjs';
import { runColdStart } from './coldstart.mjs';
import { runFirstCall } from './first-call.mjs';
import { runLongCase, runShortCase, startDetectionEmulator } from './detection.mjs';
import { DELAY_S, runCliFleet, runDrainctlFleet } from './fleet.mjs';
import { runContentionBench } from './contention.mjs';
import { runGuardBench } from './guard.mjs';
import { HAPROXY_REPS, runHaproxyBench } from './haproxy.mjs';
import { stopLab } from './haproxy-lab.mjs';
import { runLedgerScaleBench } from './ledger-scale.mjs';
import { REPO } from './lib/common.mjs';
import { hasPostgresLedger, startLedgerKinds } from './lib/ledgers.mjs';
import { machineFacts } from './lib/machine.mjs';
import { motoProblem, stopAllMoto } from './lib/moto.mjs';
import { postgresProblem } from './lib/postgres.mjs';
import { killAllChildren, resolveAwsCli, toolEnv } from './lib/proc.mjs';
import { p99Settings, runP99 } from './p99.mjs';
import { analyse, markdown, summaryText } from './report.mjs';

/** In the order they run (detection-300s runs in the background from the start until after azure). */
export const ALL = ['detection-5s', 'detection-300s', 'fleet', 'gcp', 'azure', 'p99', 'haproxy', 'guard', 'contention', 'ledger-scale', 'app-idle', 'hook-discovery', 'hook', 'coldstart', 'first-call', 'server'];
const LEDGER_BENCHES = ['guard', 'contention', 'ledger-scale'];
const GROUPS = { detection: ['detection-5s', 'detection-300s'], cloud: ['gcp', 'azure'], ledger: LEDGER_BENCHES, hooks: ['hook-discovery', 'hook'] };
const NEEDS_AWS = ['detection-5s', 'detection-300s', 'fleet', 'coldstart'];

function selection() {
  const raw = process.env.BENCH_ONLY?.trim();
  if (!raw) return { picked: ALL, full: true };
  const picked = new Set();
  for (const token of raw.split(',').map((t) => t.trim()).filter(Boolean)) {
    if (GROUPS[token]) GROUPS[token].forEach((t) => picked.add(t));
    else if (ALL.includes(token)) picked.add(token);
    else throw new Error(`BENCH_ONLY: unknown benchmark "${token}" (known: ${Object.keys(GROUPS).join(', ')}, ${ALL.join(', ')})`);
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

/** Everything the picked benchmarks need, checked before the first one starts (a missing tool fails in seconds, not after ten minutes). */
function checkPrerequisites(picked, p99) {
  const problems = [];
  const has = (cmd) => {
    try {
      execFileSync('bash', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!existsSync(join(REPO, 'dist', 'index.js'))) problems.push('dist/ is missing: run `npm run build` (npm run bench does)');
  if (picked.includes('hook') && motoProblem()) problems.push(motoProblem());
  if (picked.some((t) => t === 'server' || t === 'app-idle' || t === 'hook') && !existsSync(join(REPO, 'packages', 'server', 'dist', 'index.js'))) problems.push('packages/server/dist is missing: run `npm run build` (npm run bench does)');
  if (picked.includes('haproxy') && !has('haproxy')) problems.push('haproxy is not on PATH (Debian: apt-get install haproxy), needed by BENCH_ONLY=haproxy');
  if (picked.some((t) => LEDGER_BENCHES.includes(t)) && hasPostgresLedger() && postgresProblem()) problems.push(`${postgresProblem()}, needed by BENCH_ONLY=${LEDGER_BENCHES.join(',')} (this build has a PostgreSQL ledger)`);
  if (picked.includes('p99')) {
    if (!existsSync('/usr/bin/time')) problems.push('/usr/bin/time (GNU time; Debian: apt-get install time) is needed by BENCH_ONLY=p99');
    for (const cmd of ['awk', 'sort']) if (!has(cmd)) problems.push(`${cmd} is not on PATH, needed by BENCH_ONLY=p99`);
    try {
      const fs = statfsSync(tmpdir());
      const freeMiB = (fs.bavail * fs.bsize) / 2 ** 20;
      if (freeMiB < p99.largestMb + 64) problems.push(`BENCH_ONLY=p99 writes a ${p99.largestMb} MiB log to ${tmpdir()}, which has ${Math.floor(freeMiB)} MiB free (set BENCH_P99_MB lower, or TMPDIR elsewhere)`);
    } catch {
      // statfs unavailable: let the write fail if it must
    }
  }
  if (problems.length > 0) throw new Error(`cannot run the benchmarks:\n  - ${problems.join('\n  - ')}`);
}

async function main() {
  const { picked, full } = selection();
  const p99 = picked.includes('p99') ? p99Settings() : undefined;
  const haproxyReps = Number(process.env.BENCH_HAPROXY_REPS ?? HAPROXY_REPS);
  checkPrerequisites(picked, p99);
  // The AWS CLI is the peer of the ELB benchmarks only; the others run without it.
  let aws;
  if (picked.some((t) => NEEDS_AWS.includes(t))) aws = resolveAwsCli();
  else {
    try {
      aws = resolveAwsCli();
    } catch {
      aws = { path: 'aws', note: 'not found, and not needed by this selection' };
    }
  }
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
    settings: { p99, haproxyReps },
    load: { start: loadavg()[0] },
    /** Per benchmark: 1-minute load average before and after, and how long it took. */
    phases: [],
  };

  /** Runs one benchmark, recording the load average around it. */
  const phase = async (name, fn) => {
    const entry = { name, loadBefore: loadavg()[0], startedAt: Date.now() };
    results.phases.push(entry);
    log(`${name}:`);
    try {
      return await fn();
    } finally {
      entry.loadAfter = loadavg()[0];
      entry.ms = Date.now() - entry.startedAt;
    }
  };

  let interrupted = false;
  const cleanup = async () => {
    killAllChildren();
    killHookConsumers();
    stopServerChildren();
    await Promise.allSettled([...emulators.map((e) => e.stop()), stopLab(), stopAllMoto()]);
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
    log(`drainctl ${version} (git ${machine.git}); peer for the ELB benchmarks: ${machine.awsCli} (${aws.path})`);
    log(`Node.js ${machine.node}, nproc ${machine.nproc}, ${machine.cpuModel}`);
    log(`benchmarks: ${picked.join(', ')}${picked.includes('detection-300s') ? ' (the 300 s drain runs in the background meanwhile)' : ''}`);

    let longRun;
    let detectionEmulator;
    if (picked.includes('detection-5s') || picked.includes('detection-300s')) {
      detectionEmulator = await startDetectionEmulator();
      emulators.push(detectionEmulator);
    }
    if (picked.includes('detection-300s')) {
      log('detection-300s: started in the background');
      const entry = { name: 'detection-300s', loadBefore: loadavg()[0], startedAt: Date.now(), background: true };
      results.phases.push(entry);
      longRun = runLongCase({ emulator: detectionEmulator, aws: aws.path, tmpDir, log }).finally(() => {
        entry.loadAfter = loadavg()[0];
        entry.ms = Date.now() - entry.startedAt;
      });
      longRun.catch(() => {}); // awaited below; keeps an early failure from being unhandled meanwhile
    }
    if (picked.includes('detection-5s')) {
      results.detection5 = await phase('detection-5s', () => runShortCase({ emulator: detectionEmulator, aws: aws.path, tmpDir, log }));
    }
    if (picked.includes('fleet')) {
      results.fleet = await phase('fleet', async () => {
        const drainctl = await runDrainctlFleet({ tmpDir, log });
        const cli = await runCliFleet({ tmpDir, aws: aws.path, env: toolEnv(), log });
        return { delaySeconds: DELAY_S, drainctl, cli };
      });
    }
    if (picked.includes('gcp')) results.gcp = await phase('gcp', () => runGcpBench({ tmpDir, log }));
    if (picked.includes('azure')) results.azure = await phase('azure', () => runAzureBench({ tmpDir, log }));
    if (longRun) {
      log('detection-300s: waiting for both drains to finish');
      results.detection300 = await longRun;
    }
    if (detectionEmulator) {
      await detectionEmulator.stop();
      emulators.splice(emulators.indexOf(detectionEmulator), 1);
    }
    if (picked.includes('p99')) results.p99 = await phase('p99', () => runP99({ ...p99, tmpDir, log }));
    if (picked.includes('haproxy')) results.haproxy = await phase('haproxy', () => runHaproxyBench({ reps: haproxyReps, log }));
    if (picked.some((t) => LEDGER_BENCHES.includes(t))) {
      const ledgers = await startLedgerKinds(tmpDir);
      emulators.push(ledgers); // stopped with the emulators
      results.postgres = ledgers.postgres;
      log(`ledgers: SQLite${ledgers.postgres.version ? `, PostgreSQL ${ledgers.postgres.version}` : ` only (${ledgers.postgres.note})`}`);
      if (picked.includes('guard')) results.guard = await phase('guard', () => runGuardBench({ ledgers: ledgers.kinds, log }));
      if (picked.includes('contention')) results.contention = await phase('contention', () => runContentionBench({ ledgers: ledgers.kinds, log }));
      if (picked.includes('ledger-scale')) results.ledgerScale = await phase('ledger-scale', () => runLedgerScaleBench({ ledgers: ledgers.kinds, log }));
      await ledgers.stop();
      emulators.splice(emulators.indexOf(ledgers), 1);
    }
    if (picked.includes('app-idle')) results.appIdle = await phase('app-idle', () => runAppIdleBench({ log }));
    if (picked.includes('hook-discovery')) results.hookDiscovery = await phase('hook-discovery', () => runHookDiscoveryBench({ log }));
    if (picked.includes('hook')) results.hook = await phase('hook', () => runHookBench({ log }));
    if (picked.includes('coldstart')) {
      log('coldstart: waiting for the host to quieten');
      results.load.quietWait = await waitForQuiet(Number(machine.nproc) || 1);
      results.load.coldStart = loadavg()[0];
      results.coldstart = await phase('coldstart', () => runColdStart({ aws: aws.path, log }));
    }
    if (picked.includes('first-call')) results.firstCall = await phase('first-call', () => runFirstCall({ log }));
    // CPU-heavy, so last: nothing else of the bench runs beside it.
    if (picked.includes('server')) results.server = await phase('server', () => runServerBench({ log }));
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
  async (error) => {
    process.stderr.write(`bench: ${error?.stack ?? error}\n`);
    killAllChildren();
    killHookConsumers();
    await Promise.allSettled([stopLab(), stopAllMoto()]);
    process.exit(1);
  },
);
