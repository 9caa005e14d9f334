import { describe, expect, it } from 'vitest';
import { DrainctlError } from '../../src/core/errors.js';
import { waitUntil } from '../../src/core/waiter.js';
import { FakeClock } from '../support/fake-clock.js';

describe('waitUntil', () => {
  it('succeeds once the poll reports done, polling on the schedule', async () => {
    const clock = new FakeClock(0);
    const outcome = await waitUntil({
      poll: async () => clock.now(),
      isDone: (t) => t >= 5000,
      deadline: 60_000,
      plan: { startedAt: 0, expectedDoneAt: 5000, completesEarly: false },
      clock,
    });
    expect(outcome.state).toBe('done');
    expect(outcome.polls).toBe(4);
    expect(clock.now()).toBeLessThan(6000);
  });

  it('times out at the deadline after one last look, never sleeping past it', async () => {
    const clock = new FakeClock(0);
    const seen: number[] = [];
    const outcome = await waitUntil({
      poll: async () => seen.push(clock.now()),
      isDone: () => false,
      deadline: 10_000,
      plan: { startedAt: 0, expectedDoneAt: 300_000, completesEarly: false },
      clock,
    });
    expect(outcome.state).toBe('timeout');
    expect(seen.at(-1)).toBe(10_000);
    expect(clock.now()).toBe(10_000);
  });

  it('retries throttled polls with backoff and reports each retry', async () => {
    const clock = new FakeClock(0);
    let calls = 0;
    const retries: number[] = [];
    const outcome = await waitUntil({
      poll: async () => {
        calls += 1;
        if (calls <= 3) throw new DrainctlError('provider', 'Rate exceeded', { retryable: 'throttle' });
        return calls;
      },
      isDone: () => true,
      deadline: 60_000,
      plan: { startedAt: 0, expectedDoneAt: undefined, completesEarly: true },
      clock,
      retry: { group: 'web', random: () => 0.5, onRetry: (e) => retries.push(e.delayMs) },
    });
    expect(outcome).toMatchObject({ state: 'done', failures: 3, polls: 1 });
    expect(retries).toEqual([500, 1000, 2000]);
  });

  it('does not retry a non-retryable error', async () => {
    const clock = new FakeClock(0);
    await expect(
      waitUntil({
        poll: async () => {
          throw new DrainctlError('not_found', 'target group web not found');
        },
        isDone: () => true,
        deadline: 60_000,
        plan: { startedAt: 0, expectedDoneAt: undefined, completesEarly: true },
        clock,
      }),
    ).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('stops with an interrupted error when the signal fires', async () => {
    const clock = new FakeClock(0);
    const controller = new AbortController();
    let polls = 0;
    await expect(
      waitUntil({
        poll: async () => {
          polls += 1;
          if (polls === 3) controller.abort('SIGINT');
          return polls;
        },
        isDone: () => false,
        deadline: 600_000,
        plan: { startedAt: 0, expectedDoneAt: 300_000, completesEarly: false },
        signal: controller.signal,
        clock,
      }),
    ).rejects.toMatchObject({ kind: 'interrupted' });
    expect(polls).toBe(3);
  });
});
