import { interruptedError } from './errors.js';

/** Time as the core sees it; tests swap in a fake. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with an interrupted error when the signal fires. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(interruptedError(signal.reason));
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(interruptedError(signal?.reason));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** RFC 3339 UTC with milliseconds. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
