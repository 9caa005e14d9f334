import { DAY_MS, parseDuration } from '../core/duration.js';
import { usageError } from '../core/errors.js';
import type { Ledger } from '../core/ledger.js';
import type { GroupRef } from '../core/refs.js';
import { createLineParser } from './formats.js';
import { drainHistory } from './history.js';
import { readLatencyLog } from './reader.js';
import { type Advice, DEFAULT_FLOOR_SECONDS, DEFAULT_MARGIN, fmt, missingDurationAdvice, parseMargin, type RecommendOptions } from './recommend.js';
import type { LatencySummary } from './sketch.js';

/**
 * The latency sources behind `timeout recommend` and `timeout set`: --p99, --from-log,
 * --from-cloudwatch and --from-history, with --margin and --floor for the formula. Which source
 * the flags name, whether they fit together, and what each one read, described for people and
 * for -o json. Reading a metrics service or the ledger is the caller's: see LatencyReaders.
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

/** Latency read from a load balancer's metrics (CloudWatch), as the reader returns it. */
export interface MetricLatency {
  readonly metric: { readonly namespace: string; readonly metricName: string; readonly dimensionSets: readonly unknown[] };
  readonly since: Date;
  readonly until: Date;
  readonly periodSeconds: number;
  readonly datapoints: number;
  readonly summary: LatencySummary;
}

/** How the sources that need the outside world reach it; the CLI fills these from its context. */
export interface LatencyReaders {
  readonly signal?: AbortSignal;
  /** Parses a group reference (--from-cloudwatch, --from-history). */
  parseGroup(text: string): GroupRef;
  ledger(): Promise<Ledger>;
  /** The group's latency over the last `sinceMs` from its metrics service. */
  metrics(group: GroupRef, sinceMs: number): Promise<MetricLatency>;
}

export type SourceKind = 'p99' | 'log' | 'cloudwatch' | 'history';

/** The source flags, for messages. */
export const SOURCE_FLAGS = '--p99, --from-log, --from-cloudwatch or --from-history';
export const DEFAULT_SINCE = '7d';
/** The longest p99 accepted: a day. Longer work is not drained but handed over (docs/timeouts.md#long-running-work). */
const MAX_P99_MS = DAY_MS;
/** The longest drain timeout any provider allows. */
const MAX_FLOOR_MS = 3_600_000;
/** CloudWatch keeps ELB metrics for 455 days (15 months). */
const MAX_SINCE_MS = 455 * DAY_MS;

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

/** `--p99`: a latency, so a bare number is refused: `850` is as likely meant in milliseconds as in seconds. */
function parseP99(text: string): number {
  const ms = parseDuration(text, '--p99', { maxMs: MAX_P99_MS, bare: 'refuse' });
  if (ms <= 0) throw usageError(`invalid --p99 "${text}": a p99 latency must be more than zero`, 'e.g. --p99 850ms');
  return ms / 1000;
}

/** `--floor`: a drain timeout, so a bare number means seconds, as in `timeout set`. */
function parseFloor(text: string): number {
  return parseDuration(text, '--floor', { maxMs: MAX_FLOOR_MS, maxReason: 'the longest drain timeout any provider allows' }) / 1000;
}

/** `--since`: a duration (ms, s, m, h) or days and weeks (`7d`, `2w`). */
export function parseSince(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)(d|w)\s*$/.exec(text);
  const ms = match ? Number(match[1]) * (match[2] === 'w' ? 7 : 1) * DAY_MS : parseDuration(text, '--since', { maxMs: MAX_SINCE_MS, maxReason: 'CloudWatch keeps ELB metrics for 15 months' });
  if (ms < 60_000) throw usageError(`invalid --since "${text}": at least 1m (CloudWatch keeps ELB metrics per minute)`);
  if (!(ms <= MAX_SINCE_MS)) throw usageError(`invalid --since "${text}": at most 455d (CloudWatch keeps ELB metrics for 15 months)`);
  return ms;
}

/** Reads the latency from the one source the flags name. `defaultGroup` serves a bare --from-cloudwatch / --from-history. */
export async function resolveLatency(flags: LatencySourceFlags, kind: SourceKind, defaultGroup: string | undefined, readers: LatencyReaders): Promise<LatencyBasis> {
  if (kind === 'p99') {
    const p99 = parseP99(flags.p99!);
    return { source: { kind: 'p99', p99_ms: msOf(p99) }, describe: `given p99 ${fmt(p99)}`, summary: { samples: undefined, p50: undefined, p90: undefined, p99, p999: undefined, max: undefined, relativeError: 0 }, advice: [] };
  }
  if (kind === 'log') return fromLog(flags, readers.signal);
  const groupText = refOf(kind === 'cloudwatch' ? flags.fromCloudwatch : flags.fromHistory, defaultGroup, flagOf(kind));
  const group = readers.parseGroup(groupText);
  if (kind === 'cloudwatch') return fromMetrics(await readers.metrics(group, parseSince(flags.since ?? DEFAULT_SINCE)), groupText);
  return await fromHistory(await readers.ledger(), group, groupText);
}

function refOf(value: string | boolean | undefined, fallback: string | undefined, flag: string): string {
  if (typeof value === 'string') return value;
  if (fallback !== undefined) return fallback;
  throw usageError(`${flag} needs a group reference`, `e.g. ${flag} elbv2:web`);
}

async function fromLog(flags: LatencySourceFlags, signal: AbortSignal | undefined): Promise<LatencyBasis> {
  const log = await readLatencyLog({ path: flags.fromLog!, format: flags.format!, field: flags.field, unit: flags.unit, signal });
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

function fromMetrics(cw: MetricLatency, groupText: string): LatencyBasis {
  return {
    source: {
      kind: 'cloudwatch', group: groupText, namespace: cw.metric.namespace, metric: cw.metric.metricName, dimensions: cw.metric.dimensionSets,
      since: cw.since.toISOString(), until: cw.until.toISOString(), period_seconds: cw.periodSeconds, datapoints: cw.datapoints,
    },
    describe: `CloudWatch ${cw.metric.namespace} ${cw.metric.metricName} of ${groupText}, ${cw.since.toISOString()} to ${cw.until.toISOString()}${cw.summary.samples === undefined ? '' : `: ${cw.summary.samples} requests`}`,
    summary: cw.summary,
    advice: [],
  };
}

async function fromHistory(ledger: Ledger, group: GroupRef, groupText: string): Promise<LatencyBasis> {
  const history = await drainHistory(ledger, group);
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

/** Seconds as milliseconds with microsecond precision, or null. */
export function msOf(seconds: number | undefined): number | null {
  return seconds === undefined ? null : Math.round(seconds * 1e6) / 1e3;
}
