// Summary statistics over small samples.

/** Sorted copy. */
function sorted(values) {
  return [...values].sort((a, b) => a - b);
}

/** Median (mean of the middle two for an even count). */
export function median(values) {
  if (values.length === 0) return undefined;
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank percentile (p in 0-100). */
export function percentile(values, p) {
  if (values.length === 0) return undefined;
  const s = sorted(values);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[Math.min(s.length, rank) - 1];
}

/** n, median, p90, min, max. */
export function summarize(values) {
  const s = sorted(values);
  return { n: s.length, median: median(s), p90: percentile(s, 90), min: s[0], max: s[s.length - 1] };
}

/** a / b, or undefined when either is missing or b is 0. */
export function ratio(a, b) {
  if (a === undefined || b === undefined || b === 0) return undefined;
  return a / b;
}
