import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseWholeSeconds } from '../../src/core/duration.js';
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

  it('whole seconds refuse fractions the provider would round', () => {
    expect(parseWholeSeconds('90s')).toBe(90);
    expect(() => parseWholeSeconds('850ms')).toThrow(/whole seconds/);
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
