import { settingData } from './timeout.js';
import { parseDuration } from '../../core/duration.js';
import { DrainctlError, usageError } from '../../core/errors.js';
import { formatRef, type GroupRef } from '../../core/refs.js';
import { checkTimeoutInRange, setDrainTimeout } from '../../core/timeouts.js';
import { createLineParser } from '../../latency/formats.js';
import { drainHistory } from '../../latency/history.js';
import { readLatencyLog } from '../../latency/reader.js';
import { type Advice, DEFAULT_FLOOR_SECONDS, DEFAULT_MARGIN, fitToLimits, fmt, missingDurationAdvice, parseMargin, type Recommendation, type RecommendOptions, recommendDrainTimeout } from '../../latency/recommend.js';
import type { LatencySummary } from '../../latency/sketch.js';
import type { AwsGroupInsights } from '../../providers/aws/cloudwatch.js';
import type { ProviderOptions } from '../../providers/options.js';
import { type CommandContext, parseGroupRef } from '../context.js';
import type { CommandResult } from '../render/output.js';

/**
 * The latency sources shared by `timeout recommend` and `timeout set`: --p99, --from-log,
 * --from-cloudwatch and --from-history, with --margin and --floor for the formula.
 */

export interface LatencySourceFlags {
  readonly p99?: string;
  readonly fromLog?: string;
  readonly format?: string;
  readonly field?: string;
  readonly unit?: string;
  /** A group reference, or true when given without one (`timeout set` then reads its own group). */
  readonly fromCloudwatch?: string | boolean;
  readonly since?: string;
  readonly fromHistory?: string | boolean;
  readonly margin?: string;
  readonly floor?: string;
}

/** What the recommendation rests on. */
export interface LatencyBasis {
  /** The source, for -o json. */
  readonly source: Record<string, unknown>;
  /** The source in a line, for people. */
  readonly describe: string;
  readonly summary: LatencySummary;
  /** What the source itself warns about (lines without a duration, drains that measure the timeout). */
  readonly advice: readonly Advice[];
}

/** Test seams: how AWS facts are read. */
export interface LatencyDeps {
  readonly insights?: (options: ProviderOptions) => Promise<Pick<AwsGroupInsights, 'latency' | 'close'>>;
}

type SourceKind = 'p99' | 'log' | 'cloudwatch' | 'history';

const SOURCE_FLAGS = '--p99, --from-log, --from-cloudwatch or --from-history';
export const DEFAULT_SINCE = '7d';

/** True when any latency source flag was given. */
export function hasLatencySource(flags: LatencySourceFlags): boolean {
  return flags.p99 !== undefined || flags.fromLog !== undefined || isGiven(flags.fromCloudwatch) || isGiven(flags.fromHistory);
}

function isGiven(value: string | boolean | undefined): boolean {
  return value !== undefined && value !== false;
}

/** Checks the flags before anything is read: exactly one source, and only the options it takes. */
export function checkLatencyFlags(flags: LatencySourceFlags): { kind: SourceKind; options: RecommendOptions } {
  const given: SourceKind[] = [];
  if (flags.p99 !== undefined) given.push('p99');
  if (flags.fromLog !== undefined) given.push('log');
  if (isGiven(flags.fromCloudwatch)) given.push('cloudwatch');
  if (isGiven(flags.fromHistory)) given.push('history');
  if (given.length === 0) throw usageError(`no latency source: give one of ${SOURCE_FLAGS}`, 'e.g. --p99 850ms, or --from-log access.log --format alb');
  if (given.length > 1) throw usageError(`give one latency source, not ${given.length} (${given.map(flagOf).join(', ')})`, `choose one of ${SOURCE_FLAGS}`);
  const kind = given[0]!;
  for (const [flag, value] of [['--format', flags.format], ['--field', flags.field], ['--unit', flags.unit]] as const) {
    if (value !== undefined && kind !== 'log') throw usageError(`${flag} applies to --from-log only`);
  }
  if (flags.since !== undefined && kind !== 'cloudwatch') throw usageError('--since applies to --from-cloudwatch only');
  if (kind === 'log') {
    if (flags.format === undefined) throw usageError('--from-log needs --format alb, elb, haproxy, nginx or jsonl', 'see docs/timeouts.md#log-formats');
    createLineParser({ format: flags.format, field: flags.field, unit: flags.unit });
  }
  if (kind === 'cloudwatch') parseSince(flags.since ?? DEFAULT_SINCE);
  if (kind === 'p99') parseP99(flags.p99!);
  const options: RecommendOptions = {
    margin: flags.margin === undefined ? DEFAULT_MARGIN : parseMargin(flags.margin),
    floorSeconds: flags.floor === undefined ? DEFAULT_FLOOR_SECONDS : parseFloor(flags.floor),
  };
  return { kind, options };
}

function flagOf(kind: SourceKind): string {
  return { p99: '--p99', log: '--from-log', cloudwatch: '--from-cloudwatch', history: '--from-history' }[kind];
}

function parseP99(text: string): number {
  const ms = parseDuration(text, '--p99');
  if (ms <= 0) throw usageError(`invalid --p99 "${text}": a p99 latency must be more than zero`, 'e.g. --p99 850ms');
  return ms / 1000;
}

function parseFloor(text: string): number {
  const seconds = parseDuration(text, '--floor') / 1000;
  if (seconds > 3600) throw usageError(`invalid --floor "${text}": at most 3600s (the longest drain timeout any provider allows)`);
  return seconds;
}

/** `--since`: a duration (ms, s, m, h) or days and weeks (`7d`, `2w`). */
export function parseSince(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)(d|w)\s*$/.exec(text);
  const ms = match ? Number(match[1]) * (match[2] === 'w' ? 7 : 1) * 86_400_000 : parseDuration(text, '--since');
  if (ms < 60_000) throw usageError(`invalid --since "${text}": at least 1m (CloudWatch keeps ELB metrics per minute)`);
  if (ms > 455 * 86_400_000) throw usageError(`invalid --since "${text}": at most 455d (CloudWatch keeps ELB metrics for 15 months)`);
  return ms;
}

/** The provider options the CLI would give a provider, for the AWS clients read here. */
export function providerOptionsOf(ctx: CommandContext): ProviderOptions {
  return {
    region: ctx.options.region,
    profile: ctx.options.profile,
    endpointUrl: ctx.options.endpointUrl,
    env: ctx.env,
    debug: ctx.options.debug ? (line) => ctx.output.debug(line) : undefined,
  };
}

/** Reads the latency from the one source the flags name. `defaultGroup` serves a bare --from-cloudwatch / --from-history. */
export async function resolveLatency(ctx: CommandContext, flags: LatencySourceFlags, kind: SourceKind, defaultGroup: string | undefined, deps: LatencyDeps = {}): Promise<LatencyBasis> {
  if (kind === 'p99') {
    const p99 = parseP99(flags.p99!);
    return { source: { kind: 'p99', p99_ms: ms(p99) }, describe: `given p99 ${fmt(p99)}`, summary: { samples: undefined, p50: undefined, p90: undefined, p99, p999: undefined, max: undefined, relativeError: 0 }, advice: [] };
  }
  if (kind === 'log') {
    const log = await readLatencyLog({ path: flags.fromLog!, format: flags.format!, field: flags.field, unit: flags.unit, signal: ctx.signal });
    const parts = [`${log.samples} request${log.samples === 1 ? '' : 's'}`];
    if (log.unparsed > 0) parts.push(`${log.unparsed} line${log.unparsed === 1 ? '' : 's'} did not parse (first: line ${log.unparsedExamples[0]?.line})`);
    if (log.notApplicable > 0) parts.push(`${log.notApplicable} without a duration`);
    return {
      source: {
        kind: 'log', path: log.path, format: log.format, field: flags.field ?? null, unit: flags.unit ?? null, gzip: log.gzip, bytes: log.bytes, lines: log.lines,
        samples: log.samples, unparsed_lines: log.unparsed, not_applicable: log.notApplicable, blank_lines: log.blank, unparsed_examples: log.unparsedExamples,
      },
      describe: `${log.path === '-' ? 'standard input' : log.path} (${log.format}${log.gzip ? ', gzip' : ''}): ${parts.join('; ')}`,
      summary: log.summary,
      advice: missingDurationAdvice(log.samples, log.notApplicable),
    };
  }
  const groupText = refOf(kind === 'cloudwatch' ? flags.fromCloudwatch : flags.fromHistory, defaultGroup, flagOf(kind));
  const group = parseGroupRef(ctx, groupText);
  if (kind === 'cloudwatch') return fromCloudWatch(ctx, group, groupText, parseSince(flags.since ?? DEFAULT_SINCE), deps);
  return fromHistory(ctx, group, groupText);
}

function refOf(value: string | boolean | undefined, fallback: string | undefined, flag: string): string {
  if (typeof value === 'string') return value;
  if (fallback !== undefined) return fallback;
  throw usageError(`${flag} needs a group reference`, `e.g. ${flag} elbv2:web`);
}

async function fromCloudWatch(ctx: CommandContext, group: GroupRef, groupText: string, sinceMs: number, deps: LatencyDeps): Promise<LatencyBasis> {
  const create = deps.insights ?? (async (o: ProviderOptions) => (await import('../../providers/aws/cloudwatch.js')).AwsGroupInsights.create(o));
  const insights = await create(providerOptionsOf(ctx));
  try {
    const cw = await insights.latency(group, sinceMs, ctx.signal);
    return {
      source: {
        kind: 'cloudwatch', group: groupText, namespace: cw.metric.namespace, metric: cw.metric.metricName, dimensions: cw.metric.dimensionSets,
        since: cw.since.toISOString(), until: cw.until.toISOString(), period_seconds: cw.periodSeconds, datapoints: cw.datapoints,
      },
      describe: `CloudWatch ${cw.metric.namespace} ${cw.metric.metricName} of ${groupText}, ${cw.since.toISOString()} to ${cw.until.toISOString()}${cw.summary.samples === undefined ? '' : `: ${cw.summary.samples} requests`}`,
      summary: cw.summary,
      advice: [],
    };
  } finally {
    insights.close();
  }
}

async function fromHistory(ctx: CommandContext, group: GroupRef, groupText: string): Promise<LatencyBasis> {
  const history = drainHistory(await ctx.ledger(), group);
  if (!history.summary) {
    throw usageError(`no finished drain of ${groupText} in the ledger${history.targets > 0 ? ` (${history.targets} target${history.targets === 1 ? '' : 's'} drained, none recorded as drained)` : ''}`, 'drain with drainctl first, or use --from-log, --from-cloudwatch or --p99');
  }
  const advice: Advice[] = [];
  if (history.measuresTimeout) {
    advice.push({ code: 'drains_measure_timeout', message: `${group.provider} shows a target draining for the whole timeout, so these drains measure the timeout that was set, not how long requests took; prefer --from-log or --from-cloudwatch` });
  }
  if (history.cut > 0) advice.push({ code: 'max_exceeds_timeout', message: `${history.cut} drain${history.cut === 1 ? ' was' : 's were'} cut when the wait ran out; their real durations are longer than recorded here` });
  return {
    source: { kind: 'history', group: groupText, completed: history.completed, cut: history.cut, abandoned: history.abandoned, targets: history.targets, events_read: history.eventsRead, truncated: history.truncated },
    describe: `${history.completed} recorded drain${history.completed === 1 ? '' : 's'} of ${groupText} (drain_requested → drained)`,
    summary: history.summary,
    advice,
  };
}

/** Milliseconds with microsecond precision, or null. */
export function ms(seconds: number | undefined): number | null {
  return seconds === undefined ? null : Math.round(seconds * 1e6) / 1e3;
}

/** The latency part of a result, for -o json. */
export function latencyData(summary: LatencySummary): Record<string, unknown> {
  return {
    samples: summary.samples ?? null,
    p50_ms: ms(summary.p50),
    p90_ms: ms(summary.p90),
    p99_ms: ms(summary.p99),
    p999_ms: ms(summary.p999),
    max_ms: ms(summary.max),
    relative_error: summary.relativeError,
  };
}

/** The latency in a line, for people. */
export function latencyLine(summary: LatencySummary): string {
  const cell = (name: string, v: number | undefined) => `${name} ${v === undefined ? '-' : fmt(v)}`;
  const error = summary.relativeError > 0 ? `   (quantiles ±${(summary.relativeError * 100).toFixed(1)}%)` : '';
  return `  ${[cell('p50', summary.p50), cell('p90', summary.p90), cell('p99', summary.p99), cell('p99.9', summary.p999), cell('max', summary.max)].join('   ')}${error}`;
}

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
export function warn(ctx: CommandContext, advice: readonly Advice[]): void {
  for (const a of advice) ctx.output.event({ type: 'warning', message: a.message, target: undefined });
}

/**
 * `drainctl timeout set <group-ref> [duration] [--p99 … | --from-log … | --from-cloudwatch [ref] | --from-history [ref]]`:
 * with a duration, the plain `timeout set`; with a source, the recommendation for this provider.
 */
export async function timeoutSetFromCommand(ctx: CommandContext, text: string, duration: string | undefined, flags: LatencySourceFlags & { dryRun?: boolean }, deps: LatencyDeps = {}): Promise<CommandResult> {
  if (duration !== undefined && hasLatencySource(flags)) {
    throw usageError(`give either a duration or a latency source (${SOURCE_FLAGS}), not both`, `e.g. drainctl timeout set ${text} 60s, or drainctl timeout set ${text} --p99 850ms`);
  }
  if (duration !== undefined) {
    for (const [flag, value] of [['--margin', flags.margin], ['--floor', flags.floor], ['--format', flags.format], ['--field', flags.field], ['--unit', flags.unit], ['--since', flags.since]] as const) {
      if (value !== undefined) throw usageError(`${flag} applies only with a latency source (${SOURCE_FLAGS}), not with a duration`);
    }
    return (await import('./timeout.js')).timeoutSetCommand(ctx, text, duration, { dryRun: flags.dryRun });
  }
  if (!hasLatencySource(flags)) throw usageError(`timeout set needs a duration or a latency source (${SOURCE_FLAGS})`, `e.g. drainctl timeout set ${text} 60s, or drainctl timeout set ${text} --from-log access.log --format alb`);
  const group = parseGroupRef(ctx, text);
  const { kind, options } = checkLatencyFlags(flags);
  const basis = await resolveLatency(ctx, flags, kind, text, deps);
  const recommendation = recommendDrainTimeout(basis.summary, options, []);
  const provider = await ctx.providers(group.provider, group);
  const what = `${provider.descriptor.syntax.groupNoun} ${group.group}`;
  if (!provider.descriptor.timeout) checkTimeoutInRange(0, undefined, what);
  const fit = fitToLimits(recommendation.seconds, basis.summary, group.provider, provider.descriptor.timeout!);
  const tooLong = fit.advice.find((a) => a.code === 'p99_exceeds_provider_max');
  if (tooLong) {
    throw new DrainctlError('refused', tooLong.message, { hint: `nothing was changed; to set the longest allowed anyway: drainctl timeout set ${text} ${fit.maxSeconds}s`, details: { p99_ms: ms(basis.summary.p99), max_seconds: fit.maxSeconds } });
  }
  const result = await setDrainTimeout({ provider, group, groupText: text, seconds: fit.seconds, ledger: await ctx.ledger(), dryRun: flags.dryRun, signal: ctx.signal });
  const isNlb = ['TCP', 'UDP', 'TLS', 'TCP_UDP'].includes(String(result.previous.extra.protocol ?? ''));
  const advice = [...basis.advice, ...recommendation.advice, ...fit.advice.filter((a) => a.code !== 'nlb_minimum')];
  const floor = provider.descriptor.timeout?.recommendedMin;
  if (isNlb && floor && fit.seconds < floor.seconds) {
    advice.push({ code: 'nlb_minimum', provider: group.provider, message: `${text}: ${floor.why}` });
  }
  warn(ctx, advice);
  const verb = result.dryRun ? 'would change' : 'changed';
  const clampNote = fit.clamped ? ` (${fit.clamped === 'max' ? 'capped at the maximum' : 'raised to the minimum'} ${fit.seconds}s)` : '';
  return {
    kind: 'timeout',
    data: {
      group: formatRef(group),
      dry_run: result.dryRun,
      previous: settingData(result.previous),
      current: settingData(result.current),
      source: basis.source,
      latency: latencyData(basis.summary),
      recommendation: { ...recommendationData(recommendation), provider_seconds: fit.seconds, clamped: fit.clamped ?? null },
      advice,
    },
    text: [
      `${text}: ${verb} drain timeout ${result.previous.seconds ?? '-'}s -> ${result.current.seconds ?? '-'}s${result.previous.enabled ? '' : ' (and enabled draining)'}`,
      `  from ${basis.describe}`,
      latencyLine(basis.summary),
      `  ${recommendation.explanation}${clampNote}`,
      ...cutLine(basis.summary.inflightBeyond?.(fit.seconds), fit.seconds),
    ].join('\n'),
    exitCode: 0,
  };
}
