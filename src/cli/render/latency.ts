import { type Advice, fmt, type Recommendation } from '../../latency/recommend.js';
import type { LatencySummary } from '../../latency/sketch.js';
import { msOf } from '../../latency/sources.js';
import type { Output } from './output.js';

/** How `timeout recommend` and `timeout set --p99/--from-…` show latency and a recommendation. */

/** The latency part of a result, for -o json. */
export function latencyData(summary: LatencySummary): Record<string, unknown> {
  return {
    samples: summary.samples ?? null,
    p50_ms: msOf(summary.p50),
    p90_ms: msOf(summary.p90),
    p99_ms: msOf(summary.p99),
    p999_ms: msOf(summary.p999),
    max_ms: msOf(summary.max),
    relative_error: summary.relativeError,
  };
}

/** The latency in a line, for people. */
export function latencyLine(summary: LatencySummary): string {
  const cell = (name: string, v: number | undefined) => `${name} ${v === undefined ? '-' : fmt(v)}`;
  const error = summary.relativeError > 0 ? `   (quantiles ±${(summary.relativeError * 100).toFixed(1)}%)` : '';
  return `  ${[cell('p50', summary.p50), cell('p90', summary.p90), cell('p99', summary.p99), cell('p99.9', summary.p999), cell('max', summary.max)].join('   ')}${error}`;
}

/** A recommendation, for -o json. */
export function recommendationData(r: Recommendation): Record<string, unknown> {
  return {
    seconds: r.seconds,
    raw_seconds: Math.round(r.rawSeconds * 1000) / 1000,
    margin: r.margin,
    floor_seconds: r.floorSeconds,
    basis: r.basis,
    explanation: r.explanation,
    inflight_cut_share: r.inflightCutShare === undefined ? null : Math.round(r.inflightCutShare * 1e6) / 1e6,
    advice: r.advice,
  };
}

/** How much in-flight work a timeout would cut, where the source gives the whole distribution. */
export function cutLine(share: number | undefined, seconds: number): string[] {
  return share === undefined ? [] : [`  of the requests in flight when a drain starts, ${(100 * share).toFixed(share < 0.001 ? 3 : 1)}% would still be running at ${seconds}s`];
}

/** Sends advice to the output as warnings (stderr in text, `warnings` in json). */
export function warnAdvice(output: Pick<Output, 'event'>, advice: readonly Advice[]): void {
  for (const a of advice) output.event({ type: 'warning', message: a.message, target: undefined });
}
