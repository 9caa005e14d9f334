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
import type { Clock } from '../aws/clock.js';

interface BucketRate {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

/** The published subscription-level buckets. */
export const ARM_RATES: Readonly<Record<'reads' | 'writes', BucketRate>> = {
  reads: { capacity: 250, refillPerSecond: 25 },
  writes: { capacity: 200, refillPerSecond: 10 },
};

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

  refill(now: number): number {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.rate.capacity, this.tokens + (elapsed / 1000) * this.rate.refillPerSecond);
    this.updatedAt = Math.max(this.updatedAt, now);
    return this.tokens;
  }

  take(): void {
    this.tokens -= 1;
  }

  /** Whole seconds until one token is available (at least 1). */
  secondsUntilToken(): number {
    return Math.max(1, Math.ceil((1 - this.tokens) / this.rate.refillPerSecond));
  }
}

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
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly clock: Clock) {}

  /** Takes a token for the request when one is left. */
  take(subscription: string, method: string): ThrottleDecision {
    const kind = method === 'GET' ? 'reads' : 'writes';
    const now = this.clock.now();
    const key = `${subscription.toLowerCase()}:${kind}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(ARM_RATES[kind], now);
      this.buckets.set(key, bucket);
    }
    const header = `x-ms-ratelimit-remaining-subscription-${kind}`;
    if (bucket.refill(now) < 1) return { allowed: false, header, remaining: 0, retryAfterSeconds: bucket.secondsUntilToken(), kind };
    bucket.take();
    return { allowed: true, header, remaining: Math.floor(bucket.refill(now)), retryAfterSeconds: 0, kind };
  }

  /** Refills every bucket. */
  reset(): void {
    this.buckets.clear();
  }
}
