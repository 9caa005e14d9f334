/**
 * Client-side pacing at AWS's published ELB API rates, so that a fleet drain spends its
 * budget on the calls that stop traffic and does not trip throttling in the first place.
 * The rates are the providers' declared facts (elb-api.ts, read by both ELB descriptors).
 * Retries still handle throttling caused by anyone else sharing the account's budget.
 */

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

/** Token buckets with one queue in which calls that change something go first. */
export class ElbApiPacer {
  private readonly buckets = new Map<string, Bucket>();
  private readonly queue: Waiter[] = [];
  private last: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly now: () => number = Date.now) {
    this.last = now();
    for (const [name, rate] of Object.entries(RATES)) this.buckets.set(name, { ...rate, tokens: rate.capacity });
  }

  /** Resolves when the call may be sent. */
  acquire(category: CallCategory): Promise<void> {
    return new Promise((resolve) => {
      const waiter = { category, resolve };
      // Deregistrations and registrations jump ahead of describes: they are what the user is waiting for.
      const at = category === 'describe' ? this.queue.length : this.queue.findIndex((w) => w.category === 'describe');
      this.queue.splice(at < 0 ? this.queue.length : at, 0, waiter);
      this.drain();
    });
  }

  private drain(): void {
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
    if (this.queue.length > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.drain();
      }, 25);
    }
  }

  private refill(): void {
    const now = this.now();
    const seconds = (now - this.last) / 1000;
    this.last = now;
    for (const bucket of this.buckets.values()) bucket.tokens = Math.min(bucket.capacity, bucket.tokens + seconds * bucket.perSecond);
  }
}

const pacers = new Map<string, ElbApiPacer>();

/** One pacer per account budget this process talks to (region and endpoint), shared by the ELBv2 and Classic clients. */
export function pacerFor(key: string): ElbApiPacer {
  let pacer = pacers.get(key);
  if (!pacer) {
    pacer = new ElbApiPacer();
    pacers.set(key, pacer);
  }
  return pacer;
}

interface MiddlewareStackLike {
  add(middleware: unknown, options: Record<string, unknown>): void;
}

/** Paces every attempt (retries included) of an ELB client's calls. */
export function addPacing(stack: MiddlewareStackLike, pacer: ElbApiPacer): void {
  const middleware = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
    await pacer.acquire(categoryOf((context.commandName ?? 'Describe').replace(/Command$/, '')));
    return next(args);
  };
  stack.add(middleware, { step: 'finalizeRequest', name: 'drainctlPacing', priority: 'low' });
}
