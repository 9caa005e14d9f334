/** `--since`: how long ago or an RFC 3339 time, to the ledger's timestamp form. */
import { describe, expect, it } from 'vitest';
import { DrainctlError } from '../../src/core/errors.js';
import { parseSinceTime } from '../../src/core/since.js';

const NOW = Date.parse('2026-11-22T04:00:00.000Z');

describe('parseSinceTime', () => {
  it.each([
    ['30s', '2026-11-22T03:59:30.000Z'],
    ['30m', '2026-11-22T03:30:00.000Z'],
    ['2h', '2026-11-22T02:00:00.000Z'],
    ['1.5h', '2026-11-22T02:30:00.000Z'],
    ['7d', '2026-11-15T04:00:00.000Z'],
    ['2w', '2026-11-08T04:00:00.000Z'],
    [' 2h ', '2026-11-22T02:00:00.000Z'],
    ['0m', '2026-11-22T04:00:00.000Z'],
    ['2026-11-22T03:45:00Z', '2026-11-22T03:45:00.000Z'],
    ['2026-11-22t03:45:00.5z', '2026-11-22T03:45:00.500Z'],
    ['2026-11-22T05:45:00+02:00', '2026-11-22T03:45:00.000Z'],
    ['2026-11-22 03:45:00Z', '2026-11-22T03:45:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('%j is %s', (text, iso) => {
    expect(parseSinceTime(text, NOW)).toBe(iso);
  });

  it.each(['yesterday', '', '2', '5 m', '-2h', '2h30m', '1y', '2026-11-22', '2026-11-22T03:45:00', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-11-22T24:00:00Z', '2026-11-22T03:45:00+25:00'])(
    'refuses %j as a usage error naming the flag and both forms',
    (text) => {
      let error: unknown;
      try {
        parseSinceTime(text, NOW);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DrainctlError);
      expect((error as DrainctlError).kind).toBe('usage');
      expect((error as DrainctlError).message).toBe(`invalid --since "${text}": expected how long ago (30m, 2h, 7d) or an RFC 3339 time`);
      expect((error as DrainctlError).hint).toBe('e.g. --since 2h or --since 2026-11-22T03:45:00Z');
    },
  );

  it('refuses a look-back of more than 10 years', () => {
    expect(parseSinceTime('3650d', NOW)).toBe(new Date(NOW - 3650 * 86_400_000).toISOString());
    expect(() => parseSinceTime('3651d', NOW)).toThrow(/^invalid --since "3651d": at most 3650d \(10 years\) ago$/);
    expect(() => parseSinceTime(`${'9'.repeat(400)}h`, NOW)).toThrow(/at most 3650d/);
  });
});
