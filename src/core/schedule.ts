/**
 * When to poll next. A drain's end is mostly predictable: the provider's drain timeout
 * started when the target was deregistered. So rather than a fixed tick (the AWS CLI's
 * 15 s, the SDK's 15-120 s), drainctl halves the remaining time until the expected end,
 * lands one poll just after it, then backs off quickly. Providers that can finish early
 * are also polled at a capped interval so early completion is seen.
 */

/** What the schedule knows about one group's drain. */
export interface PollPlan {
  /** When the drain (or restore) started, ms epoch. */
  readonly startedAt: number;
  /** When the provider is expected to report it finished, ms epoch; undefined if unknown. */
  readonly expectedDoneAt: number | undefined;
  /** Whether the provider may finish before expectedDoneAt. */
  readonly completesEarly: boolean;
  /** With no expected end: poll this often instead of backing off (cheap, local providers). */
  readonly steadyMs?: number;
}

/** Tunables, exposed for tests and benchmarks. */
export interface ScheduleTuning {
  /** Closest two polls may be before the expected end. */
  readonly minGapMs: number;
  /** How long after the expected end the landing poll is placed. */
  readonly landingMs: number;
  /** Backoff after the expected end (or with no expected end): first delay and cap. */
  readonly afterBaseMs: number;
  readonly afterCapMs: number;
  /** For early-completing providers: the most a poll may lag, as a fraction of the drain timeout. */
  readonly earlyFraction: number;
  readonly earlyCapMs: number;
}

export const DEFAULT_TUNING: ScheduleTuning = {
  minGapMs: 1000,
  landingMs: 100,
  afterBaseMs: 250,
  afterCapMs: 5000,
  earlyFraction: 1 / 15,
  earlyCapMs: 20_000,
};

/**
 * The delay before the next poll.
 * @param pollsAfterEnd how many polls already happened at or after the expected end
 * @param pollsSoFar how many polls happened in total
 */
export function nextPollDelay(
  now: number,
  plan: PollPlan,
  pollsSoFar: number,
  pollsAfterEnd: number,
  tuning: ScheduleTuning = DEFAULT_TUNING,
): number {
  const end = plan.expectedDoneAt;
  if (end === undefined && plan.steadyMs !== undefined) return plan.steadyMs;
  if (end === undefined || now >= end) {
    return Math.min(tuning.afterCapMs, tuning.afterBaseMs * 2 ** pollsAfterEnd);
  }
  const remaining = end - now;
  const halfway = remaining <= 2 * tuning.minGapMs ? remaining + tuning.landingMs : remaining / 2;
  return plan.completesEarly ? Math.min(halfway, earlyInterval(plan, pollsSoFar, tuning)) : halfway;
}

/** Early completion is likeliest soon after the drain starts: start at 1 s and double up to the cap. */
function earlyInterval(plan: PollPlan, pollsSoFar: number, tuning: ScheduleTuning): number {
  const total = (plan.expectedDoneAt ?? plan.startedAt) - plan.startedAt;
  const cap = Math.min(tuning.earlyCapMs, Math.max(tuning.minGapMs, total * tuning.earlyFraction));
  return Math.min(cap, tuning.minGapMs * 2 ** Math.max(0, pollsSoFar - 1));
}

/** Full-jitter backoff after a throttled or failed poll (as the AWS SDKs do), capped at 20 s. */
export function retryDelay(failures: number, random: () => number = Math.random, throttled = false): number {
  const base = throttled ? 1000 : 250;
  const ceiling = Math.min(20_000, base * 2 ** Math.max(0, failures - 1));
  return Math.max(100, random() * ceiling);
}
