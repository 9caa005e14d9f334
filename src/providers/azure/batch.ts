/**
 * Batches writes to one Azure resource. Work submitted for a key in the same turn of the
 * event loop (the core starts every group's drain at once) runs as one batch, so several
 * pools of one application gateway share one read-modify-write; batches for a key run one
 * after another, so drainctl never races itself into 409 AnotherOperationInProgress.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CallContext } from '../../core/call.js';

/** One piece of work in a batch; the runner settles it. */
export interface Job<I, R> {
  readonly input: I;
  /** The call that submitted it: its signal, clock and deadline. */
  readonly call: CallContext;
  readonly signal: AbortSignal | undefined;
  resolve(value: R): void;
  reject(error: unknown): void;
}

export class KeyedBatcher<I, R> {
  private readonly open = new Map<string, Job<I, R>[]>();
  private readonly tails = new Map<string, Promise<void>>();

  /** `run` must settle every job it is given (jobs it leaves unsettled are rejected with its error, or resolved never). */
  constructor(private readonly run: (key: string, jobs: Job<I, R>[]) => Promise<void>) {}

  submit(key: string, input: I, call: CallContext): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const job: Job<I, R> = { input, call, signal: call.signal, resolve, reject };
      const batch = this.open.get(key);
      if (batch) {
        batch.push(job);
        return;
      }
      const jobs = [job];
      this.open.set(key, jobs);
      const previous = this.tails.get(key) ?? Promise.resolve();
      const turn = previous
        .then(() => nextTurn())
        .then(() => {
          this.open.delete(key);
          return this.run(key, jobs);
        })
        .catch((error: unknown) => {
          for (const j of jobs) j.reject(error);
        });
      this.tails.set(key, turn);
      void turn.then(() => {
        if (this.tails.get(key) === turn) this.tails.delete(key);
      });
    });
  }
}

/**
 * The call context a batch runs under: a signal that aborts when any job's does, and the
 * earliest deadline, so no caller waits past its own (jobs of one command share one anyway).
 */
export function batchCall(jobs: readonly { call: CallContext; signal: AbortSignal | undefined }[]): CallContext {
  const first = jobs[0]!.call;
  return { signal: combinedSignal(jobs), clock: first.clock, deadline: Math.min(...jobs.map((j) => j.call.deadline)) };
}

/** One signal that aborts when any job's signal does (AbortSignal.any needs Node 20.3). */
export function combinedSignal(jobs: readonly { signal: AbortSignal | undefined }[]): AbortSignal | undefined {
  const signals = [...new Set(jobs.map((j) => j.signal).filter((s): s is AbortSignal => s !== undefined))];
  if (signals.length <= 1) return signals[0];
  const controller = new AbortController();
  for (const signal of signals) {
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}
