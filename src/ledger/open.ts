import fs from 'node:fs';
import nodePath from 'node:path';
import Database from 'better-sqlite3';
import { damagedError, findDamage } from './damage.js';
import { LEDGER_FIX_HINT, LedgerError } from './errors.js';
import { LEDGER_APPLICATION_ID, MIGRATIONS, migrate, refuseNewer, refuseOlder, userVersion, type Migration } from './migrations.js';
import { openReadOnly } from './read-only.js';

/** Several drainctl processes (a CI job and an operator) may write one ledger at once. */
export const BUSY_TIMEOUT_MS = 5000;

/** What a caller does with the ledger: `read` never creates, migrates or writes the file. */
export type LedgerAccess = 'read' | 'write';

/** Opens, checks and (for writing) migrates the SQLite file behind a ledger, or throws a LedgerError. */
export function openDatabase(path: string, access: LedgerAccess = 'write', migrations: readonly Migration[] = MIGRATIONS): Database.Database {
  if (path === '') throw new LedgerError(path, `ledger path is empty; ${LEDGER_FIX_HINT}`);
  return access === 'read' && path !== ':memory:' ? openForReading(path, migrations) : openForWriting(path, migrations);
}

function openForWriting(path: string, migrations: readonly Migration[]): Database.Database {
  if (path !== ':memory:') prepareFile(path);
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    // Before anything that takes a lock, so even the WAL switch and migrations wait their turn.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Before the first write: writing into a damaged file can spread the damage.
    refuseDamaged(db, path);
    // WAL lets readers (`drainctl history`) run while a drain is writing.
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    checkOwnership(db, path);
    migrate(db, path, migrations);
    return db;
  } catch (error) {
    db?.close();
    throw toLedgerError(path, error);
  }
}

// Reading needs no write access anywhere, and a ledger that does not exist yet reads as empty
// without being created.
function openForReading(path: string, migrations: readonly Migration[]): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = openReadOnly(path);
    if (!db) return openForWriting(':memory:', migrations);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    refuseDamaged(db, path);
    checkOwnership(db, path);
    const found = userVersion(db);
    const latest = migrations.at(-1)?.version ?? 0;
    // Schema 0 is a file drainctl created but never got to write: nothing recorded.
    if (found === 0) {
      db.close();
      return openForWriting(':memory:', migrations);
    }
    refuseNewer(path, found, latest);
    refuseOlder(path, found, latest);
    return db;
  } catch (error) {
    db?.close();
    throw toLedgerError(path, error);
  }
}

// Closed first, so the way out it prints names only the files that are left.
function refuseDamaged(db: Database.Database, path: string): void {
  const damage = findDamage(db);
  if (damage === undefined) return;
  db.close();
  throw damagedError(path, damage);
}

/** Turns a SQLite failure into one line naming the path and the fix; other errors pass through. */
export function toLedgerError(path: string, error: unknown): unknown {
  if (error instanceof LedgerError || !(error instanceof Database.SqliteError)) return error;
  const reason = `${error.code}: ${error.message}`;
  if (error.code.startsWith('SQLITE_CORRUPT')) return damagedError(path, error.message, error);
  if (error.code === 'SQLITE_NOTADB') {
    return new LedgerError(path, `ledger ${path} is not a drainctl ledger (file is not a database); ${LEDGER_FIX_HINT}`, { cause: error });
  }
  if (error.code.startsWith('SQLITE_READONLY') || error.code.startsWith('SQLITE_CANTOPEN')) {
    return new LedgerError(path, `ledger ${path} cannot be written (${reason}); check its permissions or ${LEDGER_FIX_HINT}`, { cause: error });
  }
  if (error.code.startsWith('SQLITE_BUSY')) {
    return new LedgerError(path, `ledger ${path} stayed locked by another process for ${BUSY_TIMEOUT_MS} ms (${reason}); retry, or ${LEDGER_FIX_HINT}`, { cause: error });
  }
  return new LedgerError(path, `ledger ${path} failed (${reason}); ${LEDGER_FIX_HINT}`, { cause: error });
}

// Creating the file ourselves (SQLite would use 0644) keeps drain history private;
// SQLite then gives the -wal and -shm files the same mode as the database.
function prepareFile(path: string): void {
  const dir = nodePath.dirname(nodePath.resolve(path));
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new LedgerError(path, `cannot create directory ${dir} for ledger ${path} (${code(error)}); ${LEDGER_FIX_HINT}`, { cause: error });
  }
  try {
    const fd = fs.openSync(path, 'wx', 0o600);
    fs.fchmodSync(fd, 0o600); // the umask could have stripped more than we asked for
    fs.closeSync(fd);
    return;
  } catch (error) {
    if (code(error) !== 'EEXIST') {
      throw new LedgerError(path, `cannot create ledger ${path} (${code(error)}); check permissions or ${LEDGER_FIX_HINT}`, { cause: error });
    }
  }
  checkExisting(path);
}

function checkExisting(path: string): void {
  const check = (mode: number, problem: string): void => {
    try {
      fs.accessSync(path, mode);
    } catch (error) {
      throw new LedgerError(path, `ledger ${path} ${problem} (${code(error)}); check its permissions or ${LEDGER_FIX_HINT}`, { cause: error });
    }
  };
  if (fs.statSync(path).isDirectory()) throw new LedgerError(path, `ledger ${path} is a directory, not a file; ${LEDGER_FIX_HINT}`);
  check(fs.constants.R_OK, 'cannot be read');
  check(fs.constants.W_OK, 'is read-only, and commands that record what they do must write it');
  // SQLite keeps its log beside the file, so a read-only directory makes the ledger read-only: say it in those terms.
  const dir = nodePath.dirname(nodePath.resolve(path));
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    throw new LedgerError(path, `ledger ${path} cannot be written: its directory ${dir} is not writable (${code(error)}), and SQLite keeps its log there; check the directory's permissions or ${LEDGER_FIX_HINT}`, { cause: error });
  }
}

// Never adopt somebody else's SQLite file: migrating it would scribble our tables into it.
function checkOwnership(db: Database.Database, path: string): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (appId === LEDGER_APPLICATION_ID) return;
  // Our first migration sets the id in the same transaction that creates our tables.
  const foreign =
    appId !== 0 ||
    db.prepare("SELECT 1 FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' LIMIT 1").get() !== undefined;
  if (foreign) {
    throw new LedgerError(path, `ledger ${path} is not a drainctl ledger (another application's SQLite database); ${LEDGER_FIX_HINT}`);
  }
}

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
}
