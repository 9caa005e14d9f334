import { describe, expect, it } from 'vitest';
import { QuantileSketch, SKETCH_RELATIVE_ACCURACY } from '../../src/latency/sketch.js';

/** A deterministic PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
}

/** The value the sketch estimates: rank ⌊q·(n−1)⌋ of the sorted values. */
function exact(sorted: Float64Array, q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

const DISTRIBUTIONS: [string, (r: () => number) => number][] = [
  ['log-normal web latency', (r) => Math.exp(Math.log(0.04) + 0.8 * normal(r))],
  ['heavy tail (1% up to 200x slower)', (r) => (r() < 0.01 ? 5 + 200 * r() * r() : 0.02 + 0.3 * r())],
  ['Pareto', (r) => 0.01 / Math.pow(Math.max(r(), 1e-12), 1 / 1.2)],
  ['uniform 0-10 s', (r) => 10 * r()],
  ['bimodal cache hit/miss', (r) => (r() < 0.8 ? 0.001 + 0.002 * r() : 0.4 + 0.6 * r())],
  ['millisecond-rounded ALB times', (r) => Math.round(Math.exp(Math.log(0.05) + normal(r)) * 1000) / 1000],
  ['long jobs (minutes to hours)', (r) => 60 + 7200 * r() * r()],
];

describe('QuantileSketch error bound', () => {
  it.each(DISTRIBUTIONS)('%s: p50, p90, p99, p99.9 within 1%% of the exact quantile (0.5%% by construction)', (_name, draw) => {
    const random = prng(7);
    const n = 200_000;
    const values = new Float64Array(n);
    const sketch = new QuantileSketch();
    for (let i = 0; i < n; i++) {
      values[i] = draw(random);
      sketch.add(values[i]!);
    }
    values.sort();
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const truth = exact(values, q);
      const estimate = sketch.quantile(q)!;
      const error = truth === 0 ? Math.abs(estimate) : Math.abs(estimate - truth) / truth;
      expect(error, `q=${q}: estimate ${estimate} vs exact ${truth}`).toBeLessThanOrEqual(SKETCH_RELATIVE_ACCURACY + 1e-12);
      expect(error).toBeLessThanOrEqual(0.01);
    }
    expect(sketch.max).toBe(values[n - 1]);
    expect(sketch.min).toBe(values[0]);
    expect(sketch.count).toBe(n);
  });

  it('holds for small samples too (p99 of 10 values is the rank-8 value)', () => {
    const sketch = new QuantileSketch();
    const values = [0.12, 0.5, 0.031, 2.5, 0.9, 0.044, 1.7, 0.3, 0.25, 0.08];
    values.forEach((v) => sketch.add(v));
    const sorted = new Float64Array(values).sort();
    for (const q of [0.5, 0.9, 0.99]) expect(Math.abs(sketch.quantile(q)! - exact(sorted, q)) / exact(sorted, q)).toBeLessThanOrEqual(0.005);
  });

  it('keeps zeros and sub-microsecond values apart from the log buckets', () => {
    const sketch = new QuantileSketch();
    for (let i = 0; i < 990; i++) sketch.add(0);
    for (let i = 0; i < 10; i++) sketch.add(1);
    expect(sketch.quantile(0.5)).toBe(0);
    expect(sketch.quantile(0.99)).toBe(0);
    expect(sketch.quantile(0.999)).toBeCloseTo(1, 2);
    expect(sketch.summary()?.max).toBe(1);
  });

  it('uses the same fixed memory whatever it counts', () => {
    const a = new QuantileSketch();
    const b = new QuantileSketch();
    for (let i = 1; i <= 1000; i++) b.add(i / 1000);
    const buckets = (s: QuantileSketch) => (s as unknown as { counts: Float64Array }).counts.length;
    expect(buckets(a)).toBe(buckets(b));
    expect(buckets(a) * 8).toBeLessThan(32 * 1024);
  });

  it('merges as if every value had been added to one sketch', () => {
    const random = prng(3);
    const all = new QuantileSketch();
    const parts = [new QuantileSketch(), new QuantileSketch()];
    for (let i = 0; i < 10_000; i++) {
      const v = Math.exp(normal(random));
      all.add(v);
      parts[i % 2]!.add(v);
    }
    parts[0]!.merge(parts[1]!);
    for (const q of [0.5, 0.99, 0.999]) expect(parts[0]!.quantile(q)).toBe(all.quantile(q));
  });

  it('reports nothing when empty, and refuses quantiles outside [0, 1]', () => {
    const sketch = new QuantileSketch();
    expect(sketch.quantile(0.99)).toBeUndefined();
    expect(sketch.summary()).toBeUndefined();
    sketch.add(1);
    expect(() => sketch.quantile(1.5)).toThrow(RangeError);
    expect(() => new QuantileSketch(0)).toThrow(RangeError);
  });
});

describe('QuantileSketch.inflightBeyond: the share of in-flight requests still running t seconds later', () => {
  it('matches E[(X − t)⁺] / E[X] computed exactly, within the sketch accuracy', () => {
    const random = prng(11);
    const draw = DISTRIBUTIONS[1]![1];
    const values: number[] = [];
    const sketch = new QuantileSketch();
    for (let i = 0; i < 100_000; i++) {
      const v = draw(random);
      values.push(v);
      sketch.add(v);
    }
    const mean = values.reduce((a, b) => a + b, 0);
    for (const t of [0, 0.1, 1, 5, 30, 500]) {
      const truth = values.reduce((a, v) => a + Math.max(0, v - t), 0) / mean;
      expect(Math.abs(sketch.inflightBeyond(t) - truth), `t=${t}`).toBeLessThanOrEqual(0.011 * Math.max(truth, 0.01));
    }
    expect(sketch.inflightBeyond(0)).toBeCloseTo(1, 2);
    expect(sketch.inflightBeyond(1e6)).toBe(0);
  });

  it('shows why p99 alone is not enough: long requests dominate what is in flight', () => {
    const sketch = new QuantileSketch();
    // 99 fast requests of 100 ms for every slow one of 20 s: p99 is 100 ms…
    for (let i = 0; i < 9900; i++) sketch.add(0.1);
    for (let i = 0; i < 100; i++) sketch.add(20);
    expect(sketch.quantile(0.99)).toBeCloseTo(0.1, 3);
    // …yet about two thirds of what is in flight at any moment is a slow request with most of its 20 s ahead.
    expect(sketch.inflightBeyond(2 * 0.1)).toBeGreaterThan(0.6);
    expect(sketch.inflightBeyond(30)).toBe(0);
  });
});
