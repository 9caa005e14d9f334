import { DAY_MS } from './duration.js';
import { usageError } from './errors.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };
// A unit is required: a bare `30` could as well be minutes as seconds when looking back.
const AGO = /^(\d+(?:\.\d+)?)(s|m|h|d|w)$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** How far back `--since` may reach: 10 years. A longer look-back is a typo, not a question. */
export const MAX_SINCE_DAYS = 3650;

/**
 * A point in time from `--since`: how long ago (`30m`, `2h`, `7d`, `2w`) counted from `nowMs`,
 * or an RFC 3339 time (`2026-11-22T03:45:00Z`, any offset). Returns RFC 3339 in UTC with
 * milliseconds, the form the ledger stores, so it compares with stored times as text.
 */
export function parseSinceTime(text: string, nowMs: number, what = '--since'): string {
  const trimmed = text.trim();
  const ago = AGO.exec(trimmed);
  if (ago) {
    const ms = Number(ago[1]) * UNIT_MS[ago[2]!]!;
    if (!(ms <= MAX_SINCE_DAYS * DAY_MS)) throw usageError(`invalid ${what} "${text}": at most ${MAX_SINCE_DAYS}d (10 years) ago`, `e.g. ${what} 30d`);
    return new Date(nowMs - Math.round(ms)).toISOString();
  }
  const at = rfc3339Ms(trimmed);
  if (at === undefined) {
    throw usageError(`invalid ${what} "${text}": expected how long ago (30m, 2h, 7d) or an RFC 3339 time`, `e.g. ${what} 2h or ${what} 2026-11-22T03:45:00Z`);
  }
  return new Date(at).toISOString();
}

/** Milliseconds of an RFC 3339 time, or undefined when it is not one or names no real moment (February 30th). */
function rfc3339Ms(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  // Date.parse rolls February 30th over into March: check the fields against the calendar first.
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || calendar.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.parse(text.replace(' ', 'T'));
  return Number.isFinite(ms) ? ms : undefined;
}
