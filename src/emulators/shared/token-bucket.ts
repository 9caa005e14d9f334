/** Token buckets that refill from the emulator's clock whenever they are looked at. */

/** A bucket's size and how fast it refills: `refill` tokens every `everyMs` milliseconds, pro rata. */
export interface BucketSpec {
  readonly capacity: number;
  readonly refill: number;
  readonly everyMs: number;
}

/** A published rate as providers document them: capacity and tokens per second. */
export interface BucketRate {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

/** The spec of a per-second rate. */
export function perSecond(rate: BucketRate): BucketSpec {
  return { capacity: rate.capacity, refill: rate.refillPerSecond, everyMs: 1000 };
}

/** One bucket; it starts full. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly spec: BucketSpec,
    now: number,
  ) {
    this.tokens = spec.capacity;
    this.updatedAt = now;
  }

  /** Refills up to `now` and returns the tokens there are (fractions included). */
  level(now: number): number {
    // A clock moved backwards must not mint tokens out of negative time.
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.spec.capacity, this.tokens + (elapsed / this.spec.everyMs) * this.spec.refill);
    this.updatedAt = Math.max(this.updatedAt, now);
    return this.tokens;
  }

  /** Whether a whole token is there at `now`. */
  hasToken(now: number): boolean {
    return this.level(now) >= 1;
  }

  /** Takes a token; call only after `hasToken` or `level` said there is one. */
  take(): void {
    this.tokens -= 1;
  }

  /** Takes a token at `now`, or returns false when the bucket is empty. */
  tryTake(now: number): boolean {
    if (!this.hasToken(now)) return false;
    this.take();
    return true;
  }

  /** Whole seconds until one token is available (at least 1). */
  secondsUntilToken(): number {
    return Math.max(1, Math.ceil(((1 - this.tokens) / this.spec.refill) * (this.spec.everyMs / 1000)));
  }
}

/** Buckets by key, each created full on first use; `reset` refills them all. */
export class TokenBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  /** The bucket for `key`, made by `create` the first time. */
  get(key: string, create: () => TokenBucket): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = create();
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Refills every bucket. */
  reset(): void {
    this.buckets.clear();
  }
}
