import { type Clock, systemClock } from './clock.js';
import { DrainctlError, throwIfAborted } from './errors.js';
import { type PollPlan, type ScheduleTuning, DEFAULT_TUNING, nextPollDelay, retryDelay } from './schedule.js';

/** What one wait needs: how to poll, when to stop, and by when to give up. */
export interface WaitOptions<T> {
  /** One batched describe. Retryable DrainctlErrors are retried with backoff; anything else ends the wait. */
  readonly poll: (signal?: AbortSignal) => Promise<T>;
  /** True when the wait is over. */
  readonly isDone: (result: T) => boolean;
  /** Give up at this time (ms epoch). Required: drainctl never waits without a bound. */
  readonly deadline: number;
  readonly plan: PollPlan;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly tuning?: ScheduleTuning;
  /** Called after every successful poll. */
  readonly onPoll?: (result: T, polls: number) => void;
  /** Called before sleeping after a retryable failure. */
  readonly onRetry?: (error: DrainctlError, delayMs: number) => void;
  /**
   * Wait this long (at most; never past the schedule's own first delay) before the first
   * poll. After a fleet of deregistrations the first looks are spread out instead of all
   * landing in the same instant as the last deregister calls, which compete for the same
   * API rate limit; the first look still happens, so every state change is observed.
   */
  readonly firstPollDelayMs?: number;
}

export type WaitOutcome<T> =
  | { readonly state: 'done'; readonly result: T; readonly polls: number; readonly failures: number }
  | { readonly state: 'timeout'; readonly result: T | undefined; readonly polls: number; readonly failures: number };

/**
 * Polls until isDone, the deadline, or the signal. An aborted signal throws an
 * interrupted DrainctlError; a non-retryable error is rethrown as is.
 */
export async function waitUntil<T>(options: WaitOptions<T>): Promise<WaitOutcome<T>> {
  const clock = options.clock ?? systemClock;
  const tuning = options.tuning ?? DEFAULT_TUNING;
  let polls = 0;
  let pollsAfterEnd = 0;
  let failures = 0;
  let consecutiveFailures = 0;
  let last: T | undefined;

  if (options.firstPollDelayMs) {
    const delay = Math.min(options.firstPollDelayMs, nextPollDelay(clock.now(), options.plan, 1, 0, tuning));
    await clock.sleep(Math.min(delay, Math.max(0, options.deadline - clock.now())), options.signal);
  }
  for (;;) {
    throwIfAborted(options.signal);
    const attemptAt = clock.now();
    let delay: number;
    try {
      last = await options.poll(options.signal);
      polls += 1;
      consecutiveFailures = 0;
      options.onPoll?.(last, polls);
      if (options.isDone(last)) return { state: 'done', result: last, polls, failures };
      // With no expected end every poll counts as late, so the backoff grows instead of polling at its floor forever.
      if (options.plan.expectedDoneAt === undefined || attemptAt >= options.plan.expectedDoneAt) pollsAfterEnd += 1;
      delay = nextPollDelay(clock.now(), options.plan, polls, pollsAfterEnd, tuning);
    } catch (error) {
      throwIfAborted(options.signal);
      if (!(error instanceof DrainctlError) || error.retryable === undefined) throw error;
      failures += 1;
      consecutiveFailures += 1;
      delay = retryDelay(consecutiveFailures, options.random, error.retryable === 'throttle');
      options.onRetry?.(error, delay);
    }
    const now = clock.now();
    if (now >= options.deadline) return { state: 'timeout', result: last, polls, failures };
    // One last look just before giving up, rather than sleeping past the deadline.
    await clock.sleep(Math.min(delay, Math.max(0, options.deadline - now)), options.signal);
  }
}
