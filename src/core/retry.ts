import { type Clock, systemClock } from './clock.js';
import { DrainctlError } from './errors.js';
import { retryDelay } from './schedule.js';

export interface RetryOptions {
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  readonly random?: () => number;
  /** Tries in all, including the first (default 6). The SDKs retry inside each try as well. */
  readonly attempts?: number;
  readonly onRetry?: (error: DrainctlError, delayMs: number) => void;
}

/**
 * Runs a call that is safe to repeat, retrying throttling and transient faults with
 * full-jitter backoff. Every drain, restore and describe call is safe to repeat: each
 * sets a state rather than changing it by a step.
 */
export async function retrying<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const clock = options.clock ?? systemClock;
  const attempts = options.attempts ?? 6;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof DrainctlError) || error.retryable === undefined || attempt >= attempts || options.signal?.aborted) throw error;
      const delay = retryDelay(attempt, options.random, error.retryable === 'throttle');
      options.onRetry?.(error, delay);
      await clock.sleep(delay, options.signal);
    }
  }
}
