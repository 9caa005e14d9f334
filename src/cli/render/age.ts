const UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/**
 * How far a time is from `nowMs`, for people, in its largest whole unit: `4m ago`, `2h ago`,
 * `in 40s`. Text output only; machine output keeps the RFC 3339 time. Empty for a time that
 * cannot be read, so the time itself still shows.
 */
export function relativeTime(at: string, nowMs: number): string {
  const ms = Date.parse(at);
  if (!Number.isFinite(ms)) return '';
  const distance = Math.abs(nowMs - ms);
  if (distance < 1000) return 'just now';
  const [unit, size] = UNITS.find(([, size]) => distance >= size)!;
  const amount = `${Math.floor(distance / size)}${unit}`;
  return ms <= nowMs ? `${amount} ago` : `in ${amount}`;
}

/** A time with how far it is from now: `2026-11-22T03:45:13.243Z (4m ago)`. */
export function timeWithAge(at: string, nowMs: number): string {
  const age = relativeTime(at, nowMs);
  return age === '' ? at : `${at} (${age})`;
}
