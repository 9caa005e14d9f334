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

/** Two-sided 95 % Student t quantiles by degrees of freedom (1-30); beyond 30, 2.0 is close enough. */
const T95 = [12.71, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** Mean with a 95 % confidence interval (t distribution); the interval is undefined below two values. */
export function meanCi(values) {
  const n = values.length;
  if (n === 0) return { n, mean: undefined, low: undefined, high: undefined };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, low: undefined, high: undefined };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = (T95[n - 2] ?? 2.0) * (sd / Math.sqrt(n));
  return { n, mean, sd, low: mean - half, high: mean + half };
}
