/** What every emulator's request pipeline works with; routing, errors and envelopes are its own. */
import type { Clock } from './clock.js';
import type { RequestLog } from './request-log.js';

/** Settings the pipeline reads on every request, so the handle can change them while the emulator runs. */
export interface RuntimeSettings<F, M extends string> {
  faults: F;
  throttle: M;
}

/** The pieces every pipeline has: `E` is the log entry, `L` the rate limiter, `S` the runtime settings. */
export interface PipelineBase<E extends { readonly seq: number }, L, S> {
  readonly clock: Clock;
  readonly random: () => number;
  readonly limiter: L;
  readonly log: RequestLog<E>;
  readonly settings: S;
}
