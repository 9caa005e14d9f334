import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LedgerError, MIGRATIONS, openPostgresLedger, openSqliteLedger } from '../../src/ledger/index.js';
import { POSTGRES_MIGRATIONS, VERSION_TABLE } from '../../src/ledger/postgres/index.js';
import { prepareSchema } from '../../src/ledger/postgres/schema.js';
import { Session } from '../../src/ledger/postgres/session.js';
import { resolveSettings } from '../../src/ledger/postgres/settings.js';
import { usePostgres } from '../support/postgres.js';
import { buildLedgerForNode, useTempDirs } from './helpers.js';

const server = usePostgres();
const key = { provider: 'haproxy', group: 'be_web', target: 'web1' };
const at = '2025-01-01T00:00:00.000Z';
const dbName = (url: string): string => new URL(url).pathname.slice(1);

/** Every table, index and version row in the database, to show that something was left exactly as it was. */
async function snapshot(url: string): Promise<unknown> {
  const db = dbName(url);
  const objects = await server().sql("SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY c.relname", [], db);
  const versions = objects.some((o) => o.relname === VERSION_TABLE) ? await server().sql(`SELECT version, name FROM ${VERSION_TABLE} ORDER BY version`, [], db) : [];
  return { objects, versions };
}

async function versions(url: string): Promise<number[]> {
  return (await server().sql<{ version: number }>(`SELECT version FROM ${VERSION_TABLE} ORDER BY version`, [], dbName(url))).map((r) => r.version);
}

async function openError(url: string, access: 'read' | 'write'): Promise<LedgerError> {
  const error = await openPostgresLedger(url, { access, env: {} }).then(
    async (ledger) => {
      await ledger.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LedgerError);
  return error as LedgerError;
}

describe('PostgreSQL schema', () => {
  const tempDir = useTempDirs();

  it('has the version numbers and step names of the SQLite schema', () => {
    expect(POSTGRES_MIGRATIONS.map((m) => [m.version, m.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
  });

  it('builds the same tables and columns as SQLite, with the indexes the queries use', async () => {
    const url = await server().createDatabase();
    await (await openPostgresLedger(url, { env: {} })).close();
    expect(await versions(url)).toEqual([1, 2]);
    const file = path.join(tempDir(), 'ledger.db');
    await openSqliteLedger(file).close();
    const sqlite = new Database(file, { readonly: true });
    try {
      for (const table of ['instance', 'drain_event', 'capacity_lock']) {
        const sqliteColumns = (sqlite.prepare(`SELECT name FROM pragma_table_info('${table}') ORDER BY cid`).pluck().all() as string[]).sort();
        const pgColumns = (await server().sql<{ column_name: string }>('SELECT column_name FROM information_schema.columns WHERE table_name = $1', [table], dbName(url))).map((r) => r.column_name).sort();
        // The session that holds a capacity lock is PostgreSQL's own addition: it lets an operator find it in pg_stat_activity.
        expect(pgColumns).toEqual(table === 'capacity_lock' ? [...sqliteColumns, 'backend_pid'].sort() : sqliteColumns);
      }
    } finally {
      sqlite.close();
    }
    const types = await server().sql('SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_name IN ($1, $2) AND data_type IN ($3, $4) ORDER BY table_name, column_name', ['instance', 'drain_event', 'timestamp with time zone', 'json'], dbName(url));
    expect(types.map((t) => `${t.table_name}.${t.column_name} ${t.data_type}`)).toEqual([
      'drain_event.at timestamp with time zone',
      'drain_event.details json',
      'instance.drain_started_at timestamp with time zone',
      'instance.drained_at timestamp with time zone',
      'instance.holder json',
      'instance.lease_expires_at timestamp with time zone',
      'instance.registration json',
      'instance.updated_at timestamp with time zone',
    ]);
    const indexes = await server().sql<{ indexname: string; indexdef: string }>("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%pkey' ORDER BY indexname", [], dbName(url));
    expect(indexes.map((i) => `${i.indexname}: ${i.indexdef.replace(/^.* USING btree /, '')}`)).toEqual([
      'drain_event_at: (at)',
      'drain_event_instance_at: (instance_id, at)',
      'instance_not_active: (drain_started_at NULLS FIRST, id) WHERE (status <> \'active\'::text)',
      'instance_provider_group_ref_target_key: (provider, group_ref, target)',
      'instance_runner: (runner_id) WHERE (runner_id IS NOT NULL)',
    ]);
  });

  it('is idempotent on reopen and keeps the data', async () => {
    const url = await server().createDatabase();
    const first = await openPostgresLedger(url, { env: {} });
    const rec = await first.record(key, { status: 'draining' }, { type: 'drain_requested', at });
    await first.close();
    for (let i = 0; i < 3; i++) {
      const again = await openPostgresLedger(url, { env: {} });
      expect(await again.find(key)).toEqual(rec);
      expect(await again.history()).toHaveLength(1);
      await again.close();
    }
    expect(await versions(url)).toEqual([1, 2]);
  });

  it('upgrades a schema-1 ledger in place, keeping its rows', async () => {
    const url = await server().createDatabase();
    await server().sql(`CREATE TABLE ${VERSION_TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now()); ${POSTGRES_MIGRATIONS[0]!.sql}; INSERT INTO ${VERSION_TABLE} (version, name) VALUES (1, 'instance and drain_event'); INSERT INTO instance (provider, group_ref, target, status, registration, updated_at) VALUES ('haproxy', 'be_web', 'web1', 'draining', '{"address":"10.0.0.1:80"}', '${at}'); INSERT INTO drain_event (instance_id, event_type, at) VALUES (1, 'drain_requested', '${at}')`, [], dbName(url));
    expect(await openError(url, 'read')).toHaveProperty('message', `ledger ${new URL(url).protocol}//postgres@127.0.0.1:${server().port}/${dbName(url)} has schema 1 and this drainctl reads schema 2; the first command that writes it (drain, restore, watch or timeout set), run by a user who can write it, upgrades it`);
    expect(await versions(url)).toEqual([1]);
    const ledger = await openPostgresLedger(url, { env: {} });
    try {
      expect(await ledger.find(key)).toMatchObject({ status: 'draining', registration: { address: '10.0.0.1:80' }, holder: null, leaseExpiresAt: null });
      expect(await ledger.history()).toHaveLength(1);
    } finally {
      await ledger.close();
    }
    expect(await versions(url)).toEqual([1, 2]);
  });

  it('runs each step in its own transaction', async () => {
    const url = await server().createDatabase();
    const settings = resolveSettings(url, {});
    const location = 'test';
    const session = await Session.open(settings, {}, { location, settings }, { readOnly: false, statementTimeoutMs: 30_000 });
    const steps = [
      { version: 1, name: 'a', sql: 'CREATE TABLE a (x int)' },
      { version: 2, name: 'b', sql: 'CREATE TABLE b (x int)' },
      { version: 3, name: 'broken', sql: 'CREATE TABLE c (x int); SELECT no_such_function()' },
    ];
    try {
      await expect(prepareSchema(session, location, 'write', steps)).rejects.toThrow(/no_such_function/);
    } finally {
      await session.close();
    }
    expect(await versions(url)).toEqual([1, 2]);
    expect((await server().sql("SELECT relname FROM pg_class WHERE relname IN ('a', 'b', 'c') ORDER BY relname", [], dbName(url))).map((r) => r.relname)).toEqual(['a', 'b']);
  });

  it('ten processes opening one empty database at once end with one schema and no error', { timeout: 150_000 }, async () => {
    const url = await server().createDatabase();
    const build = buildLedgerForNode(tempDir());
    const script = path.join(build, 'opener.mjs');
    fs.writeFileSync(script, OPENER);
    const children = Array.from({ length: 10 }, (_, n) => startChild(script, [url, String(n)]));
    try {
      await Promise.all(children.map((c) => c.ready));
      // Released together, so they race through the same migration steps.
      for (const c of children) c.child.stdin!.write('go\n');
      const results = await Promise.all(children.map((c) => c.done));
      expect(results).toEqual(Array.from({ length: 10 }, () => ({ code: 0, stderr: '' })));
    } finally {
      for (const c of children) c.child.kill('SIGKILL');
    }
    expect(await versions(url)).toEqual([1, 2]);
    const counts = await server().sql('SELECT (SELECT count(*) FROM instance)::int AS instances, (SELECT count(*) FROM drain_event)::int AS events', [], dbName(url));
    expect(counts).toEqual([{ instances: 10, events: 10 }]);
  });

  it('refuses a database written by a newer drainctl, for reading and writing, leaving it untouched', async () => {
    const url = await server().createDatabase();
    const ledger = await openPostgresLedger(url, { env: {} });
    await ledger.record(key, {}, { type: 'drain_requested', at });
    await ledger.close();
    await server().sql(`INSERT INTO ${VERSION_TABLE} (version, name) VALUES (9, 'from the future')`, [], dbName(url));
    const before = await snapshot(url);
    for (const access of ['write', 'read'] as const) {
      const error = await openError(url, access);
      expect(error.message).toBe(`ledger ${redacted(url)} was written by a newer drainctl (schema 9, this build knows 2); upgrade drainctl or point --ledger elsewhere`);
    }
    expect(await snapshot(url)).toEqual(before);
  });

  it('reads an empty database as an empty ledger and creates nothing', async () => {
    const url = await server().createDatabase();
    const before = await snapshot(url);
    const ledger = await openPostgresLedger(url, { access: 'read', env: {} });
    try {
      expect(ledger).toMatchObject({ shared: true, location: redacted(url) });
      expect(await ledger.history()).toEqual([]);
      expect(await ledger.fleet()).toEqual([]);
      expect(await ledger.instances({ provider: 'haproxy' })).toEqual([]);
      expect(await ledger.find(key)).toBeUndefined();
      await expect(ledger.record(key, {}, { type: 'drain_requested', at })).rejects.toThrow(`ledger ${redacted(url)} was opened for reading only; open it with access 'write' to record`);
      await expect(ledger.renewLeases('r', at)).rejects.toThrow(LedgerError);
      await expect(ledger.tryLockGroup({ provider: 'haproxy', group: 'be_web' }, { runner: 'r', host: 'h', pid: 1 }, { now: at, ttlMs: 1000 })).rejects.toThrow(LedgerError);
    } finally {
      await ledger.close();
    }
    expect(await snapshot(url)).toEqual(before);
    expect(before).toEqual({ objects: [], versions: [] });
  });

  it('reads a ledger through a read-only session', async () => {
    const url = await server().createDatabase();
    const writer = await openPostgresLedger(url, { env: {} });
    await writer.record(key, { status: 'draining', drainStartedAt: at }, { type: 'drain_requested', at });
    await writer.close();
    const reader = await openPostgresLedger(`${url}?application_name=reader`, { access: 'read', env: {} });
    try {
      expect(await reader.fleet()).toHaveLength(1);
      const [row] = await server().sql("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'reader'");
      expect(row).toEqual({ n: 1 });
    } finally {
      await reader.close();
    }
  });

  it("refuses another application's tables and leaves them alone", async () => {
    const url = await server().createDatabase();
    await server().sql('CREATE TABLE instance (id serial PRIMARY KEY, name text)', [], dbName(url));
    const before = await snapshot(url);
    for (const access of ['write', 'read'] as const) {
      expect((await openError(url, access)).message).toBe(`ledger ${redacted(url)} is not a drainctl ledger: the database has a table instance that drainctl did not create; give drainctl a database (or schema) of its own, see docs/ledger.md#postgresql`);
    }
    expect(await snapshot(url)).toEqual(before);
  });

  it('refuses to create a ledger in a database that is not UTF-8', async () => {
    const name = `latin1_${process.pid}`;
    await server().sql(`CREATE DATABASE ${name} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
    const url = server().url(name);
    expect((await openError(url, 'write')).message).toBe(`ledger ${redacted(url)}: database "${name}" has encoding LATIN1, and drainctl records text in any language; create the ledger database with ENCODING 'UTF8' (see docs/ledger.md#postgresql)`);
    expect(await snapshot(url)).toEqual({ objects: [], versions: [] });
  });
});

/** The URL as the ledger prints it: the superuser's password removed. */
function redacted(url: string): string {
  return url.replace(`:${server().password}@`, '@');
}

// Opens the ledger (migrating it) once told to go, and records one event.
const OPENER = `
import { openPostgresLedger } from './ledger/index.js';
await import('pg');
const [url, n] = process.argv.slice(2);
process.stdin.once('data', async () => {
  try {
    const ledger = await openPostgresLedger(url, { env: {} });
    await ledger.record({ provider: 'test', group: 'g', target: 't' + n }, { status: 'draining' }, { type: 'drain_requested', at: new Date().toISOString(), details: { n: Number(n) } });
    await ledger.close();
    process.exit(0);
  } catch (error) {
    process.stderr.write(String(error && error.message) + '\\n');
    process.exit(1);
  }
});
process.stdout.write('ready\\n');
`;

interface Child {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly done: Promise<{ code: number | null; stderr: string }>;
}

function startChild(script: string, args: string[]): Child {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child not ready within 60 s: ${stderr}`)), 60_000);
    child.stdout!.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before it was ready: ${stderr}`)));
  });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
  return { child, ready, done };
}
