/**
 * Compute Engine rate quotas as token buckets. Google counts requests per project in per-minute
 * windows, in separate groups for reads (get, list, aggregatedList, getHealth, operations) and
 * writes (mutations), each 1,500 requests a minute by default
 * (https://cloud.google.com/compute/api-quota, "Rate quotas"). A bucket holding one minute's
 * quota and refilling at quota/60 per second allows the same sustained rate with a smoother edge
 * than Google's synchronised windows, so a client that backs off is not punished for when it
 * happened to start.
 */
import type { Clock } from '../shared/clock.js';
import { TokenBucket, TokenBuckets } from '../shared/token-bucket.js';

/** The quota group a method counts against. */
export type RateGroup = 'read' | 'write';

/** Requests per minute per project, by group. */
export type RateLimits = Readonly<Record<RateGroup, number>>;

/** The documented defaults. */
export const COMPUTE_RATE_LIMITS: RateLimits = { read: 1500, write: 1500 };

/** One bucket per project and group, holding a minute's quota and refilling it over a minute. */
export class ComputeRateLimiter {
  private readonly buckets = new TokenBuckets();

  constructor(
    private readonly clock: Clock,
    private readonly limits: RateLimits,
  ) {}

  allow(project: string, group: RateGroup): boolean {
    const perMinute = this.limits[group];
    const bucket = this.buckets.get(`${project}|${group}`, () => new TokenBucket({ capacity: perMinute, refill: perMinute, everyMs: 60_000 }, this.clock.now()));
    return bucket.tryTake(this.clock.now());
  }

  /** Refills every bucket. */
  reset(): void {
    this.buckets.reset();
  }
}
