// @drainctl/server (packages/server, the in-process drain library) side by side with its peers — terminus,
// http-terminator, lightship and stoppable — and a bare node:http server: the overhead on a hello-world server
// (req/s, CPU per request), and the time from the last in-flight response to the process's exit.
// Needs `npm run build -w @drainctl/server` (packages/server/dist). About 3 minutes.
// Standalone: node bench/server.mjs — prints the markdown section (BENCH_JSON=<file> also writes the raw results).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from './lib/common.mjs';
import { runDrain } from './server-drain.mjs';
import { prepareLightship } from './server-lightship.mjs';
import { runOverhead } from './server-overhead.mjs';
import { stopAll } from './server-proc.mjs';
import { analyseServer, serverSection, serverSummaryLines } from './server-report.mjs';

export const SERVER_SETTINGS = Object.freeze({
  overhead: { contenders: ['bare', 'drainctl', 'terminus', 'http-terminator', 'lightship', 'stoppable'], rounds: 25, durationMs: 600, warmupMs: 1000, warmupRounds: 2, connections: 32 },
  drain: {
    contenders: ['floor', 'bare', 'drainctl', 'terminus', 'http-terminator', 'lightship', 'stoppable'],
    fewer: { bare: 2 },
    reps: 15,
    settleMs: [40, 60],
    exitTimeoutMs: 8000,
  },
});

/** What to undo if the run is interrupted (the temporary lightship build). */
const cleanups = new Set();

const packageVersion = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;

function gitCommit() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages/server/src'], { cwd: REPO, encoding: 'utf8' }).trim();
    return dirty ? `${commit} with uncommitted changes in packages/server/src` : commit;
  } catch {
    return 'unknown';
  }
}

function machine() {
  let cpuModel;
  try {
    cpuModel = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1]?.trim();
  } catch {
    // not Linux
  }
  return {
    node: process.version,
    nproc: String(os.availableParallelism?.() ?? os.cpus().length),
    cpuModel: cpuModel ?? os.cpus()[0]?.model ?? 'unknown',
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/**
 * Runs both parts; resolves with the raw results (section markdown: serverSection from bench/server-report.mjs).
 * `settings` overrides SERVER_SETTINGS part by part, e.g. { overhead: { rounds: 2 } }.
 */
export async function runServerBench({ log = () => {}, settings = {} } = {}) {
  if (!existsSync(join(REPO, 'packages', 'server', 'dist', 'index.js'))) {
    throw new Error('packages/server/dist is missing: run `npm run build -w @drainctl/server` (npm run build does)');
  }
  const overheadSettings = { ...SERVER_SETTINGS.overhead, ...settings.overhead };
  const drainSettings = { ...SERVER_SETTINGS.drain, ...settings.drain };
  const lightship = prepareLightship();
  cleanups.add(lightship.remove);
  const nm = (name) => join(REPO, 'node_modules', name);
  const started = Date.now();
  const results = {
    startedAt: started,
    machine: machine(),
    load: { before: os.loadavg()[0] },
    versions: {
      drainctl: packageVersion(join(REPO, 'packages', 'server')),
      git: gitCommit(),
      terminus: packageVersion(nm('@godaddy/terminus')),
      'http-terminator': packageVersion(nm('http-terminator')),
      lightship: lightship.version,
      stoppable: packageVersion(nm('stoppable')),
    },
  };
  try {
    log(`server overhead: ${overheadSettings.rounds} rounds of ${overheadSettings.durationMs} ms, ${overheadSettings.connections} connections`);
    results.overhead = await runOverhead({ ...overheadSettings, lightshipEntry: lightship.entry, log });
    log(`server drain to exit: ${drainSettings.reps} rounds`);
    results.drain = await runDrain({ ...drainSettings, lightshipEntry: lightship.entry, log });
  } finally {
    stopAll();
    lightship.remove();
    cleanups.delete(lightship.remove);
  }
  results.load.after = os.loadavg()[0];
  results.ms = Date.now() - started;
  return results;
}

// Standalone: progress on stderr, the markdown section on stdout.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const onSignal = () => {
    stopAll();
    for (const cleanup of cleanups) cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const results = await runServerBench({ log: (line) => process.stderr.write(`${line}\n`) });
    const analysis = analyseServer(results);
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, `${JSON.stringify({ results, analysis }, null, 2)}\n`);
    process.stderr.write(`${serverSummaryLines(results, analysis).join('\n')}\n`);
    process.stdout.write(`${serverSection(results, analysis).join('\n')}\n`);
  } catch (error) {
    stopAll();
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  }
}
