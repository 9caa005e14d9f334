import { usageError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

/** One day in milliseconds. */
export const DAY_MS = 86_400_000;

/**
 * The longest duration accepted where the caller names no maximum: 7 days. Every duration is
 * bounded at parse time, so a typo like `99999999999h` is invalid input, not a date that cannot
 * be represented half-way through an operation.
 */
export const DEFAULT_MAX_DURATION_MS = 7 * DAY_MS;

/** The longest `--timeout` a waiting command (drain, restore, watch) accepts: 7 days. */
export const MAX_WAIT_MS = 7 * DAY_MS;

/** How a bare number (no unit) is read: as seconds, or refused because the value is one a unit must be given for. */
export type BareNumber = 'seconds' | 'refuse';

/** Limits and reading rules for one flag's duration. */
export interface DurationRules {
  /** Largest accepted value in milliseconds (default DEFAULT_MAX_DURATION_MS). */
  readonly maxMs?: number;
  /** Bare numbers mean seconds (default), or are refused: a latency of `850` is too easily meant as milliseconds. */
  readonly bare?: BareNumber;
  /** Why the maximum is what it is, for the message: "CloudWatch keeps ELB metrics for 15 months". */
  readonly maxReason?: string;
}

/**
 * Parses `300`, `300s`, `5m`, `850ms`, `1h`, `1.5m` into milliseconds, at most `maxMs`
 * (a number is taken as the maximum, for callers that only bound the value).
 * A bare number means seconds, as every load balancer's own setting does, unless `bare: 'refuse'`.
 */
export function parseDuration(text: string, what = 'duration', rules: DurationRules | number = {}): number {
  const { maxMs = DEFAULT_MAX_DURATION_MS, bare = 'seconds', maxReason } = typeof rules === 'number' ? { maxMs: rules } : rules;
  const trimmed = text.trim();
  const match = DURATION.exec(trimmed);
  if (!match) {
    throw usageError(
      `invalid ${what} "${text}": expected a number with an optional unit ms, s, m or h`,
      'examples: 300, 300s, 5m, 850ms, 1h',
    );
  }
  if (match[2] === undefined && bare === 'refuse' && Number(match[1]) !== 0) {
    throw usageError(`invalid ${what} "${text}": a bare number is ambiguous here, give a unit (ms, s, m or h)`, `say which: ${what} ${match[1]}ms or ${what} ${match[1]}s`);
  }
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']!);
  if (!Number.isFinite(ms) || ms > maxMs) {
    throw usageError(`invalid ${what} "${text}": at most ${describeLimit(maxMs)}${maxReason ? `, ${maxReason}` : ''}`, 'give a shorter duration');
  }
  return ms;
}

/** A limit for messages: `1h`, `168h (7 days)`, `10920h (455 days)`. */
export function describeLimit(ms: number): string {
  const days = ms / DAY_MS;
  return Number.isInteger(days) && days >= 1 ? `${formatDuration(ms)} (${days} day${days === 1 ? '' : 's'})` : formatDuration(ms);
}

/** Parses a duration that a provider stores in whole seconds; refuses fractions it would silently round. */
export function parseWholeSeconds(text: string, what = 'duration', maxMs = DEFAULT_MAX_DURATION_MS): number {
  const ms = parseDuration(text, what, maxMs);
  if (ms % 1000 !== 0) {
    throw usageError(`invalid ${what} "${text}": the load balancer stores whole seconds`, `use e.g. ${Math.ceil(ms / 1000)}s`);
  }
  return ms / 1000;
}

/** Formats milliseconds for people: `850ms`, `42s`, `5m`, `5m30s`, `1h2m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return `${h}h${m > 0 ? `${m}m` : ''}${s > 0 ? `${s}s` : ''}`;
  if (m > 0) return `${m}m${s > 0 ? `${s}s` : ''}`;
  return `${s}s`;
}
