// moto's server (python3 -m moto.server) as the benchmarks' SQS: started on a free loopback port,
// waited for, and stopped by the bench that started it.
import { spawn, spawnSync } from 'node:child_process';
import { freePort, sleep } from './common.mjs';

/** Every moto server started and not yet stopped, so an interrupted run can stop them. */
const running = new Set();

/** Stops every moto server this module started. */
export async function stopAllMoto() {
  await Promise.allSettled([...running].map((stop) => stop()));
}

/** Why moto cannot run here, or undefined when `python3 -m moto.server` is importable. */
export function motoProblem() {
  const probe = spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore', timeout: 20_000 });
  return probe.status === 0 ? undefined : 'moto is not installed (pip install "moto[server]"), needed by BENCH_ONLY=hook';
}

/** Starts moto and waits (at most 20 s) until it answers; stop() ends it (SIGTERM, then SIGKILL after 3 s). */
export async function startMoto() {
  const port = await freePort();
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      if (res.status < 500) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`moto did not start on ${url}`);
    }
    await sleep(200);
  }
  const stop = () =>
    new Promise((resolve) => {
      running.delete(stop);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  running.add(stop);
  return { url, stop };
}
