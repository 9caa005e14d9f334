/**
 * ELB API throttling as AWS publishes it (Elastic Load Balancing user guide, "API request
 * throttling"): per account and Region, separate token buckets for ELBv2 and Classic in three
 * categories, plus one account-level bucket that every ELB action draws from.
 */
import type { Clock } from './clock.js';
import type { ServiceName } from './service.js';

/** The throttling category an action falls in. */
export type ThrottleCategory = 'registration' | 'describe' | 'mutating';

interface BucketRate {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

/** Published capacities and refill rates. */
export const ELB_API_RATES: Readonly<Record<ThrottleCategory | 'account', BucketRate>> = {
  registration: { capacity: 20, refillPerSecond: 4 },
  describe: { capacity: 40, refillPerSecond: 10 },
  mutating: { capacity: 20, refillPerSecond: 3 },
  account: { capacity: 40, refillPerSecond: 10 },
};

/** Register and Deregister actions are "registration", Describe ones "non-mutating", all others "mutating". */
export function throttleCategoryOf(action: string): ThrottleCategory {
  if (/^(Register|Deregister)/.test(action)) return 'registration';
  if (action.startsWith('Describe')) return 'describe';
  return 'mutating';
}

/** A token bucket that refills from the clock whenever it is looked at. */
class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly rate: BucketRate,
    now: number,
  ) {
    this.tokens = rate.capacity;
    this.updatedAt = now;
  }

  hasToken(now: number): boolean {
    // A clock moved backwards must not mint tokens out of negative time.
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.rate.capacity, this.tokens + (elapsed / 1000) * this.rate.refillPerSecond);
    this.updatedAt = Math.max(this.updatedAt, now);
    return this.tokens >= 1;
  }

  take(): void {
    this.tokens -= 1;
  }
}

/** All ELB API buckets of one emulated account. */
export class ElbRateLimiter {
  private buckets = new Map<string, TokenBucket>();

  constructor(private readonly clock: Clock) {}

  /** Takes a token for the call, or returns false (answer Throttling) when either bucket it needs is empty. */
  allow(service: ServiceName, action: string): boolean {
    const now = this.clock.now();
    const category = throttleCategoryOf(action);
    const needed = [this.bucket(`${service}:${category}`, ELB_API_RATES[category], now), this.bucket('account', ELB_API_RATES.account, now)];
    // Check both before taking from either, so a refused call costs nothing.
    if (!needed.every((b) => b.hasToken(now))) return false;
    for (const b of needed) b.take();
    return true;
  }

  /** Refills every bucket. */
  reset(): void {
    this.buckets.clear();
  }

  private bucket(key: string, rate: BucketRate, now: number): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(rate, now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
