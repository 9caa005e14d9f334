import { type Clock, systemClock } from './clock.js';
import { DrainctlError, throwIfAborted } from './errors.js';
import { type RetryPolicy, RetryTracker } from './retry.js';
import { type PollPlan, type ScheduleTuning, DEFAULT_TUNING, nextPollDelay } from './schedule.js';

/** What one wait needs: how to poll, when to stop, and by when to give up. */
export interface WaitOptions<T> {
  /**
   * One batched describe. Retryable DrainctlErrors are retried under `retry`; a poll cut at
   * the deadline (a timeout error) ends the wait as timed out; anything else ends it with that error.
   */
  readonly poll: (signal?: AbortSignal) => Promise<T>;
  /** True when the wait is over. */
  readonly isDone: (result: T) => boolean;
  /** Give up at this time (ms epoch). Required: drainctl never waits without a bound. */
  readonly deadline: number;
  readonly plan: PollPlan;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  readonly tuning?: ScheduleTuning;
  /** Called after every successful poll. */
  readonly onPoll?: (result: T, polls: number) => void;
  /** How failed polls are retried and announced (the one retry policy; `attempts` is ignored: the deadline bounds a wait). */
  readonly retry?: RetryPolicy;
  /**
   * Wait this long (at most; never past the schedule's own first delay) before the first
   * poll. After a fleet of deregistrations the first looks are spread out instead of all
   * landing in the same instant as the last deregister calls, which compete for the same
   * API rate limit; the first look still happens, so every state change is observed.
   */
  readonly firstPollDelayMs?: number;
  /**
   * Resolves when something besides the provider may have settled the wait (the app reported
   * idle): the sleep ends there and the next poll happens at once, not at its scheduled time.
   */
  readonly wake?: () => Promise<void>;
}

interface WaitTally<T> {
  /** The last successful poll's result. */
  readonly result: T | undefined;
  readonly polls: number;
  readonly failures: number;
  /** Set when the last try failed: what was last seen is then older than the last try. */
  readonly lastError: DrainctlError | undefined;
}

export type WaitOutcome<T> = (WaitTally<T> & { readonly state: 'done'; readonly result: T }) | (WaitTally<T> & { readonly state: 'timeout' });

/**
 * Polls until isDone, the deadline, or the signal. An aborted signal throws an
 * interrupted DrainctlError; a failure the retry policy will not retry is rethrown.
 */
export async function waitUntil<T>(options: WaitOptions<T>): Promise<WaitOutcome<T>> {
  const clock = options.clock ?? systemClock;
  const tuning = options.tuning ?? DEFAULT_TUNING;
  const tracker = new RetryTracker({ group: '', ...options.retry, attempts: undefined });
  let polls = 0;
  let pollsAfterEnd = 0;
  let failures = 0;
  let last: T | undefined;
  let lastError: DrainctlError | undefined;

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
      lastError = undefined;
      tracker.succeeded();
      options.onPoll?.(last, polls);
      if (options.isDone(last)) return { state: 'done', result: last, polls, failures, lastError };
      // With no expected end every poll counts as late, so the backoff grows instead of polling at its floor forever.
      if (options.plan.expectedDoneAt === undefined || attemptAt >= options.plan.expectedDoneAt) pollsAfterEnd += 1;
      delay = nextPollDelay(clock.now(), options.plan, polls, pollsAfterEnd, tuning);
    } catch (error) {
      throwIfAborted(options.signal);
      if (!(error instanceof DrainctlError)) throw error;
      failures += 1;
      lastError = error;
      // A poll cut at the deadline ends the wait like a deadline between polls does.
      if (error.kind === 'timeout') return { state: 'timeout', result: last, polls, failures, lastError };
      delay = tracker.next(error);
    }
    const now = clock.now();
    if (now >= options.deadline) return { state: 'timeout', result: last, polls, failures, lastError };
    // One last look just before giving up, rather than sleeping past the deadline.
    await nap(clock, Math.min(delay, Math.max(0, options.deadline - now)), options.signal, options.wake);
  }
}

/** Sleeps `ms`, or less when `wake` resolves first; the caller's signal still interrupts. */
async function nap(clock: Clock, ms: number, signal: AbortSignal | undefined, wake: (() => Promise<void>) | undefined): Promise<void> {
  if (!wake) return clock.sleep(ms, signal);
  const woken = new AbortController();
  void wake().then(() => woken.abort());
  try {
    await clock.sleep(ms, signal ? AbortSignal.any([signal, woken.signal]) : woken.signal);
  } catch (error) {
    if (signal?.aborted || !woken.signal.aborted) throw error;
  } finally {
    woken.abort(); // settles nothing more; a later wake finds the nap over
  }
}
