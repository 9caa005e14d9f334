import { type CallContext, sleepWithin, withDeadline } from './call.js';
import { DrainctlError, interruptedError } from './errors.js';
import type { RetryEvent } from './events.js';
import { retryDelay } from './schedule.js';

/**
 * The one retry policy: every provider call and every poll of a wait goes through it, and
 * every retry is announced with the same event. Throttling and transient faults are retried
 * (a call up to MAX_CALL_ATTEMPTS times, a wait's polls until its deadline); an endpoint that
 * does not answer at all is given up on after MAX_UNREACHABLE_ATTEMPTS tries in a row, so a
 * lost endpoint fails in seconds instead of being retried in silence until the deadline.
 */

/** Tries of one provider call in all, including the first. The SDKs retry inside each try as well. */
export const MAX_CALL_ATTEMPTS = 6;

/** Tries in a row at an endpoint that does not answer (connection refused, reset, no route) before giving up. */
export const MAX_UNREACHABLE_ATTEMPTS = 5;

/** How one group's calls are retried and where their retry events go. */
export interface RetryPolicy {
  /** The group the calls are about, for events. */
  readonly group: string;
  readonly random?: () => number;
  /** Tries in all; undefined for a wait's polls, which only the deadline bounds. */
  readonly attempts?: number;
  readonly onRetry?: (event: RetryEvent) => void;
}

/** Counts failures in a row and decides, for each, whether another try is worth it and after how long. */
export class RetryTracker {
  private failures = 0;
  private unreachable = 0;

  constructor(private readonly policy: RetryPolicy) {}

  /** A try succeeded: the next failure starts a new count. */
  succeeded(): void {
    this.failures = 0;
    this.unreachable = 0;
  }

  /** The delay before the next try, after announcing it; throws when the failure is final. */
  next(error: unknown): number {
    if (!(error instanceof DrainctlError) || error.retryable === undefined) throw error;
    this.failures += 1;
    this.unreachable = error.retryable === 'unreachable' ? this.unreachable + 1 : 0;
    if (this.unreachable >= MAX_UNREACHABLE_ATTEMPTS) throw unreachableError(error, this.unreachable);
    if (this.policy.attempts !== undefined && this.failures >= this.policy.attempts) throw error;
    const delayMs = Math.round(retryDelay(this.failures, this.policy.random, error.retryable === 'throttle'));
    this.policy.onRetry?.(retryEvent(this.policy.group, error, this.failures, delayMs, error.retryable === 'unreachable' ? MAX_UNREACHABLE_ATTEMPTS : this.policy.attempts));
    return delayMs;
  }
}

/** The retry event for one failed try. */
export function retryEvent(group: string, error: DrainctlError, attempt: number, delayMs: number, maxAttempts: number | undefined): RetryEvent {
  return {
    type: 'retry',
    group,
    reason: error.message,
    retryable: error.retryable ?? 'transient',
    throttled: error.retryable === 'throttle',
    endpoint: error.retryable === 'unreachable' ? endpointOf(error) : undefined,
    attempt,
    maxAttempts,
    delayMs,
  };
}

/**
 * Runs one provider call that is safe to repeat (every drain, restore and describe sets a
 * state rather than changing it by a step), bounded by the caller's deadline: a call in
 * flight is cut there, and no retry sleeps past it.
 */
export async function retrying<T>(call: CallContext, what: string, task: (bounded: CallContext) => Promise<T>, policy: RetryPolicy): Promise<T> {
  const tracker = new RetryTracker({ attempts: MAX_CALL_ATTEMPTS, ...policy });
  for (;;) {
    try {
      return await withDeadline(call, what, task);
    } catch (error) {
      if (call.signal?.aborted) throw interruptedError(call.signal.reason);
      await sleepWithin(call, tracker.next(error), what);
    }
  }
}

/** The endpoint an unreachable error names, or a description when the provider could not say. */
export function endpointOf(error: DrainctlError): string {
  const endpoint = error.details.endpoint;
  return typeof endpoint === 'string' && endpoint !== '' ? endpoint : 'the provider endpoint';
}

/** The error that ends the retries at an endpoint that keeps not answering. */
function unreachableError(error: DrainctlError, attempts: number): DrainctlError {
  const endpoint = endpointOf(error);
  const named = error.message.includes(endpoint) ? error.message : `${endpoint} did not answer: ${error.message}`;
  return new DrainctlError('provider', `${named}; gave up after ${attempts} tries in a row`, {
    hint: `check that ${endpoint} is reachable (network, VPN, proxy, --endpoint-url)`,
    cause: error,
    details: { ...error.details, endpoint, attempts, unreachable: true },
  });
}
