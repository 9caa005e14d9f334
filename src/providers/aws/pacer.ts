/**
 * Client-side pacing at AWS's published ELB API rates, so that a fleet drain spends its
 * budget on the calls that stop traffic and does not trip throttling in the first place.
 * The rates are the providers' declared facts (elb-api.ts, read by both ELB descriptors).
 * Retries still handle throttling caused by anyone else sharing the account's budget.
 */

import { type Clock, systemClock } from '../../core/clock.js';
import { interruptedError } from '../../core/errors.js';
import { ELB_API_RATES } from './elb-api.js';

interface Bucket {
  readonly capacity: number;
  readonly perSecond: number;
  tokens: number;
}

export type CallCategory = 'registration' | 'describe' | 'mutating';

const RATES = ELB_API_RATES;

/** Which bucket an ELB action draws from. */
export function categoryOf(action: string): CallCategory {
  if (/^(Register|Deregister)/.test(action)) return 'registration';
  if (/^Describe/.test(action)) return 'describe';
  return 'mutating';
}

interface Waiter {
  readonly category: CallCategory;
  readonly resolve: () => void;
}

/**
 * Token buckets with one queue in which calls that change something go first. Time is the
 * core's clock: a queued call sleeps on it until the next token is due, so tests run the pacer on
 * the fake clock, and a call whose signal aborts leaves the queue at once.
 */
export class ElbApiPacer {
  private readonly buckets = new Map<string, Bucket>();
  private readonly queue: Waiter[] = [];
  private last: number;
  /** True while a sleep until the next token is pending (one at a time). */
  private sleeping = false;

  constructor(private readonly clock: Clock = systemClock) {
    this.last = clock.now();
    for (const [name, rate] of Object.entries(RATES)) this.buckets.set(name, { ...rate, tokens: rate.capacity });
  }

  /** Resolves when the call may be sent; rejects with an interrupted error (and gives up its place) when the signal aborts first. */
  acquire(category: CallCategory, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(interruptedError(signal.reason));
      const onAbort = (): void => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        reject(interruptedError(signal?.reason));
      };
      const waiter: Waiter = {
        category,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // Deregistrations and registrations jump ahead of describes: they are what the user is waiting for.
      const at = category === 'describe' ? this.queue.length : this.queue.findIndex((w) => w.category === 'describe');
      this.queue.splice(at < 0 ? this.queue.length : at, 0, waiter);
      this.release();
    });
  }

  /** Lets through every queued call a token is there for; then sleeps until the next token is due. */
  private release(): void {
    this.refill();
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      const account = this.buckets.get('account')!;
      const own = this.buckets.get(next.category)!;
      if (account.tokens < 1 || own.tokens < 1) break;
      account.tokens -= 1;
      own.tokens -= 1;
      this.queue.shift();
      next.resolve();
    }
    if (this.queue.length > 0 && !this.sleeping) this.sleepUntilNextToken();
  }

  private sleepUntilNextToken(): void {
    const next = this.queue[0]!;
    const waitMs = Math.max(this.msUntilToken(this.buckets.get('account')!), this.msUntilToken(this.buckets.get(next.category)!));
    this.sleeping = true;
    void this.clock.sleep(Math.max(1, Math.ceil(waitMs))).then(() => {
      this.sleeping = false;
      this.release();
    });
  }

  private msUntilToken(bucket: Bucket): number {
    return bucket.tokens >= 1 ? 0 : ((1 - bucket.tokens) / bucket.perSecond) * 1000;
  }

  private refill(): void {
    const now = this.clock.now();
    const seconds = (now - this.last) / 1000;
    this.last = now;
    for (const bucket of this.buckets.values()) bucket.tokens = Math.min(bucket.capacity, bucket.tokens + seconds * bucket.perSecond);
  }
}

const pacers = new Map<string, ElbApiPacer>();

/** One pacer per account budget this process talks to (region and endpoint), shared by the ELBv2 and Classic clients. */
export function pacerFor(key: string, clock: Clock = systemClock): ElbApiPacer {
  let pacer = pacers.get(key);
  if (!pacer) {
    pacer = new ElbApiPacer(clock);
    pacers.set(key, pacer);
  }
  return pacer;
}

interface MiddlewareStackLike {
  add(middleware: unknown, options: Record<string, unknown>): void;
}

/** Where the SDK puts a command's `abortSignal` in the handler context. */
interface PacedContext {
  readonly commandName?: string;
  readonly __smithy_context?: { readonly abortSignal?: AbortSignal };
}

/** Paces every attempt (retries included) of an ELB client's calls; a call whose abortSignal fires leaves the queue. */
export function addPacing(stack: MiddlewareStackLike, pacer: ElbApiPacer): void {
  const middleware = (next: (args: unknown) => Promise<unknown>, context: PacedContext) => async (args: unknown) => {
    await pacer.acquire(categoryOf((context.commandName ?? 'Describe').replace(/Command$/, '')), context.__smithy_context?.abortSignal);
    return next(args);
  };
  stack.add(middleware, { step: 'finalizeRequest', name: 'drainctlPacing', priority: 'low' });
}
