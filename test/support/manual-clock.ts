import type { Clock } from '../../src/core/clock.js';
import { interruptedError } from '../../src/core/errors.js';

/**
 * A clock that moves only when the test says: every sleep waits until `advance` passes its end.
 * A process that hangs stays hung until the test moves the clock past the bound.
 */
export class ManualClock implements Clock {
  time = Date.parse('2026-01-01T00:00:00Z');
  private timers: { at: number; fire: () => void }[] = [];
  now(): number {
    return this.time;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(interruptedError(signal.reason));
      const timer = {
        at: this.time + Math.max(0, ms),
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(interruptedError(signal?.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
  }
  /** How long each pending sleep has left. */
  pending(): number[] {
    return this.timers.map((t) => t.at - this.time);
  }
  advance(ms: number): void {
    this.time += ms;
    const due = this.timers.filter((t) => t.at <= this.time);
    this.timers = this.timers.filter((t) => t.at > this.time);
    for (const t of due) t.fire();
  }
}
