/**
 * Azure Resource Manager throttling as Microsoft publishes it for the token-bucket scheme
 * rolled out from 2024 ("Understand how Azure Resource Manager throttles requests",
 * learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling,
 * and the Azure update "Modernizing Azure Resource Manager Throttling", March 2024):
 * per subscription, reads have a bucket of 250 tokens refilled at 25 per second, and
 * writes a bucket of 200 refilled at 10 per second. A refused call is answered 429 with
 * Retry-After; every answer carries x-ms-ratelimit-remaining-subscription-reads (GET) or
 * -writes (other methods). Resource-provider limits (Microsoft.Network's own) are not modelled.
 */
import type { Clock } from '../shared/clock.js';
import { TokenBucket, TokenBuckets, perSecond, type BucketRate } from '../shared/token-bucket.js';

/** The published subscription-level buckets. */
export const ARM_RATES: Readonly<Record<'reads' | 'writes', BucketRate>> = {
  reads: { capacity: 250, refillPerSecond: 25 },
  writes: { capacity: 200, refillPerSecond: 10 },
};

/** What the limiter decided for one request. */
export interface ThrottleDecision {
  readonly allowed: boolean;
  /** The x-ms-ratelimit-remaining-subscription-* header to send. */
  readonly header: string;
  readonly remaining: number;
  /** Seconds for Retry-After when refused. */
  readonly retryAfterSeconds: number;
  readonly kind: 'reads' | 'writes';
}

/** The subscription buckets of one emulator. */
export class ArmRateLimiter {
  private readonly buckets = new TokenBuckets();

  constructor(private readonly clock: Clock) {}

  /** Takes a token for the request when one is left. */
  take(subscription: string, method: string): ThrottleDecision {
    const kind = method === 'GET' ? 'reads' : 'writes';
    const now = this.clock.now();
    const bucket = this.buckets.get(`${subscription.toLowerCase()}:${kind}`, () => new TokenBucket(perSecond(ARM_RATES[kind]), now));
    const header = `x-ms-ratelimit-remaining-subscription-${kind}`;
    if (bucket.level(now) < 1) return { allowed: false, header, remaining: 0, retryAfterSeconds: bucket.secondsUntilToken(), kind };
    bucket.take();
    return { allowed: true, header, remaining: Math.floor(bucket.level(now)), retryAfterSeconds: 0, kind };
  }

  /** Refills every bucket. */
  reset(): void {
    this.buckets.reset();
  }
}
