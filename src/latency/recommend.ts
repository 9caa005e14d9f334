import { formatDuration } from '../core/duration.js';
import { usageError } from '../core/errors.js';
import type { TimeoutLimits } from '../core/provider.js';
import { PROVIDERS } from '../providers/registry.js';
import type { LatencySummary } from './sketch.js';

/**
 * The drain-timeout recommendation (docs/timeouts.md#the-formula):
 *
 *   timeout = roundUp(max(floor, p99 × margin))     then clamped to each provider's range
 *
 * margin 2 and floor 30 s reproduce the guidance drainctl starts from (a REST API under 500 ms →
 * 30 s; uploads of up to 5 minutes → 10 minutes); roundUp gives a number people recognise.
 */

export const DEFAULT_MARGIN = 2;
export const MIN_MARGIN = 1;
export const MAX_MARGIN = 10;
export const DEFAULT_FLOOR_SECONDS = 30;
/** Below this many samples, p99 is little more than the largest value seen. */
export const FEW_SAMPLES = 100;
/** Above this share of in-flight requests cut at the timeout, the recommendation says so. */
export const INFLIGHT_CUT_WARNING = 0.01;

/** A provider's drain-timeout range, for showing the recommendation per provider. */
export interface ProviderTimeoutRange extends TimeoutLimits {
  readonly provider: string;
}

/** The ranges of every provider with a drain timeout of its own, as their descriptors declare them. */
export const PROVIDER_TIMEOUT_RANGES: readonly ProviderTimeoutRange[] = PROVIDERS.flatMap((p) => (p.timeout ? [{ provider: p.name, ...p.timeout }] : []));

export interface RecommendOptions {
  /** p99 is multiplied by this (default 2, allowed 1-10). */
  readonly margin?: number;
  /** The recommendation is never below this, in seconds (default 30). */
  readonly floorSeconds?: number;
}

/** Something the numbers say that the reader should know; `code` is stable for scripts. */
export interface Advice {
  readonly code:
    | 'p999_exceeds_timeout'
    | 'max_exceeds_timeout'
    | 'p99_exceeds_provider_max'
    | 'clamped_to_provider_max'
    | 'raised_to_provider_min'
    | 'nlb_minimum'
    | 'few_samples'
    | 'requests_without_duration'
    | 'drains_measure_timeout'
    | 'inflight_cut';
  readonly message: string;
  /** The provider a piece of advice is about, when it is about one. */
  readonly provider?: string;
}

/** The recommendation fitted to one provider's range. */
export interface ProviderFit {
  readonly provider: string;
  readonly minSeconds: number;
  readonly maxSeconds: number;
  readonly seconds: number;
  /** Set when the range moved the recommendation. */
  readonly clamped: 'min' | 'max' | undefined;
  readonly advice: readonly Advice[];
}

export interface Recommendation {
  /** The recommended drain timeout, before any provider's range, in whole seconds. */
  readonly seconds: number;
  /** p99 × margin, before the floor and rounding. */
  readonly rawSeconds: number;
  readonly margin: number;
  readonly floorSeconds: number;
  /**
   * The share of requests in flight when a drain starts that would still run when it times out,
   * where the source gives the whole distribution (QuantileSketch.inflightBeyond).
   */
  readonly inflightCutShare: number | undefined;
  /** Which term decided: the floor or p99 × margin. */
  readonly basis: 'floor' | 'p99';
  /** The formula with the numbers filled in, for people. */
  readonly explanation: string;
  readonly providers: readonly ProviderFit[];
  /** Advice about the latency itself (provider-specific advice is on each ProviderFit). */
  readonly advice: readonly Advice[];
}

/** Checks a margin: a finite number from 1 to 10. */
export function checkMargin(margin: number, what = '--margin'): number {
  if (!Number.isFinite(margin) || margin < MIN_MARGIN || margin > MAX_MARGIN) {
    throw usageError(
      `invalid ${what} ${String(margin)}: expected a factor from ${MIN_MARGIN} to ${MAX_MARGIN}`,
      `the drain timeout is p99 × margin; ${DEFAULT_MARGIN} is the default, below 1 would cut requests under p99 (docs/timeouts.md#the-formula)`,
    );
  }
  return margin;
}

/** Parses a margin as typed: `2`, `1.5`, `2x`. */
export function parseMargin(text: string, what = '--margin'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*x?\s*$/i.exec(text);
  if (!match) throw usageError(`invalid ${what} "${text}": expected a factor such as 2 or 1.5`, `allowed ${MIN_MARGIN}-${MAX_MARGIN}`);
  return checkMargin(Number(match[1]), what);
}

/**
 * Rounds up to a whole second, then to a step people recognise: 5 s up to 5 minutes, 30 s up to
 * 30 minutes, a minute beyond. Each boundary is a multiple of the next step, so the rounding never
 * decreases as its input grows.
 */
export function roundUpTimeout(seconds: number): number {
  if (seconds <= 0) return 0;
  const whole = Math.ceil(seconds - 1e-9);
  const step = whole <= 300 ? 5 : whole <= 1800 ? 30 : 60;
  return Math.ceil(whole / step) * step;
}

/** Applies the formula to a latency summary (seconds) and fits the result to each provider's range. */
export function recommendDrainTimeout(summary: LatencySummary, options: RecommendOptions = {}, ranges: readonly ProviderTimeoutRange[] = PROVIDER_TIMEOUT_RANGES): Recommendation {
  const margin = checkMargin(options.margin ?? DEFAULT_MARGIN);
  const floorSeconds = options.floorSeconds ?? DEFAULT_FLOOR_SECONDS;
  if (!(floorSeconds >= 0 && floorSeconds <= 3600)) throw usageError(`invalid --floor ${floorSeconds}s: expected 0 to 3600 seconds`);
  if (!(summary.p99 > 0) || !Number.isFinite(summary.p99)) throw usageError(`invalid p99 ${summary.p99}s: expected a positive duration`);
  const rawSeconds = summary.p99 * margin;
  const basis = rawSeconds > floorSeconds ? 'p99' : 'floor';
  const seconds = roundUpTimeout(Math.max(floorSeconds, rawSeconds));
  const explanation =
    basis === 'p99'
      ? `p99 ${fmt(summary.p99)} × margin ${margin} = ${fmt(rawSeconds)}, rounded up to ${seconds}s`
      : `p99 ${fmt(summary.p99)} × margin ${margin} = ${fmt(rawSeconds)} is under the ${floorSeconds}s floor${seconds === floorSeconds ? '' : `, rounded up to ${seconds}s`}`;
  return {
    seconds,
    rawSeconds,
    margin,
    floorSeconds,
    basis,
    explanation,
    inflightCutShare: summary.inflightBeyond?.(seconds),
    providers: ranges.map((r) => fitToProvider(seconds, summary, r)),
    advice: latencyAdvice(summary, seconds),
  };
}

/** Fits a recommendation to one provider's range, with the advice that range calls for. */
export function fitToProvider(seconds: number, summary: LatencySummary, range: Pick<ProviderTimeoutRange, 'provider' | 'minSeconds' | 'maxSeconds' | 'recommendedMin'>): ProviderFit {
  const advice: Advice[] = [];
  const { provider, minSeconds, maxSeconds } = range;
  let fitted = seconds;
  let clamped: ProviderFit['clamped'];
  if (summary.p99 > maxSeconds) {
    advice.push({
      code: 'p99_exceeds_provider_max',
      provider,
      message: `${provider}: p99 ${fmt(summary.p99)} is longer than the longest drain timeout it allows (${maxSeconds}s): draining is the wrong tool for this work. Stop taking new work, let running jobs finish, and let the queue hand the rest to other workers (docs/timeouts.md#long-running-work)`,
    });
  }
  if (seconds > maxSeconds) {
    fitted = maxSeconds;
    clamped = 'max';
    if (summary.p99 <= maxSeconds) {
      advice.push({ code: 'clamped_to_provider_max', provider, message: `${provider}: ${seconds}s is above its maximum; capped at ${maxSeconds}s, a margin of only ${(maxSeconds / summary.p99).toFixed(2)} over p99` });
    }
  } else if (seconds < minSeconds) {
    fitted = minSeconds;
    clamped = 'min';
    advice.push({ code: 'raised_to_provider_min', provider, message: `${provider}: ${seconds}s is below its minimum; raised to ${minSeconds}s` });
  }
  const floor = range.recommendedMin;
  if (floor && fitted < floor.seconds) advice.push({ code: floor.code as Advice['code'], provider, message: `${provider}: ${floor.why}` });
  return { provider, minSeconds, maxSeconds, seconds: fitted, clamped, advice };
}

/** The same fit, against a live provider's limits. */
export function fitToLimits(seconds: number, summary: LatencySummary, provider: string, limits: TimeoutLimits): ProviderFit {
  return fitToProvider(seconds, summary, { provider, ...limits });
}

function latencyAdvice(summary: LatencySummary, seconds: number): Advice[] {
  const advice: Advice[] = [];
  if (summary.p999 !== undefined && summary.p999 > seconds) {
    advice.push({ code: 'p999_exceeds_timeout', message: `p99.9 ${fmt(summary.p999)} is longer than ${seconds}s: about 1 in 1000 requests in flight when a drain starts would be cut` });
  }
  if (summary.max !== undefined && summary.max > seconds) {
    advice.push({ code: 'max_exceeds_timeout', message: `the longest request (${fmt(summary.max)}) is longer than ${seconds}s: requests like it are cut when a drain reaches the timeout` });
  }
  const cut = summary.inflightBeyond?.(seconds);
  if (cut !== undefined && cut > INFLIGHT_CUT_WARNING) {
    advice.push({
      code: 'inflight_cut',
      message: `about ${(100 * cut).toFixed(1)}% of the requests in flight when a drain starts would still be running after ${seconds}s (long requests are over-represented among those in flight); raise --margin or --floor (docs/timeouts.md#the-formula)`,
    });
  }
  if (summary.samples !== undefined && summary.samples < FEW_SAMPLES) {
    advice.push({ code: 'few_samples', message: `only ${summary.samples} sample${summary.samples === 1 ? '' : 's'}: p99 of fewer than ${FEW_SAMPLES} is close to the largest value seen; use a longer window or a bigger log` });
  }
  return advice;
}

/**
 * Advice about requests a log recorded without a duration (ALB -1: the target closed the connection
 * or the idle timeout passed). They may be the slowest requests of all, so more than 1% of them
 * means the p99 may be too low.
 */
export function missingDurationAdvice(samples: number, notApplicable: number): Advice[] {
  const total = samples + notApplicable;
  if (total === 0 || notApplicable / total <= 0.01) return [];
  const share = ((100 * notApplicable) / total).toFixed(1);
  return [{ code: 'requests_without_duration', message: `${notApplicable} requests (${share}%) were logged without a duration (-1: no response from the target, or a timeout); they may be the slowest, so p99 may be too low` }];
}

/** Seconds for people: milliseconds under 1 s, seconds to the millisecond under 10 minutes, then formatDuration's 12m30s. */
export function fmt(seconds: number): string {
  if (seconds < 1) return `${Number((seconds * 1000).toPrecision(3))}ms`;
  if (seconds < 600) return `${Number(seconds.toFixed(3))}s`;
  return formatDuration(seconds * 1000);
}
