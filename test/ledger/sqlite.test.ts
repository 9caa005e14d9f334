import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, LedgerError, MIGRATIONS, migrate, openSqliteLedger } from '../../src/ledger/index.js';
import { openDatabase } from '../../src/ledger/open.js';
import { buildLedgerForNode, useTempDirs } from './helpers.js';

const key = { provider: 'haproxy', group: 'be_web', target: 'web1' };
const at = '2025-01-01T00:00:00.000Z';
const HINT = 'pass --ledger <path> or set DRAINCTL_LEDGER';

function raw(file: string): Database.Database {
  return new Database(file);
}

describe('migrations', () => {
  const tempDir = useTempDirs();

  it('are numbered 1..n in order', async () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_m, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('build the schema in an empty file', async () => {
    const file = path.join(tempDir(), 'ledger.db');
    fs.writeFileSync(file, '');
    openSqliteLedger(file).close();
    const db = raw(file);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const names = db.prepare("SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite%' ORDER BY name").all();
      expect(names).toEqual([
        { type: 'table', name: 'capacity_lock' },
        { type: 'table', name: 'drain_event' },
        { type: 'index', name: 'drain_event_at' },
        { type: 'index', name: 'drain_event_instance_at' },
        { type: 'table', name: 'instance' },
        { type: 'index', name: 'instance_not_active' },
        { type: 'index', name: 'instance_runner' },
      ]);
      expect(db.prepare("SELECT name FROM pragma_index_info('drain_event_instance_at') ORDER BY seqno").pluck().all()).toEqual(['instance_id', 'at']);
    } finally {
      await db.close();
    }
  });

  it('are idempotent on reopen and keep the data', async () => {
    const file = path.join(tempDir(), 'ledger.db');
    const first = openSqliteLedger(file);
    const rec = await first.record(key, { status: 'draining' }, { type: 'drain_requested', at });
    await first.close();
    for (let i = 0; i < 3; i++) {
      const again = openSqliteLedger(file);
      expect(await again.find(key)).toEqual(rec);
      expect(await again.history()).toHaveLength(1);
      await again.close();
    }
  });

  it('run each step in its own transaction', async () => {
    const db = new Database(':memory:');
    const steps = [
      { version: 1, name: 'a', sql: 'CREATE TABLE a (x)' },
      { version: 2, name: 'b', sql: 'CREATE TABLE b (x)' },
      { version: 3, name: 'broken', sql: 'CREATE TABLE c (x); SELECT no_such_function();' },
    ];
    expect(() => migrate(db, ':memory:', steps)).toThrow(/no_such_function/);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare("SELECT name FROM sqlite_schema ORDER BY name").pluck().all()).toEqual(['a', 'b']);
    await db.close();
  });

  it('refuse a ledger written by a newer drainctl, leaving it untouched', async () => {
    const file = path.join(tempDir(), 'ledger.db');
    openSqliteLedger(file).close();
    const db = raw(file);
    db.pragma('user_version = 9');
    await db.close();
    const before = fs.readFileSync(file);
    const attempt = (): unknown => openSqliteLedger(file);
    expect(attempt).toThrow(LedgerError);
    expect(attempt).toThrow(
      `ledger ${file} was written by a newer drainctl (schema 9, this build knows ${LATEST_SCHEMA_VERSION}); upgrade drainctl or point --ledger elsewhere`,
    );
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });
});

describe('opening', () => {
  const tempDir = useTempDirs();

  function openError(file: string): LedgerError {
    try {
      openSqliteLedger(file).close();
    } catch (error) {
      expect(error).toBeInstanceOf(LedgerError);
      return error as LedgerError;
    }
    throw new Error(`expected opening ${file} to fail`);
  }

  it('refuses a file that is not a database and leaves it alone', async () => {
    const file = path.join(tempDir(), 'notes.txt');
    const content = 'not a database\n'.repeat(200);
    fs.writeFileSync(file, content);
    const error = openError(file);
    expect(error.message).toBe(`ledger ${file} is not a drainctl ledger (file is not a database); ${HINT}`);
    expect(error.path).toBe(file);
    expect(fs.readFileSync(file, 'utf8')).toBe(content);
  });

  it("refuses another application's SQLite database", async () => {
    const file = path.join(tempDir(), 'other.db');
    const db = raw(file);
    db.exec('CREATE TABLE bookmarks (url TEXT)');
    await db.close();
    expect(openError(file).message).toMatch(new RegExp(`^ledger ${file} is not a drainctl ledger .*${HINT.replace(/[<>]/g, '.')}$`));
    const check = raw(file);
    expect(check.prepare("SELECT name FROM sqlite_schema").pluck().all()).toEqual(['bookmarks']);
    check.close();
  });

  it('refuses a path that is a directory', async () => {
    const dir = tempDir();
    expect(openError(dir).message).toBe(`ledger ${dir} is a directory, not a file; ${HINT}`);
  });

  it('refuses when the parent directory cannot be created', async () => {
    const blocker = path.join(tempDir(), 'a-file');
    fs.writeFileSync(blocker, '');
    const file = path.join(blocker, 'sub', 'ledger.db');
    const error = openError(file);
    expect(error.message).toMatch(/^cannot create directory .*a-file\/sub for ledger .* \(ENOTDIR\); pass --ledger <path> or set DRAINCTL_LEDGER$/);
    expect(error.path).toBe(file);
  });

  it('creates missing directories 0700 and the file (and its WAL) 0600', async () => {
    const dir = path.join(tempDir(), 'state', 'drainctl');
    const file = path.join(dir, 'ledger.db');
    const ledger = openSqliteLedger(file);
    await ledger.record(key, {}, { type: 'drain_requested', at });
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.dirname(dir)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(`${file}-wal`).mode & 0o777).toBe(0o600);
    await ledger.close();
  });

  it('works in memory without touching the filesystem', async () => {
    const ledger = openSqliteLedger(':memory:');
    expect((await ledger.record(key, {}, { type: 'drain_requested', at })).id).toBe(1);
    await ledger.close();
    expect(fs.existsSync(':memory:')).toBe(false);
  });

  describe('for reading', () => {
    it('reads a missing ledger as empty and creates nothing', async () => {
      const file = path.join(tempDir(), 'state', 'ledger.db');
      const ledger = openSqliteLedger(file, { access: 'read' });
      expect((await ledger.history())).toEqual([]);
      expect((await ledger.find(key))).toBeUndefined();
      await ledger.close();
      expect(fs.existsSync(path.dirname(file))).toBe(false);
    });

    it('reads an empty file as an empty ledger and leaves it empty', async () => {
      const file = path.join(tempDir(), 'ledger.db');
      fs.writeFileSync(file, '');
      const ledger = openSqliteLedger(file, { access: 'read' });
      expect((await ledger.history())).toEqual([]);
      await ledger.close();
      expect(fs.statSync(file).size).toBe(0);
    });

    it('refuses to write, and leaves no files beside the ledger', async () => {
      const dir = tempDir();
      const file = path.join(dir, 'ledger.db');
      openSqliteLedger(file).close();
      const ledger = openSqliteLedger(file, { access: 'read' });
      await expect(ledger.record(key, {}, { type: 'drain_requested', at })).rejects.toThrow(/^ledger .* cannot be written \(SQLITE_READONLY/);
      await ledger.close();
      expect(fs.readdirSync(dir)).toEqual(['ledger.db']);
    });

    it('refuses a file that is not a database, as writing does', async () => {
      const file = path.join(tempDir(), 'notes.txt');
      fs.writeFileSync(file, 'not a database\n'.repeat(200));
      expect(() => openSqliteLedger(file, { access: 'read' })).toThrow(`ledger ${file} is not a drainctl ledger (file is not a database); ${HINT}`);
    });

    it('does not upgrade an older ledger, even one it could write', async () => {
      const file = path.join(tempDir(), 'ledger.db');
      openSqliteLedger(file).close();
      const before = fs.readFileSync(file);
      const later = [...MIGRATIONS, { version: 3, name: 'later', sql: 'CREATE TABLE later (x)' }];
      expect(() => openDatabase(file, 'read', later)).toThrow(`ledger ${file} has schema 2 and this drainctl reads schema 3;`);
      expect(fs.readFileSync(file).equals(before)).toBe(true);
      openDatabase(file, 'write', later).close();
      const upgraded = openDatabase(file, 'read', later);
      expect(upgraded.pragma('user_version', { simple: true })).toBe(3);
      upgraded.close();
    });
  });

  describe('read-only locations', () => {
    type Attempt = { name?: string; message?: string; ok?: boolean; events?: number };

    /**
     * Opens `target` in a child that cannot write what it does not own: as nobody when this
     * runs as root (root ignores permission bits), else as this user.
     */
    function openAsUnprivileged(target: string, dir: string, how: { access?: 'read' | 'write'; extraMigration?: object } = {}): Attempt {
      const build = buildLedgerForNode(dir, { forAnotherUser: true });
      const script = path.join(build, 'open.mjs');
      fs.writeFileSync(
        script,
        `import { openSqliteLedger } from './ledger/index.js';
import { openDatabase } from './ledger/open.js';
import { MIGRATIONS } from './ledger/migrations.js';
const { file, access, extraMigration } = JSON.parse(process.argv[2]);
try {
  if (extraMigration) {
    openDatabase(file, access, [...MIGRATIONS, extraMigration]).close();
    console.log(JSON.stringify({ ok: true }));
  } else {
    const ledger = openSqliteLedger(file, { access });
    const events = (await ledger.history()).length;
    await ledger.close();
    console.log(JSON.stringify({ ok: true, events }));
  }
} catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message })); }\n`,
      );
      const asRoot = process.getuid?.() === 0;
      const args = JSON.stringify({ file: target, ...how });
      const result = spawnSync(process.execPath, [script, args], { encoding: 'utf8', ...(asRoot ? { uid: 65534, gid: 65534 } : {}) });
      expect(result.stderr).toBe('');
      return JSON.parse(result.stdout) as Attempt;
    }

    /** A ledger with two events in `dir`/locked/, then made read-only: file 0444, directory 0555. */
    async function readOnlyLedger(dir: string, fileMode = 0o444): Promise<string> {
      const locked = path.join(dir, 'locked');
      const file = path.join(locked, 'ledger.db');
      const ledger = openSqliteLedger(file);
      await ledger.record(key, { status: 'draining' }, { type: 'drain_requested', at });
      await ledger.record(key, { status: 'stopped' }, { type: 'drained', at });
      await ledger.close();
      fs.chmodSync(file, fileMode);
      fs.chmodSync(locked, 0o555);
      return file;
    }

    it('refuses an existing ledger file it cannot write', async () => {
      const dir = tempDir();
      const file = path.join(dir, 'ledger.db');
      openSqliteLedger(file).close();
      fs.chmodSync(file, 0o444);
      const result = openAsUnprivileged(file, dir);
      expect(result).toEqual({ name: 'LedgerError', message: `ledger ${file} is read-only, and commands that record what they do must write it (EACCES); check its permissions or ${HINT}` });
    });

    it('refuses to create a ledger in a read-only directory', async () => {
      const dir = tempDir();
      const locked = path.join(dir, 'locked');
      fs.mkdirSync(locked, { mode: 0o555 });
      const file = path.join(locked, 'ledger.db');
      const result = openAsUnprivileged(file, dir);
      expect(result).toEqual({ name: 'LedgerError', message: `cannot create ledger ${file} (EACCES); check permissions or ${HINT}` });
    });

    it('refuses to write a writable ledger in a read-only directory, where SQLite cannot keep its log', async () => {
      const dir = tempDir();
      const file = await readOnlyLedger(dir, 0o666);
      const result = openAsUnprivileged(file, dir);
      expect(result).toEqual({
        name: 'LedgerError',
        message: `ledger ${file} cannot be written: its directory ${path.dirname(file)} is not writable (EACCES), and SQLite keeps its log there; check the directory's permissions or ${HINT}`,
      });
    });

    it('reads a ledger it can neither write nor add files beside', async () => {
      const dir = tempDir();
      const file = await readOnlyLedger(dir);
      const before = fs.readFileSync(file);
      expect(openAsUnprivileged(file, dir, { access: 'read' })).toEqual({ ok: true, events: 2 });
      expect(fs.readdirSync(path.dirname(file))).toEqual(['ledger.db']);
      expect(fs.readFileSync(file).equals(before)).toBe(true);
    });

    it('reads through the log of a drainctl that has the ledger open', async () => {
      const dir = tempDir();
      const file = await readOnlyLedger(dir);
      fs.chmodSync(path.dirname(file), 0o755);
      fs.chmodSync(file, 0o644);
      // A writer that stays open keeps its last record in the -wal file, not yet in the ledger.
      const writer = openSqliteLedger(file);
      try {
        await writer.record(key, { status: 'active' }, { type: 'restored', at });
        for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.chmodSync(f, 0o444);
        fs.chmodSync(path.dirname(file), 0o555);
        expect(openAsUnprivileged(file, dir, { access: 'read' })).toEqual({ ok: true, events: 3 });
      } finally {
        fs.chmodSync(path.dirname(file), 0o755);
        await writer.close();
      }
    });

    it('refuses, without upgrading it, a read-only ledger older than it reads', async () => {
      const dir = tempDir();
      const file = await readOnlyLedger(dir);
      const result = openAsUnprivileged(file, dir, { access: 'read', extraMigration: { version: 3, name: 'later', sql: 'CREATE TABLE later (x)' } });
      expect(result).toEqual({
        name: 'LedgerError',
        message: `ledger ${file} has schema 2 and this drainctl reads schema 3; the first command that writes it (drain, restore, watch or timeout set), run by a user who can write it, upgrades it`,
      });
    });
  });
});
