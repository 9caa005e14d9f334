/**
 * Read-modify-write with optimistic concurrency: read the resource and its etag, apply the
 * change to that fresh copy, PUT it with If-Match. A 412 (someone else wrote in between) or
 * a 409 AnotherOperationInProgress is never answered by overwriting: drainctl waits, reads
 * again, re-applies its change to what is there now, and tries again, a bounded number of times.
 */
import { type CallContext, sleepWithin } from '../../core/call.js';
import { DrainctlError } from '../../core/errors.js';
import { type Job, batchCall } from './batch.js';
import { isConflict } from './errors.js';

/** How conflicts are retried. */
export interface ConflictPolicy {
  /** Writes tried in all (default 6). */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly random: () => number;
}

export const DEFAULT_CONFLICT_POLICY: ConflictPolicy = { attempts: 6, baseDelayMs: 1000, maxDelayMs: 20_000, random: Math.random };

export interface ReadModifyWrite<T> {
  /** "update application gateway demo-agw". */
  readonly what: string;
  read(): Promise<{ resource: T; etag: string | undefined }>;
  /** Changes the fresh copy in place; false when nothing needs writing. */
  apply(resource: T): boolean;
  write(resource: T, etag: string): Promise<T>;
  /** The caller's signal, clock and deadline: the pauses between tries sleep on the clock and end at the deadline. */
  readonly call: CallContext;
  readonly policy: ConflictPolicy;
  readonly onConflict?: (error: DrainctlError, delayMs: number, attempt: number) => void;
}

/**
 * Runs the loop; resolves with the resource as written (or as read when nothing changed). Tries
 * are bounded by the policy's count and by the caller's deadline: a pause that would pass the
 * deadline ends there with a timeout error.
 */
export async function readModifyWrite<T>(op: ReadModifyWrite<T>): Promise<{ resource: T; written: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const { resource, etag } = await op.read();
    if (!op.apply(resource)) return { resource, written: false };
    if (etag === undefined) throw new DrainctlError('provider', `${op.what}: Azure returned no etag, so the change cannot be made without risking someone else's`);
    try {
      return { resource: await op.write(resource, etag), written: true };
    } catch (error) {
      if (!isConflict(error)) throw error;
      if (attempt >= op.policy.attempts) {
        throw new DrainctlError('provider', `${op.what}: still conflicting after ${attempt} tries (${error.message})`, {
          retryable: 'transient',
          hint: 'another client (a deployment, an ingress controller) keeps changing the resource; try again when it is quiet',
          cause: error,
          details: error.details,
        });
      }
      const backoff = Math.min(op.policy.maxDelayMs, op.policy.baseDelayMs * 2 ** (attempt - 1)) * (0.5 + op.policy.random() / 2);
      const asked = typeof error.details.retryAfterMs === 'number' ? Math.min(error.details.retryAfterMs, op.policy.maxDelayMs) : 0;
      const delayMs = Math.max(backoff, asked);
      op.onConflict?.(error, delayMs, attempt);
      const reason = error.message.startsWith(`${op.what}: `) ? error.message.slice(op.what.length + 2) : error.message;
      await sleepWithin(op.call, delayMs, `${op.what}: waiting to try again after a conflict (${reason})`);
    }
  }
}

/** One change to a resource, applied to a fresh copy; returns whether it changed anything. */
export type Change<T> = (resource: T) => boolean;

/** A read-modify-write of one resource for a batch of jobs; `read` and `write` get the batch's combined signal. */
export interface BatchWrite<T> extends Pick<ReadModifyWrite<T>, 'what' | 'policy' | 'onConflict'> {
  read(signal: AbortSignal | undefined): Promise<T & { readonly etag?: string }>;
  write(resource: T, etag: string, signal: AbortSignal | undefined): Promise<T>;
}

/**
 * One read-modify-write for every job in a batch: all their changes go into the same PUT. A
 * change that throws (an unknown pool, say) fails its own job alone; the others resolve with
 * the resource as written, or all reject with the write's error.
 */
export async function readModifyWriteBatch<T, I extends { readonly change: Change<T> }>(jobs: readonly Job<I, T>[], op: BatchWrite<T>): Promise<void> {
  const call = batchCall(jobs);
  const signal = call.signal;
  const live = new Set(jobs);
  try {
    const { resource } = await readModifyWrite<T>({
      what: op.what,
      call,
      policy: op.policy,
      read: async () => {
        const resource = await op.read(signal);
        return { resource, etag: resource.etag };
      },
      apply: (resource) => {
        let changed = false;
        for (const job of [...live]) {
          try {
            if (job.input.change(resource)) changed = true;
          } catch (error) {
            live.delete(job);
            job.reject(error);
          }
        }
        return changed;
      },
      write: (resource, etag) => op.write(resource, etag, signal),
      onConflict: op.onConflict,
    });
    for (const job of live) job.resolve(resource);
  } catch (error) {
    for (const job of live) job.reject(error);
  }
}
