/**
 * ELB API throttling as AWS publishes it (Elastic Load Balancing user guide, "API request
 * throttling"): per account and Region, separate token buckets for ELBv2 and Classic in three
 * categories, plus one account-level bucket that every ELB action draws from.
 */
import type { Clock } from '../shared/clock.js';
import { TokenBucket, TokenBuckets, perSecond, type BucketRate } from '../shared/token-bucket.js';
import type { ServiceName } from './service.js';

/** The throttling category an action falls in. */
export type ThrottleCategory = 'registration' | 'describe' | 'mutating';

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

/** All ELB API buckets of one emulated account. */
export class ElbRateLimiter {
  private readonly buckets = new TokenBuckets();

  constructor(private readonly clock: Clock) {}

  /**
   * Takes a token for the call, or returns false (answer Throttling) when either bucket it needs is empty.
   * Auto Scaling is never throttled: AWS publishes no rates for it (one shared account bucket of unknown
   * size), and guessing numbers would make tests fail for reasons real AWS may not share.
   * EC2 is not throttled either: its calls draw on EC2's own buckets, never on these ELB ones, and
   * the emulator serves only DescribeInstances, one call per terminating instance, so modelling
   * EC2's buckets would only add numbers for tests to trip on.
   */
  allow(service: ServiceName, action: string): boolean {
    if (service === 'autoscaling' || service === 'ec2') return true;
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
    this.buckets.reset();
  }

  private bucket(key: string, rate: BucketRate, now: number): TokenBucket {
    return this.buckets.get(key, () => new TokenBucket(perSecond(rate), now));
  }
}
