import type { Clock } from '../../src/core/clock.js';
import { interruptedError } from '../../src/core/errors.js';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly wake: () => void;
}

/**
 * A virtual-time clock: sleeps are timers on a fake timeline, and whenever the process has
 * nothing else to do (every promise settled), time jumps to the earliest timer and wakes it.
 * Hours of waiting run in microseconds, concurrent sleeps overlap as real ones do, and a
 * sleep cut short by an abort (a deadline racing a slow call) ends at the time it was cut.
 */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private readonly timers: Timer[] = [];
  private seq = 0;
  private advancing = false;

  constructor(public time = Date.parse('2026-01-01T00:00:00Z')) {}

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(interruptedError(signal.reason));
    if (this.sleeps.length > 10_000) return Promise.reject(new Error('FakeClock: more than 10000 sleeps, the loop is unbounded'));
    this.sleeps.push(ms);
    return new Promise<void>((resolve, reject) => {
      const timer: Timer = {
        at: this.time + Math.max(0, ms),
        seq: this.seq++,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const i = this.timers.indexOf(timer);
        if (i >= 0) this.timers.splice(i, 1);
        reject(interruptedError(signal?.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
      this.scheduleAdvance();
    });
  }

  /** Once every pending promise has run, moves time to the earliest timer and wakes it. */
  private scheduleAdvance(): void {
    if (this.advancing) return;
    this.advancing = true;
    setImmediate(() => {
      this.advancing = false;
      if (this.timers.length === 0) return;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift()!;
      this.time = Math.max(this.time, next.at);
      next.wake();
      if (this.timers.length > 0) this.scheduleAdvance();
    });
  }
}
