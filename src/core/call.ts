import { type Clock, systemClock } from './clock.js';
import { DrainctlError, interruptedError } from './errors.js';
import { formatDuration } from './duration.js';

/**
 * What every provider call gets: the abort signal, the core's clock and the caller's
 * deadline. A provider that waits inside a call (a GCP operation, an Azure retry after a
 * conflict, an NGINX reload) sleeps on `clock` and gives up at `deadline`, so `--timeout`
 * bounds the whole command and every wait runs on the tests' fake clock.
 */
export interface CallContext {
  readonly signal: AbortSignal | undefined;
  readonly clock: Clock;
  /** Epoch milliseconds by which the call, any waiting inside it included, must be over. */
  readonly deadline: number;
}

/** A context for callers outside an operation (tests, one-off scripts): the real clock, a generous bound. */
export function standaloneCall(options: { signal?: AbortSignal; clock?: Clock; timeoutMs?: number } = {}): CallContext {
  const clock = options.clock ?? systemClock;
  return { signal: options.signal, clock, deadline: clock.now() + (options.timeoutMs ?? 10 * 60_000) };
}

/** Milliseconds left before the call's deadline (0 when it has passed). */
export function remainingMs(call: CallContext): number {
  return Math.max(0, call.deadline - call.clock.now());
}

/** The error for a wait that reached the caller's deadline. */
export function deadlineError(what: string, call: CallContext, startedAt?: number): DrainctlError {
  const waited = startedAt === undefined ? '' : ` after ${formatDuration(call.clock.now() - startedAt)}`;
  return new DrainctlError('timeout', `${what}: gave up at the deadline${waited}`, {
    hint: 'allow longer with --timeout, or rerun: every step is safe to repeat',
  });
}

/**
 * Sleeps `ms`, but never past the deadline: when the deadline comes first the sleep ends
 * there and a timeout error names what was being waited for.
 */
export async function sleepWithin(call: CallContext, ms: number, what: string): Promise<void> {
  const left = remainingMs(call);
  if (left <= 0) throw deadlineError(what, call);
  await call.clock.sleep(Math.min(ms, left), call.signal);
  if (ms > left) throw deadlineError(what, call);
}

const DEADLINE = Symbol('drainctl deadline');

/**
 * How long after the deadline the core cuts a call that is still running. Providers bound their
 * own waits by the deadline and say what they were waiting for; the cut is the backstop for what
 * cannot watch the clock itself (an HTTP request in flight), and must not pre-empt their words.
 */
export const DEADLINE_GRACE_MS = 250;

/**
 * Runs `task` with a signal that also fires just after the caller's deadline, measured on the
 * core's clock, so an API call or a child process in flight is cut when the time is up. A cut by
 * the deadline surfaces as a timeout error (the provider's own, when it said what it waited for);
 * the caller's own abort as an interrupted one.
 */
export async function withDeadline<T>(call: CallContext, what: string, task: (bounded: CallContext) => Promise<T>): Promise<T> {
  if (call.signal?.aborted) throw interruptedError(call.signal.reason);
  const cutInMs = call.deadline + DEADLINE_GRACE_MS - call.clock.now();
  if (cutInMs <= 0) throw deadlineError(what, call);
  const controller = new AbortController();
  const stopTimer = new AbortController();
  const onAbort = (): void => controller.abort(call.signal?.reason);
  call.signal?.addEventListener('abort', onAbort, { once: true });
  call.clock.sleep(cutInMs, stopTimer.signal).then(
    () => controller.abort(DEADLINE),
    () => {},
  );
  try {
    return await task({ ...call, signal: controller.signal });
  } catch (error) {
    if (error instanceof DrainctlError && error.kind === 'timeout') throw error;
    if (controller.signal.reason === DEADLINE) throw deadlineError(what, call);
    throw error;
  } finally {
    stopTimer.abort();
    call.signal?.removeEventListener('abort', onAbort);
  }
}

/** The bound on a command when the caller gives none: the longest drain timeout any provider allows, and a margin. */
export const DEFAULT_COMMAND_BOUND_MS = 2 * 60 * 60_000;

/** The call context of one command: its signal and clock, and its deadline (`--timeout`, or the default bound). */
export function commandCall(request: { readonly signal?: AbortSignal; readonly timeoutMs?: number }, clock: Clock, startedAt: number): CallContext {
  return { signal: request.signal, clock, deadline: startedAt + (request.timeoutMs ?? DEFAULT_COMMAND_BOUND_MS) };
}
