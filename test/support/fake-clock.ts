import type { Clock } from '../../src/core/clock.js';
import { interruptedError } from '../../src/core/errors.js';

/** A clock whose sleep advances virtual time at once, so hours of waiting run in microseconds. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public time = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw interruptedError(signal.reason);
    if (this.sleeps.length > 10_000) throw new Error('FakeClock: more than 10000 sleeps, the loop is unbounded');
    this.sleeps.push(ms);
    this.time += ms;
    await Promise.resolve();
    if (signal?.aborted) throw interruptedError(signal.reason);
  }
}
