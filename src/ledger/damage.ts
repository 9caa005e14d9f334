import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { LedgerError } from './errors.js';

/** SQLite's own words for a damaged file, used when a structural check finds a fault. */
const MALFORMED = 'database disk image is malformed';

/**
 * What is wrong with a ledger whose pages do not hold together, or undefined when nothing is.
 * A damaged page does not always make a query fail: an instance page zeroed in the middle reads
 * as "no rows", which would make `history` and `status` report nothing and `restore` lose the
 * recorded registration. quick_check reads every page (a few ms per MB); the instance table,
 * one row per target, also gets the full check, which compares it with its unique index and so
 * catches rows whose key bytes were changed in place.
 */
export function findDamage(db: Database.Database): string | undefined {
  const hasInstances = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'instance'").get() !== undefined;
  const checks = hasInstances ? ['integrity_check(instance)', 'quick_check'] : ['quick_check'];
  for (const check of checks) {
    const first = Object.values((db.pragma(check) as Record<string, string>[])[0] ?? {})[0] ?? 'ok';
    if (first !== 'ok') return `${MALFORMED}: ${first.replace(/^\*\*\* in database main \*\*\*\n/, '').split('\n')[0]}`;
  }
  return undefined;
}

/** The one line for a damaged ledger: what is wrong and the exact commands that move it aside (build it once the file is closed). */
export function damagedError(path: string, reason: string, cause?: unknown): LedgerError {
  return new LedgerError(
    path,
    `the ledger ${path} is damaged (${reason}); move it aside (${moveAsideCommand(path)}) and drainctl starts a new one`,
    { cause, problem: 'damaged' },
  );
}

// A stale write-ahead log left beside a new ledger of the same name would be replayed into it,
// so it moves with the file it belongs to.
function moveAsideCommand(path: string): string {
  const files = [path, ...['-wal', '-shm'].map((suffix) => `${path}${suffix}`).filter((f) => fs.existsSync(f))];
  return files.map((f) => `mv ${shellWord(f)} ${shellWord(`${path}.damaged${f.slice(path.length)}`)}`).join('; ');
}

/** The path as one word a shell reads back unchanged, so the printed command can be pasted. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
