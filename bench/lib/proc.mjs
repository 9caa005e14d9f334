// Child processes for the benchmarks: timed, bounded, and always cleaned up.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';

/** Every child still running, so a failed or interrupted run can stop them (by process group). */
const running = new Set();

/**
 * The environment every tool gets: the caller's PATH/HOME etc. with every AWS_*, DRAINCTL_*,
 * GOOGLE_*, CLOUDSDK_* and AZURE_* variable removed (so a developer's own cloud settings cannot
 * reach a run), then the fixed dummy AWS credentials and region the benchmarks use.
 */
export function toolEnv() {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(AWS_|DRAINCTL_|GOOGLE_|CLOUDSDK_|AZURE_)/.test(key)) env[key] = value;
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'dummy',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/**
 * Runs one command. Resolves (never rejects for a non-zero exit) with its exit status, output,
 * the wall-clock times it started and exited (ms epoch, the same clock the emulator logs with)
 * and its wall time measured with the monotonic clock. Killed (whole process group) after timeoutMs.
 */
export function runProcess(command, args, { env = toolEnv(), cwd, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const t0 = process.hrtime.bigint();
    let child;
    try {
      child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (error) {
      reject(error);
      return;
    }
    running.add(child);
    let stdout = '';
    let stderr = '';
    let exitedAt;
    let wallMs;
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutMs);
    child.on('exit', () => {
      exitedAt = Date.now();
      wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      exitedAt ??= Date.now();
      wallMs ??= Number(process.hrtime.bigint() - t0) / 1e6;
      resolve({ code, signal, timedOut, stdout, stderr, startedAt, exitedAt, wallMs });
    });
  });
}

function killGroup(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Kills every child this module started that is still running. */
export function killAllChildren() {
  for (const child of running) killGroup(child);
}

/**
 * The AWS CLI to benchmark: BENCH_AWS if set, else `aws` from PATH. A pyenv shim (a bash script
 * that starts pyenv before the CLI, ~40 ms) is resolved to the real entry point so the CLI is not
 * charged for the shim.
 */
export function resolveAwsCli() {
  if (process.env.BENCH_AWS) return { path: process.env.BENCH_AWS, note: 'BENCH_AWS' };
  let onPath;
  try {
    onPath = execFileSync('bash', ['-c', 'command -v aws'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('the AWS CLI (aws) is not on PATH; install AWS CLI v1 or set BENCH_AWS');
  }
  if (onPath.includes('/.pyenv/shims/')) {
    try {
      const real = execFileSync('pyenv', ['which', 'aws'], { encoding: 'utf8' }).trim();
      if (real && existsSync(real)) return { path: real, note: `pyenv shim ${onPath} resolved to the real script` };
    } catch {
      // fall back to the shim
    }
  }
  return { path: realpathSync(onPath), note: 'from PATH' };
}
