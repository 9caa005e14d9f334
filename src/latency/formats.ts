import { usageError } from '../core/errors.js';

/**
 * Per-line duration parsers for the access-log formats drainctl reads. Each works on the raw bytes of
 * one line (no newline) and returns seconds, NOT_APPLICABLE, or UNPARSED: no strings, no regular
 * expressions and no allocation on the hot path, because a log can be many gigabytes.
 */

export const LOG_FORMATS = ['alb', 'elb', 'haproxy', 'nginx', 'jsonl'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const TIME_UNITS = ['ns', 'us', 'ms', 's'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];
const SECONDS_PER: Record<TimeUnit, number> = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1 };

/** The line is a request without a duration of its own (ALB's -1, HAProxy's aborted timers, nginx's "-"). */
export const NOT_APPLICABLE = -1;
/** The line is not in the expected format. */
export const UNPARSED = -2;

/** Returns the line's duration in seconds (≥ 0), NOT_APPLICABLE, or UNPARSED. */
export type LineParser = (buf: Buffer, start: number, end: number) => number;

export interface FormatOptions {
  readonly format: string;
  /** nginx: the key of a key=value field (default: the line's last field); jsonl: a dotted path (required). */
  readonly field?: string;
  /** nginx and jsonl: the field's unit (nginx default s; jsonl default from the field name's suffix). */
  readonly unit?: string;
}

/** Builds the parser for a format, refusing options that do not apply to it. */
export function createLineParser(options: FormatOptions): LineParser {
  const format = options.format as LogFormat;
  if (!LOG_FORMATS.includes(format)) {
    throw usageError(`unknown log format "${options.format}": expected one of ${LOG_FORMATS.join(', ')}`, 'see docs/timeouts.md#log-formats');
  }
  const unit = options.unit === undefined ? undefined : checkUnit(options.unit);
  if (format === 'alb' || format === 'elb' || format === 'haproxy') {
    if (options.field !== undefined) throw usageError(`--field does not apply to --format ${format}: its duration fields are fixed`, 'use --field with --format nginx or jsonl');
    if (unit !== undefined) throw usageError(`--unit does not apply to --format ${format}: its unit is fixed`, 'use --unit with --format nginx or jsonl');
    return format === 'alb' ? albLine : format === 'elb' ? elbLine : haproxyLine;
  }
  if (format === 'nginx') {
    const scale = SECONDS_PER[unit ?? 's'];
    if (options.field === undefined) return (buf, start, end) => lastFieldValue(buf, start, end, scale);
    return keyValueParser(checkFieldName(options.field), scale);
  }
  if (options.field === undefined) throw usageError('--format jsonl needs --field <path>', 'e.g. --field duration_ms or --field timings.total --unit s');
  const path = checkJsonPath(options.field);
  const jsonUnit = unit ?? unitFromFieldName(path[path.length - 1]!);
  if (jsonUnit === undefined) throw usageError(`cannot tell the unit of "${options.field}" from its name`, 'pass --unit ms (or s, us, ns)');
  return jsonLineParser(path, SECONDS_PER[jsonUnit]);
}

/** The unit a JSON field's name implies: duration_ms, latencyMs → ms; elapsed_us → us; took_ns → ns; time_s, durationSeconds → s. */
export function unitFromFieldName(name: string): TimeUnit | undefined {
  if (/(?:^|_|-)ms$|[a-z]Ms$|millis(?:econds)?$/i.test(name)) return 'ms';
  if (/(?:^|_|-)(?:us|µs)$|[a-z]Us$|micros(?:econds)?$/i.test(name)) return 'us';
  if (/(?:^|_|-)ns$|[a-z]Ns$|nanos(?:econds)?$/i.test(name)) return 'ns';
  if (/(?:^|_|-)(?:s|secs?|seconds)$|[a-z](?:Secs?|Seconds)$/.test(name)) return 's';
  return undefined;
}

function checkUnit(text: string): TimeUnit {
  if ((TIME_UNITS as readonly string[]).includes(text)) return text as TimeUnit;
  throw usageError(`unknown --unit "${text}": expected one of ${TIME_UNITS.join(', ')}`);
}

function checkFieldName(text: string): Buffer {
  if (!/^[A-Za-z0-9_.$-]+$/.test(text)) throw usageError(`invalid --field "${text}": expected a key such as request_time`);
  return Buffer.from(`${text.replace(/^\$/, '')}=`, 'latin1');
}

function checkJsonPath(text: string): string[] {
  const path = text.split('.');
  if (text === '' || path.some((p) => p === '')) throw usageError(`invalid --field "${text}": expected a dotted path such as timings.total`);
  return path;
}

const SPACE = 0x20;
const TAB = 0x09;
const DOT = 0x2e;
const MINUS = 0x2d;
const PLUS = 0x2b;
const SLASH = 0x2f;
const QUOTE = 0x22;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const DIGIT_0 = 0x30;

const POW10 = Array.from({ length: 19 }, (_, i) => 10 ** i);

/**
 * Where the last readDecimal stopped. A module-level cursor instead of a returned pair keeps the
 * hot path free of allocation; parsers are synchronous, so nothing can interleave.
 */
let cursor = 0;

/** Reads an optionally negative decimal (`-1`, `0.001`, `12`) at i; NaN when there is no digit. Sets cursor. */
function readDecimal(buf: Buffer, i: number, end: number): number {
  let negative = false;
  if (i < end && buf[i] === MINUS) {
    negative = true;
    i++;
  }
  let value = 0;
  let digits = 0;
  while (i < end) {
    const d = buf[i]! - DIGIT_0;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
    i++;
    digits++;
  }
  if (i < end && buf[i] === DOT) {
    i++;
    let fraction = 0;
    let places = 0;
    while (i < end) {
      const d = buf[i]! - DIGIT_0;
      if (d < 0 || d > 9) break;
      // Digits past the 18th cannot change a double; skip them rather than lose the scale.
      if (places < 18) {
        fraction = fraction * 10 + d;
        places++;
      }
      i++;
      digits++;
    }
    value += fraction / POW10[places]!;
  }
  cursor = i;
  if (digits === 0) return NaN;
  return negative ? -value : value;
}

/** Index of the first byte after `fields` space-separated fields starting at i, or -1. */
function skipFields(buf: Buffer, i: number, end: number, fields: number): number {
  for (let f = 0; f < fields; f++) {
    while (i < end && buf[i] !== SPACE) i++;
    if (i >= end) return -1;
    i++;
  }
  return i;
}

/**
 * Three space-separated times in seconds at i (ALB and Classic ELB): their sum, NOT_APPLICABLE when
 * any is -1 (the load balancer could not dispatch the request, or the target closed or timed out).
 */
function threeTimes(buf: Buffer, i: number, end: number): number {
  if (i < 0) return UNPARSED;
  const a = readDecimal(buf, i, end);
  i = cursor;
  if (i >= end || buf[i] !== SPACE) return UNPARSED;
  const b = readDecimal(buf, i + 1, end);
  i = cursor;
  if (i >= end || buf[i] !== SPACE) return UNPARSED;
  const c = readDecimal(buf, i + 1, end);
  i = cursor;
  if (i < end && buf[i] !== SPACE) return UNPARSED;
  if (a !== a || b !== b || c !== c) return UNPARSED;
  if (a < 0 || b < 0 || c < 0) return a === -1 || b === -1 || c === -1 ? NOT_APPLICABLE : UNPARSED;
  return a + b + c;
}

/**
 * ALB access log: `type time elb client:port target:port request_processing_time
 * target_processing_time response_processing_time …`, times in seconds.
 */
export const albLine: LineParser = (buf, start, end) => threeTimes(buf, skipFields(buf, start, end, 5), end);

/**
 * Classic ELB access log: `time elb client:port backend:port request_processing_time
 * backend_processing_time response_processing_time …`, times in seconds.
 */
export const elbLine: LineParser = (buf, start, end) => threeTimes(buf, skipFields(buf, start, end, 4), end);

/**
 * HAProxy HTTP log (option httplog): `… [accept_date] frontend backend/server TR/Tw/Tc/Tr/Ta status …`.
 * Returns Ta, the total active time of the request (first byte of the request to last byte of the
 * response), in seconds: the time a request keeps a server busy, which is what a drain must outlast.
 * `+Ta` (option logasap) is read as logged. A negative Ta, or a TCP log's three timers, do not count.
 */
export const haproxyLine: LineParser = (buf, start, end) => {
  // The accept date is the first "[" preceded by a space and followed by a digit; the syslog
  // header's "haproxy[pid]:" has no space before its bracket.
  let i = start;
  for (;;) {
    while (i < end && buf[i] !== OPEN_BRACKET) i++;
    if (i + 1 >= end) return UNPARSED;
    if (i > start && buf[i - 1] === SPACE && buf[i + 1]! - DIGIT_0 >= 0 && buf[i + 1]! - DIGIT_0 <= 9) break;
    i++;
  }
  while (i < end && buf[i] !== CLOSE_BRACKET) i++;
  i = skipFields(buf, i, end, 3); // "]", frontend, backend/server
  if (i < 0) return UNPARSED;
  let ta = NaN;
  for (let t = 0; t < 5; t++) {
    if (t > 0) {
      if (i >= end || buf[i] !== SLASH) return UNPARSED;
      i++;
    }
    if (t === 4 && buf[i] === PLUS) i++;
    const value = readDecimal(buf, i, end);
    if (value !== value) return UNPARSED;
    i = cursor;
    if (t === 4) ta = value;
  }
  if (i < end && buf[i] !== SPACE) return UNPARSED;
  return ta < 0 ? NOT_APPLICABLE : ta / 1000;
};

/** A value token [s, e): a number (optionally in double quotes) times scale, "-" as NOT_APPLICABLE. */
function tokenValue(buf: Buffer, s: number, e: number, scale: number): number {
  if (e - s >= 2 && buf[s] === QUOTE && buf[e - 1] === QUOTE) {
    s++;
    e--;
  }
  if (e - s === 1 && buf[s] === MINUS) return NOT_APPLICABLE;
  const value = readDecimal(buf, s, e);
  if (value !== value || cursor !== e || value < 0) return UNPARSED;
  return value * scale;
}

/** nginx with `$request_time` as the last field of its log_format (docs/timeouts.md). */
function lastFieldValue(buf: Buffer, start: number, end: number, scale: number): number {
  let e = end;
  while (e > start && (buf[e - 1] === SPACE || buf[e - 1] === TAB)) e--;
  let s = e;
  while (s > start && buf[s - 1] !== SPACE && buf[s - 1] !== TAB) s--;
  if (s === e) return UNPARSED;
  return tokenValue(buf, s, e, scale);
}

/** nginx key=value logs: the value of `<key>=` at the start of a field (`request_time=0.123`, `rt="0.123"`). */
function keyValueParser(needle: Buffer, scale: number): LineParser {
  const n = needle.length;
  const first = needle[0]!;
  return (buf, start, end) => {
    for (let i = start; i + n <= end; i++) {
      if (buf[i] !== first || (i > start && buf[i - 1] !== SPACE && buf[i - 1] !== TAB)) continue;
      let k = 1;
      while (k < n && buf[i + k] === needle[k]) k++;
      if (k < n) continue;
      const s = i + n;
      let e = s;
      if (e < end && buf[e] === QUOTE) {
        e++;
        while (e < end && buf[e] !== QUOTE) e++;
        e = Math.min(end, e + 1);
      } else {
        while (e < end && buf[e] !== SPACE && buf[e] !== TAB) e++;
      }
      return tokenValue(buf, s, e, scale);
    }
    return UNPARSED;
  };
}

/** JSON lines: the number (or numeric string) at a dotted path, times scale; null or "-" as NOT_APPLICABLE. */
function jsonLineParser(path: readonly string[], scale: number): LineParser {
  return (buf, start, end) => {
    let value: unknown;
    try {
      value = JSON.parse(buf.toString('utf8', start, end));
    } catch {
      return UNPARSED;
    }
    for (const key of path) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return UNPARSED;
      value = (value as Record<string, unknown>)[key];
    }
    if (value === null || value === '-') return NOT_APPLICABLE;
    const number = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(?:\.\d+)?$/.test(value) ? Number(value) : NaN;
    if (!(number >= 0) || !Number.isFinite(number)) return UNPARSED;
    return number * scale;
  };
}
