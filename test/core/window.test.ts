import { describe, expect, it } from 'vitest';
import { DEFAULT_OBSERVED_WAIT_MS, defaultWaitMs, waitDeadline } from '../../src/core/deadline.js';
import { drainWindow } from '../../src/core/window.js';
import { standaloneCall } from '../../src/core/call.js';
import { FakeClock } from '../support/fake-clock.js';

const setting = (seconds: number | undefined, enabled = true) => ({ seconds, enabled, extra: {} });

describe('drainWindow: one branch per kind of provider timeout', () => {
  it('draining switched off: the drain ends at once, the wait is the caller bound or the bare margin', () => {
    expect(drainWindow(setting(300, false), 'observed', undefined, 'elb:nodrain')).toEqual({ drainMs: 0, waitMs: defaultWaitMs(0), drainIsCallerBound: false });
    expect(drainWindow(setting(300, false), 'observed', 10_000, 'elb:nodrain')).toMatchObject({ drainMs: 0, waitMs: 10_000 });
  });

  it('a timeout of its own: drain that long, wait that long plus a margin unless the caller bounds it', () => {
    expect(drainWindow(setting(300), 'reported', undefined, 'elbv2:web')).toEqual({ drainMs: 300_000, waitMs: 330_000, drainIsCallerBound: false });
    expect(drainWindow(setting(300), 'reported', 60_000, 'elbv2:web')).toMatchObject({ drainMs: 300_000, waitMs: 60_000 });
  });

  it('no timeout of its own, completion observed: wait until it reports, five minutes unless the caller says', () => {
    expect(drainWindow(setting(undefined), 'observed', undefined, 'haproxy:web')).toEqual({ drainMs: undefined, waitMs: DEFAULT_OBSERVED_WAIT_MS, drainIsCallerBound: false });
    expect(drainWindow(setting(undefined), 'observed', 20_000, 'haproxy:web')).toMatchObject({ drainMs: undefined, waitMs: 20_000 });
  });

  it('no timeout of its own and nothing to observe: --timeout is the drain, counted from the command start', () => {
    const window = drainWindow(setting(undefined), 'countdown', 30_000, 'azure-lb:x');
    expect(window).toEqual({ drainMs: 30_000, waitMs: 30_000, drainIsCallerBound: true });
  });

  it('no timeout of its own and nothing to observe, and no --timeout: refused, naming the way out', () => {
    expect(() => drainWindow(setting(undefined), 'countdown', undefined, 'azure-lb:x')).toThrow(expect.objectContaining({ kind: 'usage', hint: expect.stringMatching(/--timeout/) }));
  });
});

describe('waitDeadline: one policy for every operation', () => {
  const clock = new FakeClock(0);

  it('counts from the command start when the caller bounds it, and keeps a moment for the last look', () => {
    const call = standaloneCall({ clock, timeoutMs: 30_000 });
    expect(waitDeadline({ call, startedAt: 0, waitMs: 30_000, callerBound: true, since: -100_000 })).toBe(28_500);
  });

  it('counts from the earliest recorded drain start when the caller does not', () => {
    const call = standaloneCall({ clock, timeoutMs: 2 * 3600_000 });
    expect(waitDeadline({ call, startedAt: 0, waitMs: 330_000, callerBound: false, since: -100_000 })).toBe(230_000);
    expect(waitDeadline({ call, startedAt: 0, waitMs: 330_000, callerBound: false })).toBe(330_000);
  });

  it('is never later than the command bound, nor earlier than the start', () => {
    const call = standaloneCall({ clock, timeoutMs: 60_000 });
    expect(waitDeadline({ call, startedAt: 0, waitMs: 330_000, callerBound: false })).toBe(58_000);
    expect(waitDeadline({ call, startedAt: 0, waitMs: 10_000, callerBound: false, since: -100_000 })).toBe(0);
  });
});
