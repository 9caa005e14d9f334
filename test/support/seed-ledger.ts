/** Writes ledger rows the way other runners would have, for tests of the commands that read the ledger. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { expect } from 'vitest';
import type { EventInputArg, InstanceKey, InstanceUpdate } from '../../src/core/ledger.js';
import { openSqliteLedger } from '../../src/ledger/index.js';

/** One row as a runner left it: its key, its fields, and the event that wrote them. */
export interface SeedRow {
  readonly key: InstanceKey;
  readonly update: InstanceUpdate;
  readonly event: EventInputArg;
}

/** Writes `rows` in order into the SQLite ledger at `path` (created when missing), then closes it. */
export async function seedLedger(path: string, rows: readonly SeedRow[]): Promise<void> {
  const ledger = openSqliteLedger(path);
  try {
    for (const r of rows) await ledger.record(r.key, r.update, r.event);
  } finally {
    await ledger.close();
  }
}

/** The ledger file's content hash and the files beside it, to show a command changed nothing. */
export function ledgerFingerprint(path: string): string {
  const content = existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : 'missing';
  const siblings = existsSync(dirname(path)) ? readdirSync(dirname(path)).filter((f) => f.startsWith(basename(path))).sort() : [];
  return `${content} ${siblings.join(',')}`;
}

/**
 * Runs a command that must be refused as a usage error: exit 2, nothing on stdout, one stderr
 * line (equal to `stderr` when a string, matching it when a pattern), and the ledger at `path`
 * byte for byte as it was.
 */
export async function expectRefusedLeavingLedger(path: string, run: () => Promise<{ code: number; stdout: string; stderr: string }>, stderr: string | RegExp): Promise<void> {
  const before = ledgerFingerprint(path);
  const result = await run();
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(1);
  if (typeof stderr === 'string') expect(lines[0]).toBe(stderr);
  else expect(lines[0]).toMatch(stderr);
  expect(ledgerFingerprint(path)).toBe(before);
}
