import { describe, expect, it } from 'vitest';
import { nextPollDelay, retryDelay, type PollPlan } from '../../src/core/schedule.js';

/** Simulates the poll times of a drain that the provider reports done at `doneAt`. */
function pollTimes(plan: PollPlan, doneAt: number, limit = 200): number[] {
  const times: number[] = [];
  let now = plan.startedAt;
  let afterEnd = 0;
  for (let i = 0; i < limit; i++) {
    times.push(now);
    if (now >= doneAt) return times;
    if (plan.expectedDoneAt !== undefined && now >= plan.expectedDoneAt) afterEnd += 1;
    now += nextPollDelay(now, plan, times.length, afterEnd);
  }
  throw new Error('schedule did not reach the end');
}

describe('poll schedule', () => {
  it('makes at most 15 describe calls for a 300 s timer drain and notices it within 1 s', () => {
    const plan = { startedAt: 0, expectedDoneAt: 300_000, completesEarly: false };
    const times = pollTimes(plan, 300_000);
    expect(times.length).toBeLessThanOrEqual(15);
    expect(times.at(-1)! - 300_000).toBeLessThan(1000);
  });

  it('notices a 5 s drain within 1 s of its end', () => {
    const times = pollTimes({ startedAt: 0, expectedDoneAt: 5000, completesEarly: false }, 5000);
    expect(times.at(-1)! - 5000).toBeLessThan(1000);
    expect(times.length).toBeLessThanOrEqual(6);
  });

  it('keeps looking after the expected end with quick backoff when the provider lags', () => {
    const times = pollTimes({ startedAt: 0, expectedDoneAt: 5000, completesEarly: false }, 7000);
    const after = times.filter((t) => t > 5000);
    expect(after.length).toBeGreaterThanOrEqual(3);
    expect(times.at(-1)! - 7000).toBeLessThan(2500);
  });

  it('polls early-completing providers often enough to see an early finish', () => {
    const plan = { startedAt: 0, expectedDoneAt: 300_000, completesEarly: true };
    const times = pollTimes(plan, 3_000);
    expect(times.at(-1)!).toBeLessThan(5_000);
    // and never lags more than a fifteenth of the timeout
    const gaps = pollTimes(plan, 300_000).slice(1).map((t, i, all) => t - (i === 0 ? 0 : all[i - 1]!));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(20_000);
  });

  it('with no expected end, backs off from 250 ms to 5 s', () => {
    const plan = { startedAt: 0, expectedDoneAt: undefined, completesEarly: true };
    expect(nextPollDelay(0, plan, 1, 0)).toBe(250);
    expect(nextPollDelay(0, plan, 5, 10)).toBe(5000);
  });

  it('retry backoff is full jitter, capped at 20 s, slower for throttling', () => {
    expect(retryDelay(1, () => 1, false)).toBe(250);
    expect(retryDelay(1, () => 1, true)).toBe(1000);
    expect(retryDelay(30, () => 1, true)).toBe(20_000);
    expect(retryDelay(3, () => 0, true)).toBe(100);
  });
});

describe('steady polling for cheap, local providers', () => {
  it('polls at the steady interval when there is no expected end, instead of backing off', () => {
    const plan = { startedAt: 0, expectedDoneAt: undefined, completesEarly: true, steadyMs: 200 };
    expect([1, 5, 50].map((n) => nextPollDelay(0, plan, n, n))).toEqual([200, 200, 200]);
  });
});
