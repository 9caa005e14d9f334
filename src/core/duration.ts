import { usageError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

/**
 * Parses `300`, `300s`, `5m`, `850ms`, `1h`, `1.5m` into milliseconds.
 * A bare number means seconds, as every load balancer's own setting does.
 */
export function parseDuration(text: string, what = 'duration'): number {
  const trimmed = text.trim();
  const match = DURATION.exec(trimmed);
  if (!match) {
    throw usageError(
      `invalid ${what} "${text}": expected a number with an optional unit ms, s, m or h`,
      'examples: 300, 300s, 5m, 850ms, 1h',
    );
  }
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']!);
  if (!Number.isFinite(ms)) throw usageError(`invalid ${what} "${text}": too large`);
  return ms;
}

/** Parses a duration that a provider stores in whole seconds; refuses fractions it would silently round. */
export function parseWholeSeconds(text: string, what = 'duration'): number {
  const ms = parseDuration(text, what);
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
