// Child processes of the server benchmarks: a server child (bench/server-child.mjs) that reports its port,
// the load generator (bench/server-load.mjs), and asking either something over IPC. Every child started here
// is remembered, so stopAll() can end them after a failure or an interrupt.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./server-child.mjs', import.meta.url));
const LOAD = fileURLToPath(new URL('./server-load.mjs', import.meta.url));
const running = new Set();

function track(child) {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Lines of a child's stdout, parsed as JSON, handed to onLine. */
function readLines(child, onLine) {
  let rest = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop();
    for (const line of lines) if (line.trim()) onLine(JSON.parse(line));
  });
}

/**
 * Starts one server child. Resolves once it listens, with the child, its port, and `lines` (every stdout line
 * it printed, with the monotonic time the parent read it).
 */
export function startServer(contender, { lightshipEntry, timeoutMs = 10_000 }) {
  const child = track(
    spawn(process.execPath, [CHILD, contender], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      env: { ...process.env, BENCH_LIGHTSHIP: lightshipEntry ?? '' },
    }),
  );
  const lines = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${contender}: the server child did not listen within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${contender}: the server child exited before listening (code ${code}, signal ${signal})`));
    });
    readLines(child, (line) => {
      lines.push({ ...line, readNs: process.hrtime.bigint() });
      if (line.event !== 'listening') return;
      clearTimeout(timer);
      resolve({ child, port: line.port, lines });
    });
  });
}

/** Starts the load generator. */
export function startLoad() {
  return track(spawn(process.execPath, [LOAD], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
}

/** Sends a message and resolves with the child's next message (the protocols here are strictly request/answer). */
export function ask(child, message, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`no answer to ${JSON.stringify(message)} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (answer) => {
      clearTimeout(timer);
      resolve(answer);
    };
    child.once('message', onMessage);
    child.send(message);
  });
}

/** Resolves with {code, signal} once the child exited (at once if it already has). */
export function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Ends a child: SIGTERM, then SIGKILL if it is still there after graceMs. */
export async function stopChild(child, graceMs = 2000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/** Kills every child still running (after a failure or an interrupt). */
export function stopAll() {
  for (const child of running) child.kill('SIGKILL');
}
