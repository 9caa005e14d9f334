import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_DURATION_MS, formatDuration, parseDuration, parseWholeSeconds } from '../../src/core/duration.js';
import { DrainctlError } from '../../src/core/errors.js';

describe('parseDuration', () => {
  it.each([
    ['300', 300_000],
    ['300s', 300_000],
    ['5m', 300_000],
    ['850ms', 850],
    ['1h', 3_600_000],
    ['1.5m', 90_000],
    ['0', 0],
    [' 42s ', 42_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'abc', '5 m', '-5s', '5d', '1e3', 's', '5mm', '1h30m'])('refuses %j as a usage error', (text) => {
    expect(() => parseDuration(text, '--timeout')).toThrow(DrainctlError);
    try {
      parseDuration(text, '--timeout');
    } catch (error) {
      expect((error as DrainctlError).kind).toBe('usage');
      expect((error as DrainctlError).message).toContain('--timeout');
    }
  });

  it.each(['99999999999h', `${'9'.repeat(400)}s`, '169h'])('refuses %s above the default maximum of 7 days', (text) => {
    expect(() => parseDuration(text, '--timeout')).toThrow(/^invalid --timeout ".*": at most 168h \(7 days\)$/);
  });

  it('takes a maximum per flag, with its reason', () => {
    expect(parseDuration('1h', '--floor', 3_600_000)).toBe(3_600_000);
    expect(() => parseDuration('3601s', '--floor', { maxMs: 3_600_000, maxReason: 'the longest drain timeout' })).toThrow(/^invalid --floor "3601s": at most 1h, the longest drain timeout$/);
    expect(parseDuration('168h')).toBe(DEFAULT_MAX_DURATION_MS);
  });

  it('refuses a bare number where a unit is required, except zero', () => {
    expect(() => parseDuration('850', '--p99', { bare: 'refuse' })).toThrow(/^invalid --p99 "850": a bare number is ambiguous here, give a unit/);
    expect(parseDuration('850ms', '--p99', { bare: 'refuse' })).toBe(850);
    expect(parseDuration('0', '--p99', { bare: 'refuse' })).toBe(0);
    expect(parseDuration('850')).toBe(850_000);
  });

  it('whole seconds refuse fractions the provider would round', () => {
    expect(parseWholeSeconds('90s')).toBe(90);
    expect(() => parseWholeSeconds('850ms')).toThrow(/whole seconds/);
    expect(() => parseWholeSeconds('99999999999h', 'drain timeout')).toThrow(/at most 168h/);
  });
});

describe('formatDuration', () => {
  it.each([
    [850, '850ms'],
    [42_000, '42s'],
    [300_000, '5m'],
    [330_000, '5m30s'],
    [3_720_000, '1h2m'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
