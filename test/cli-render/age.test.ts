/** Relative times in text output: one whole unit, past or future. */
import { describe, expect, it } from 'vitest';
import { relativeTime, timeWithAge } from '../../src/cli/render/age.js';

const NOW = Date.parse('2026-11-22T04:00:00.000Z');
const at = (offset: number): string => new Date(NOW + offset).toISOString();

describe('relativeTime', () => {
  it.each([
    [0, 'just now'],
    [-999, 'just now'],
    [-1000, '1s ago'],
    [-59_999, '59s ago'],
    [-4 * 60_000 - 30_000, '4m ago'],
    [-2 * 3_600_000, '2h ago'],
    [-3 * 86_400_000 - 5 * 3_600_000, '3d ago'],
    [40_000, 'in 40s'],
    [3_600_000 - 1, 'in 59m'],
    [86_400_000, 'in 1d'],
  ])('%d ms from now is %s', (offset, text) => {
    expect(relativeTime(at(offset), NOW)).toBe(text);
  });

  it('leaves a time it cannot read as it is', () => {
    expect(relativeTime('soon', NOW)).toBe('');
    expect(timeWithAge('soon', NOW)).toBe('soon');
    expect(timeWithAge(at(-120_000), NOW)).toBe('2026-11-22T03:58:00.000Z (2m ago)');
  });
});
