import { describe, expect, it } from 'vitest';
import { DrainctlError } from '../../src/core/errors.js';
import {
  checkMargin,
  DEFAULT_FLOOR_SECONDS,
  DEFAULT_MARGIN,
  fitToProvider,
  missingDurationAdvice,
  parseMargin,
  PROVIDER_TIMEOUT_RANGES,
  recommendDrainTimeout,
  roundUpTimeout,
} from '../../src/latency/recommend.js';
import type { LatencySummary } from '../../src/latency/sketch.js';
import { elbDescriptor } from '../../src/providers/aws-elb/descriptor.js';
import { elbv2Descriptor } from '../../src/providers/aws-elbv2/descriptor.js';

function summary(p99: number, extra: Partial<LatencySummary> = {}): LatencySummary {
  return { samples: 10_000, p50: p99 / 10, p90: p99 / 2, p99, p999: p99, max: p99, relativeError: 0.005, ...extra };
}

const codes = (advice: readonly { code: string }[]) => advice.map((a) => a.code);

describe('the formula: roundUp(max(floor, p99 × margin))', () => {
  it.each([
    // [p99 s, margin, floor s, recommended s]  — the first four are the seed guidance's table
    [0.5, 2, 30, 30], // REST API, p99 < 500 ms → 30 s
    [2, 2, 30, 30], // web server, p99 < 2 s → 30-60 s
    [10, 2, 30, 30], // "slowest requests 10 s → 30 s is reasonable"
    [300, 2, 30, 600], // upload service, up to 5 min → 10 min
    [20, 2, 30, 40],
    [37.2, 2, 30, 75], // 74.4 → next 5 s
    [200, 2, 30, 420], // 400 → next 30 s above 5 min
    [1000, 2, 30, 2040], // 2000 → next whole minute above 30 min
    [0.2, 2, 0, 5], // no floor: at least one 5 s step
    [20, 1, 30, 30],
    [20, 3.5, 30, 70],
  ])('p99 %ss × %s, floor %ss → %ss', (p99, margin, floorSeconds, expected) => {
    const r = recommendDrainTimeout(summary(p99), { margin, floorSeconds });
    expect(r.seconds).toBe(expected);
    expect(r.basis).toBe(p99 * margin > floorSeconds ? 'p99' : 'floor');
  });

  it('defaults to margin 2 and a 30 s floor', () => {
    expect([DEFAULT_MARGIN, DEFAULT_FLOOR_SECONDS]).toEqual([2, 30]);
    const r = recommendDrainTimeout(summary(1.21));
    expect(r).toMatchObject({ seconds: 30, margin: 2, floorSeconds: 30, basis: 'floor' });
    expect(r.explanation).toBe('p99 1.21s × margin 2 = 2.42s is under the 30s floor');
    expect(recommendDrainTimeout(summary(37.2)).explanation).toBe('p99 37.2s × margin 2 = 74.4s, rounded up to 75s');
  });

  it('rounding never goes down and never decreases as its input grows', () => {
    let previous = 0;
    for (let s = 0; s <= 4000; s += 0.25) {
      const r = roundUpTimeout(s);
      expect(r).toBeGreaterThanOrEqual(s);
      expect(r).toBeGreaterThanOrEqual(previous);
      previous = r;
    }
    expect([roundUpTimeout(300), roundUpTimeout(301), roundUpTimeout(1800), roundUpTimeout(1801)]).toEqual([300, 330, 1800, 1860]);
  });

  it.each([['0'], ['-1'], ['0.5'], ['11'], ['100'], ['abc'], ['2y'], ['']])('refuses the margin %j with a usage error', (text) => {
    expect(() => parseMargin(text)).toThrow(DrainctlError);
    try {
      parseMargin(text);
    } catch (error) {
      expect((error as DrainctlError).kind).toBe('usage');
      expect((error as DrainctlError).message).toMatch(/--margin/);
    }
  });

  it('accepts margins from 1 to 10, with or without an x', () => {
    expect([parseMargin('1'), parseMargin('2x'), parseMargin('1.5'), parseMargin('10')]).toEqual([1, 2, 1.5, 10]);
    expect(() => checkMargin(Number.NaN)).toThrow(/--margin/);
    expect(() => recommendDrainTimeout(summary(1), { margin: -2 })).toThrow(/margin/);
  });
});

describe('fitting each provider', () => {
  it('lists every provider drainctl knows, with its range', () => {
    const r = recommendDrainTimeout(summary(20));
    expect(r.providers.map((p) => [p.provider, p.minSeconds, p.maxSeconds, p.seconds])).toEqual([
      ['elbv2', 0, 3600, 40],
      ['elb', 1, 3600, 40],
      ['gcp-bs', 0, 3600, 40],
      ['azure-agw', 1, 3600, 40],
    ]);
  });

  it('the rows are the providers\' own declared limits', () => {
    expect(PROVIDER_TIMEOUT_RANGES.find((r) => r.provider === 'elbv2')).toMatchObject({ minSeconds: elbv2Descriptor.timeout!.minSeconds, maxSeconds: elbv2Descriptor.timeout!.maxSeconds });
    expect(PROVIDER_TIMEOUT_RANGES.find((r) => r.provider === 'elb')).toMatchObject({ minSeconds: elbDescriptor.timeout!.minSeconds, maxSeconds: elbDescriptor.timeout!.maxSeconds });
  });

  it('caps at the maximum when p99 × margin is above it (p99 itself still fits)', () => {
    const r = recommendDrainTimeout(summary(2000));
    for (const p of r.providers) {
      expect(p).toMatchObject({ seconds: 3600, clamped: 'max' });
      expect(codes(p.advice)).toContain('clamped_to_provider_max');
      expect(codes(p.advice)).not.toContain('p99_exceeds_provider_max');
    }
    expect(r.providers[0]!.advice.find((a) => a.code === 'clamped_to_provider_max')?.message).toContain('a margin of only 1.80 over p99');
  });

  it('says draining is the wrong tool when p99 is above the maximum, pointing at the queue pattern', () => {
    const r = recommendDrainTimeout(summary(7200));
    for (const p of r.providers) {
      const advice = p.advice.find((a) => a.code === 'p99_exceeds_provider_max');
      expect(advice?.message).toMatch(/draining is the wrong tool/);
      expect(advice?.message).toMatch(/stop taking new work.*queue/i);
      expect(p.seconds).toBe(3600);
    }
  });

  it('raises to the minimum where the provider has one', () => {
    const fit = fitToProvider(0, summary(0.001), { provider: 'elb', minSeconds: 1, maxSeconds: 3600 });
    expect(fit).toMatchObject({ seconds: 1, clamped: 'min' });
    expect(codes(fit.advice)).toEqual(['raised_to_provider_min']);
    expect(fitToProvider(0, summary(0.001), { provider: 'gcp', minSeconds: 0, maxSeconds: 3600 }).clamped).toBeUndefined();
  });

  it('notes the NLB minimum of 120 s on elbv2 only, and only below it', () => {
    const low = recommendDrainTimeout(summary(20));
    expect(codes(low.providers.find((p) => p.provider === 'elbv2')!.advice)).toEqual(['nlb_minimum']);
    expect(low.providers.filter((p) => p.provider !== 'elbv2').every((p) => p.advice.length === 0)).toBe(true);
    expect(codes(recommendDrainTimeout(summary(60)).providers[0]!.advice)).toEqual([]);
  });
});

describe('advice about the latency', () => {
  it('warns when p99.9 or the maximum exceed the recommendation', () => {
    const r = recommendDrainTimeout(summary(20, { p999: 45, max: 300 }));
    expect(r.seconds).toBe(40);
    expect(codes(r.advice)).toEqual(['p999_exceeds_timeout', 'max_exceeds_timeout']);
    expect(r.advice[0]!.message).toContain('p99.9 45s');
    expect(r.advice[1]!.message).toContain('300s');
  });

  it('stays quiet when everything fits', () => {
    expect(recommendDrainTimeout(summary(20, { p999: 30, max: 39 })).advice).toEqual([]);
  });

  it('warns on few samples, and says nothing about samples for a given --p99', () => {
    expect(codes(recommendDrainTimeout(summary(1, { samples: 42 })).advice)).toEqual(['few_samples']);
    expect(recommendDrainTimeout(summary(1, { samples: undefined, p999: undefined, max: undefined })).advice).toEqual([]);
  });

  it('warns when more than 1% of requests were logged without a duration', () => {
    expect(missingDurationAdvice(990, 10)).toEqual([]);
    expect(codes(missingDurationAdvice(980, 20))).toEqual(['requests_without_duration']);
    expect(missingDurationAdvice(980, 20)[0]!.message).toContain('20 requests (2.0%)');
  });

  it('warns when more than 1% of the requests in flight at a drain would outlast the timeout', () => {
    const fake = (share: number) => summary(0.1, { inflightBeyond: () => share });
    expect(recommendDrainTimeout(fake(0.009)).advice).toEqual([]);
    const r = recommendDrainTimeout(fake(0.5), { floorSeconds: 0 });
    expect(r.inflightCutShare).toBe(0.5);
    expect(codes(r.advice)).toEqual(['inflight_cut']);
    expect(r.advice[0]!.message).toContain('about 50.0% of the requests in flight when a drain starts would still be running after 5s');
    expect(recommendDrainTimeout(summary(1)).inflightCutShare).toBeUndefined();
  });

  it('refuses a p99 that is not positive', () => {
    expect(() => recommendDrainTimeout(summary(0))).toThrow(DrainctlError);
    expect(() => recommendDrainTimeout(summary(Number.NaN))).toThrow(DrainctlError);
  });
});
