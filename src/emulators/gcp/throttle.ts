/**
 * Compute Engine rate quotas as token buckets. Google counts requests per project in per-minute
 * windows, in separate groups for reads (get, list, aggregatedList, getHealth, operations) and
 * writes (mutations), each 1,500 requests a minute by default
 * (https://cloud.google.com/compute/api-quota, "Rate quotas"). A bucket holding one minute's
 * quota and refilling at quota/60 per second allows the same sustained rate with a smoother edge
 * than Google's synchronised windows, so a client that backs off is not punished for when it
 * happened to start.
 */
import type { Clock } from './clock.js';

/** The quota group a method counts against. */
export type RateGroup = 'read' | 'write';

/** Requests per minute per project, by group. */
export type RateLimits = Readonly<Record<RateGroup, number>>;

/** The documented defaults. */
export const COMPUTE_RATE_LIMITS: RateLimits = { read: 1500, write: 1500 };

class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly perMinute: number,
    now: number,
  ) {
    this.tokens = perMinute;
    this.updatedAt = now;
  }

  /** Takes a token, or returns false when the bucket is empty. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.perMinute, this.tokens + (elapsed / 60_000) * this.perMinute);
    this.updatedAt = Math.max(this.updatedAt, now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** One bucket per project and group. */
export class ComputeRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: RateLimits,
  ) {}

  allow(project: string, group: RateGroup): boolean {
    const key = `${project}|${group}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.limits[group], this.clock.now());
      this.buckets.set(key, bucket);
    }
    return bucket.take(this.clock.now());
  }

  /** Refills every bucket. */
  reset(): void {
    this.buckets.clear();
  }
}
