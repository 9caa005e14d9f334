import { spawn } from 'node:child_process';
import { type CallContext, deadlineError, remainingMs } from '../../core/call.js';
import { DrainctlError, interruptedError } from '../../core/errors.js';
import { printable } from '../../core/quote.js';

/**
 * Runs nginx and the reload command with a time bound that holds for everything they start.
 * Each command gets its own process group (spawned detached): at the bound the whole group is
 * killed, so a reload command such as `sleep 40` or `systemctl reload nginx` that hangs leaves
 * nothing running and holds no pipe open. A command that exits while a background child still
 * holds its output is not waited for beyond a short grace.
 *
 * The bound is the command's own (15 s by default) or the caller's deadline, whichever comes
 * first, timed on the call's clock: the tests' clock decides when a command has run too long.
 */

/** What running a command gave. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly debug?: (line: string) => void;
  /** The command's own bound, in ms; the call's deadline may end it sooner. */
  readonly timeoutMs: number;
  /** Says what to check when the command runs out of time. */
  readonly timeoutHint?: string;
  /** Says what to do when the command does not exist. */
  readonly missingHint?: string;
  /**
   * The clock and deadline that bound the command; its signal stops the command (its whole
   * group) when it fires: the group does not get the terminal's Ctrl-C.
   */
  readonly call: CallContext;
}

const OUTPUT_LIMIT = 8 * 1024 * 1024;
/**
 * How long output pipes may stay open after the command itself exited. Real time on purpose: it
 * lets the OS deliver the last bytes, which no clock of the caller's speeds up; the bound's timer
 * stays armed meanwhile, so the deadline still holds.
 */
const PIPE_GRACE_MS = 500;

/** Process groups still running; killed if drainctl exits first, as they no longer share its group. */
const runningGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}

function trackGroup(pid: number): void {
  runningGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const group of runningGroups) killGroup(group);
  });
}

/** Runs a command in its own process group, capturing its output; rejects when it outlives the bound (not retryable). */
export function runCommand(command: string, args: readonly string[], options: RunOptions): Promise<CommandResult> {
  const { call } = options;
  const started = Date.now(); // for the debug line only
  const startedAt = call.clock.now();
  const shown = printable([command, ...args].join(' '), 300);
  options.debug?.(`nginx -> ${shown}`);
  return new Promise((resolvePromise, reject) => {
    if (call.signal?.aborted) return reject(interruptedError(call.signal.reason));
    const left = remainingMs(call);
    if (left <= 0) return reject(deadlineError(`not starting ${shown}`, call));
    // Which bound ends the command decides the error: its own (a hang, not retried) or the caller's deadline.
    const byDeadline = left < options.timeoutMs;
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const pid = child.pid;
    if (pid !== undefined) trackGroup(pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < OUTPUT_LIMIT) stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < OUTPUT_LIMIT) stderr += d.toString('utf8');
    });
    let timedOut = false;
    const stopTimer = new AbortController();
    call.clock.sleep(Math.min(left, options.timeoutMs), stopTimer.signal).then(
      () => {
        timedOut = true;
        if (pid !== undefined) killGroup(pid);
      },
      () => {}, // the command ended first
    );
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      if (pid !== undefined) killGroup(pid);
    };
    call.signal?.addEventListener('abort', onAbort, { once: true });
    let grace: NodeJS.Timeout | undefined;
    child.on('exit', () => {
      grace = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, PIPE_GRACE_MS);
    });
    const done = (): void => {
      stopTimer.abort();
      clearTimeout(grace);
      call.signal?.removeEventListener('abort', onAbort);
      if (pid !== undefined) runningGroups.delete(pid);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      done();
      reject(new DrainctlError('provider', `cannot run ${printable(command)}: ${error.code === 'ENOENT' ? 'not found' : printable(error.message)}`, {
          hint: error.code === 'ENOENT' ? options.missingHint : undefined,
          cause: error,
          details: { command: shown, code: error.code },
        }));
    });
    child.on('close', (code, signal) => {
      done();
      options.debug?.(`nginx <- ${shown}: exit ${code ?? signal} in ${Date.now() - started}ms`);
      if (aborted) return reject(interruptedError(call.signal?.reason));
      if (timedOut && byDeadline) {
        const error = deadlineError(`waiting for ${shown} (stopped with every process it started)`, call, startedAt);
        error.details.command = shown;
        error.details.timedOut = true;
        return reject(error);
      }
      if (timedOut) {
        const seconds = Math.max(1, Math.round(options.timeoutMs / 1000));
        // Not retryable: running the same command again would hang the same way.
        return reject(
          new DrainctlError('provider', `${shown} did not finish within ${seconds}s; it was stopped with every process it started`, {
            hint: options.timeoutHint,
            details: { command: shown, timeoutMs: options.timeoutMs, timedOut: true },
          }),
        );
      }
      resolvePromise({ code, stdout, stderr });
    });
  });
}
