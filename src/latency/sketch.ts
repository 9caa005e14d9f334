/**
 * A log-bucketed quantile sketch in the style of DDSketch (Masson, Rim, Lee: "DDSketch: a fast and
 * fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019).
 *
 * Bucket k holds the values in (γ^(k-1), γ^k] with γ = (1+α)/(1-α); a quantile is answered with
 * 2γ^k/(γ+1), which is within a relative error α of every value in the bucket. Memory is a fixed
 * array of counts whatever the number of values, so a log of any size is summarised in ~22 KiB.
 */

/** The sketch's relative accuracy: every quantile it reports is within 0.5% of the exact one. */
export const SKETCH_RELATIVE_ACCURACY = 0.005;

/** Below this (1 µs) a value counts as zero: the absolute error there is under a microsecond. */
const MIN_TRACKED_SECONDS = 1e-6;
/** Above this (about 116 days) values share the top bucket; the exact maximum is still kept. */
const MAX_TRACKED_SECONDS = 1e7;

/** Latency quantiles in seconds; undefined where the source does not give one. */
export interface LatencySummary {
  /** How many requests the quantiles describe (undefined when only a p99 was given). */
  readonly samples: number | undefined;
  readonly p50: number | undefined;
  readonly p90: number | undefined;
  readonly p99: number;
  readonly p999: number | undefined;
  readonly max: number | undefined;
  /** The largest relative error of the quantiles (0 when exact, as a given --p99 is). */
  readonly relativeError: number;
  /**
   * The share of requests in flight at a random moment that are still running `seconds` later
   * (see QuantileSketch.inflightBeyond); only where the whole distribution is known (a log, past drains).
   */
  readonly inflightBeyond?: (seconds: number) => number;
}

/** Counts values (seconds, ≥ 0) in logarithmic buckets and answers quantiles within a relative error. */
export class QuantileSketch {
  readonly relativeAccuracy: number;
  private readonly invLogGamma: number;
  private readonly gamma: number;
  private readonly minKey: number;
  private readonly counts: Float64Array;
  private zeroCount = 0;
  private total = 0;
  private lowest = Infinity;
  private highest = -Infinity;

  constructor(relativeAccuracy = SKETCH_RELATIVE_ACCURACY) {
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) throw new RangeError(`relative accuracy must be in (0, 1), got ${relativeAccuracy}`);
    this.relativeAccuracy = relativeAccuracy;
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.invLogGamma = 1 / Math.log(this.gamma);
    this.minKey = this.keyOf(MIN_TRACKED_SECONDS);
    this.counts = new Float64Array(this.keyOf(MAX_TRACKED_SECONDS) - this.minKey + 1);
  }

  /** Adds one value in seconds. The caller guarantees value ≥ 0 (parsers turn anything else away). */
  add(value: number): void {
    this.total += 1;
    if (value < this.lowest) this.lowest = value;
    if (value > this.highest) this.highest = value;
    if (value < MIN_TRACKED_SECONDS) {
      this.zeroCount += 1;
      return;
    }
    let index = Math.ceil(Math.log(value) * this.invLogGamma) - this.minKey;
    if (index >= this.counts.length) index = this.counts.length - 1;
    this.counts[index]! += 1;
  }

  /** Adds every value of another sketch with the same accuracy. */
  merge(other: QuantileSketch): void {
    if (other.relativeAccuracy !== this.relativeAccuracy) throw new RangeError('cannot merge sketches of different accuracy');
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.zeroCount += other.zeroCount;
    this.total += other.total;
    this.lowest = Math.min(this.lowest, other.lowest);
    this.highest = Math.max(this.highest, other.highest);
  }

  get count(): number {
    return this.total;
  }

  get min(): number | undefined {
    return this.total === 0 ? undefined : this.lowest;
  }

  get max(): number | undefined {
    return this.total === 0 ? undefined : this.highest;
  }

  /**
   * The q-quantile (0 ≤ q ≤ 1): an estimate of the value of rank ⌊q·(n−1)⌋ in sorted order
   * (0-based), within relativeAccuracy of it. 0 and 1 give the exact minimum and maximum.
   */
  quantile(q: number): number | undefined {
    if (this.total === 0) return undefined;
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
    if (q === 0) return this.lowest;
    if (q === 1) return this.highest;
    const rank = Math.floor(q * (this.total - 1));
    let seen = this.zeroCount;
    if (seen > rank) return this.lowest;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen > rank) {
        const estimate = (2 * Math.pow(this.gamma, i + this.minKey)) / (this.gamma + 1);
        // The exact extremes are known; clamping to them can only bring the estimate closer.
        return Math.min(this.highest, Math.max(this.lowest, estimate));
      }
    }
    return this.highest;
  }

  /**
   * E[(X − t)⁺] / E[X]: with requests arriving steadily, the share of those in flight at a random
   * moment (a drain's start) that are still running t seconds later. Long requests are over-represented
   * among those in flight (length-biased sampling), which is why this can be far above 1% at t = p99.
   */
  inflightBeyond(t: number): number {
    if (this.total === 0) return 0;
    let sum = 0;
    let excess = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const n = this.counts[i]!;
      if (n === 0) continue;
      const value = Math.min(this.highest, Math.max(this.lowest, (2 * Math.pow(this.gamma, i + this.minKey)) / (this.gamma + 1)));
      sum += n * value;
      if (value > t) excess += n * (value - t);
    }
    return sum === 0 ? 0 : excess / sum;
  }

  /** p50, p90, p99, p99.9 and the maximum, or undefined when the sketch is empty. */
  summary(): LatencySummary | undefined {
    if (this.total === 0) return undefined;
    return {
      samples: this.total,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99)!,
      p999: this.quantile(0.999),
      max: this.highest,
      relativeError: this.relativeAccuracy,
      inflightBeyond: (t) => this.inflightBeyond(t),
    };
  }

  private keyOf(value: number): number {
    return Math.ceil(Math.log(value) * this.invLogGamma);
  }
}
