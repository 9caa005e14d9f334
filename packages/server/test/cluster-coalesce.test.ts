import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Coalescer } from '../src/cluster-coalesce.js';

/** The worker's report cadence: never a message per request, and a change never reported later than one interval. */

let sent: number[];
let coalescer: Coalescer;
beforeEach(() => {
  vi.useFakeTimers({ now: 10_000 });
  sent = [];
  coalescer = new Coalescer(() => sent.push(Date.now()), 50);
});
afterEach(() => {
  coalescer.stop();
  vi.useRealTimers();
});

describe('Coalescer', () => {
  it('a thousand changes in a burst send once at once and once at the end of the interval', () => {
    for (let i = 0; i < 1000; i++) coalescer.changed();
    expect(sent).toEqual([10_000]);
    vi.advanceTimersByTime(50);
    expect(sent).toEqual([10_000, 10_050]);
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(2);
  });

  it('changes all the time: at most one send per interval', () => {
    for (let ms = 0; ms < 1000; ms++) {
      coalescer.changed();
      vi.advanceTimersByTime(1);
    }
    expect(sent.length).toBeLessThanOrEqual(21);
    expect(sent.slice(1).every((at, i) => at - sent[i]! >= 50)).toBe(true);
  });

  it('after a quiet interval a change (say, the count reaching zero) goes out at once', () => {
    coalescer.changed();
    vi.advanceTimersByTime(60);
    coalescer.changed();
    expect(sent).toEqual([10_000, 10_060]);
  });

  it('a change soon after a send goes out when the interval ends, never later', () => {
    coalescer.changed();
    vi.advanceTimersByTime(10);
    coalescer.changed();
    expect(sent).toEqual([10_000]);
    vi.advanceTimersByTime(39);
    expect(sent).toEqual([10_000]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([10_000, 10_050]);
  });

  it('flush sends at once (a state change) and replaces the pending send', () => {
    coalescer.changed();
    vi.advanceTimersByTime(10);
    coalescer.changed();
    coalescer.flush();
    expect(sent).toEqual([10_000, 10_010]);
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([10_000, 10_010]);
  });
});
