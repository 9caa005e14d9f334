import fs from 'node:fs';
import Database from 'better-sqlite3';
import { LEDGER_FIX_HINT, LedgerError } from './errors.js';

/** The first 16 bytes of every SQLite database file. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Opens an existing ledger for reading without creating, locking or changing anything beside
 * it; undefined when there is no ledger yet (no file, or an empty one).
 *
 * SQLite opens a WAL database read-only only if it can create the -wal and -shm files next to
 * it: impossible in a directory the reader cannot write, and where it can, the files it leaves
 * behind belong to the reader and can block the owner's next write. With no log beside it the
 * file holds every committed page, so a private copy of it is the ledger as last committed.
 */
export function openReadOnly(path: string): Database.Database | undefined {
  const before = statLedger(path);
  if (!before || before.size === 0) return undefined;
  // A log means a drainctl has the ledger open (or stopped without closing it): read through it.
  if (fs.existsSync(`${path}-wal`)) return openInPlace(path);
  const image = readLedger(path);
  const after = statLedger(path);
  // A writer that started while we copied may have changed pages under us: read through its log instead.
  if (fs.existsSync(`${path}-wal`) || !after || after.mtimeMs !== before.mtimeMs || after.size !== before.size) return openInPlace(path);
  return new Database(asRollbackImage(image), { readonly: true });
}

function openInPlace(path: string): Database.Database {
  return new Database(path, { readonly: true, fileMustExist: true });
}

// The header's WAL marker (bytes 18 and 19) sends SQLite looking for a log that an in-memory
// copy cannot have; marked as a rollback-journal file, the same pages read as the same database.
function asRollbackImage(image: Buffer): Buffer {
  const isWal = image.length >= 100 && image.subarray(0, 16).equals(SQLITE_MAGIC) && image[18] === 2 && image[19] === 2;
  if (!isWal) return image;
  image[18] = 1;
  image[19] = 1;
  return image;
}

function statLedger(path: string): fs.Stats | undefined {
  try {
    const stat = fs.statSync(path);
    if (stat.isDirectory()) throw new LedgerError(path, `ledger ${path} is a directory, not a file; ${LEDGER_FIX_HINT}`);
    return stat;
  } catch (error) {
    if (error instanceof LedgerError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unreadable(path, error);
  }
}

function readLedger(path: string): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (error) {
    throw unreadable(path, error);
  }
}

function unreadable(path: string, error: unknown): LedgerError {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  return new LedgerError(path, `ledger ${path} cannot be read (${code}); check its permissions or ${LEDGER_FIX_HINT}`, { cause: error });
}
