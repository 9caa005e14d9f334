/**
 * Reaching the server: the URL and libpq variables, passwords (never printed), every failure as one
 * line with the right problem (unusable: fix the input, exit 2; unreachable: retry, exit 1), and the
 * bounds that keep a hung server from hanging drainctl.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/core/ledger.js';
import { LedgerError, openPostgresLedger, type PostgresLedgerOptions } from '../../src/ledger/index.js';
import { freePort } from '../support/ports.js';
import { usePostgres } from '../support/postgres.js';
import { useTempDirs } from './helpers.js';

const server = usePostgres();
const key = { provider: 'haproxy', group: 'be_web', target: 'web1' };
const at = '2025-01-01T00:00:00.000Z';
const WRONG = 'not-the-password-42';

const opened: Ledger[] = [];
afterEach(async () => {
  for (const ledger of opened.splice(0)) await ledger.close();
});

async function open(url: string, options: PostgresLedgerOptions = {}): Promise<Ledger> {
  const ledger = await openPostgresLedger(url, { env: {}, ...options });
  opened.push(ledger);
  return ledger;
}

/** The LedgerError opening fails with, checked to be one line that prints no password. */
async function failure(url: string, options: PostgresLedgerOptions = {}): Promise<LedgerError> {
  const error = await open(url, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LedgerError);
  const { message, path: location } = error as LedgerError;
  expect(message).not.toContain('\n');
  for (const secret of [server().password, WRONG]) {
    expect(message).not.toContain(secret);
    expect(location).not.toContain(secret);
  }
  return error as LedgerError;
}

/** The session of the ledger opened with this application_name, as the server sees it. */
async function sessionOf(name: string): Promise<{ pid: number; usename: string; datname: string; ssl: boolean } | undefined> {
  const rows = await server().sql<{ pid: number; usename: string; datname: string; ssl: boolean }>(
    'SELECT a.pid, a.usename, a.datname, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.application_name = $1',
    [name],
  );
  return rows[0];
}

describe('connecting', () => {
  const tempDir = useTempDirs();

  it('names itself drainctl, and its location is the URL without the password', async () => {
    const url = await server().createDatabase();
    const ledger = await open(url);
    expect(ledger.location).toBe(url.replace(`:${server().password}@`, '@'));
    expect(ledger.location).not.toContain(server().password);
    expect(ledger.shared).toBe(true);
    expect(await sessionOf('drainctl')).toMatchObject({ usename: 'postgres', ssl: false });
  });

  it('takes everything the URL leaves out from the libpq variables', async () => {
    const url = new URL(await server().createDatabase());
    const ledger = await open('postgres://', {
      env: { PGHOST: '127.0.0.1', PGPORT: String(server().port), PGUSER: 'postgres', PGPASSWORD: server().password, PGDATABASE: url.pathname.slice(1), PGSSLMODE: 'disable', PGAPPNAME: 'from-env', PGCONNECT_TIMEOUT: '5' },
    });
    await ledger.record(key, {}, { type: 'drain_requested', at });
    expect(await sessionOf('from-env')).toMatchObject({ datname: url.pathname.slice(1), ssl: false });
    expect(ledger.location).toBe('postgres://');
  });

  it('reads the password from PGPASSFILE, and not from a file others can read', async () => {
    const url = server().url(new URL(await server().createDatabase()).pathname.slice(1), { password: null });
    const file = path.join(tempDir(), 'pgpass');
    fs.writeFileSync(file, `127.0.0.1:${server().port}:*:postgres:${server().password}\n`, { mode: 0o600 });
    await open(url, { env: { PGPASSFILE: file } });
    fs.chmodSync(file, 0o644);
    expect((await failure(url, { env: { PGPASSFILE: file } })).message).toContain('asks user "postgres" for a password and none was given');
  });

  it('connects through the Unix socket, where TLS is never tried', async () => {
    const db = new URL(await server().createDatabase()).pathname.slice(1);
    const ledger = await open(`postgres:///${db}?host=${encodeURIComponent(server().socketDir)}&port=${server().port}&user=postgres&sslmode=require&application_name=by-socket`);
    await ledger.record(key, {}, { type: 'drain_requested', at });
    expect(await sessionOf('by-socket')).toMatchObject({ ssl: false });
  });

  it("uses a schema of its own through the role's search_path or options in the URL, beside another application's tables", async () => {
    const db = new URL(await server().createDatabase()).pathname.slice(1);
    await server().sql('CREATE TABLE instance (id serial PRIMARY KEY, name text); CREATE SCHEMA drainctl; CREATE SCHEMA other', [], db);
    const ledger = await open(`${server().url(db)}?options=${encodeURIComponent('-c search_path=drainctl')}`);
    await ledger.record(key, {}, { type: 'drain_requested', at });
    await server().sql(`CREATE ROLE pathed LOGIN PASSWORD 'pathed-pw' SUPERUSER; ALTER ROLE pathed IN DATABASE ${db} SET search_path = other`);
    const byRole = await open(server().url(db, { user: 'pathed', password: 'pathed-pw' }));
    await byRole.record(key, {}, { type: 'drain_requested', at });
    const tables = await server().sql("SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_name = 'instance' ORDER BY 1", [], db);
    expect(tables.map((r) => r.t)).toEqual(['drainctl.instance', 'other.instance', 'public.instance']);
  });
});

describe('refused connections', () => {
  it('a wrong password: one line naming the user, no password, fix the input', async () => {
    const db = new URL(await server().createDatabase()).pathname.slice(1);
    const url = server().url(db, { password: WRONG });
    const error = await failure(url);
    expect(error.message).toBe(`ledger postgres://postgres@127.0.0.1:${server().port}/${db}: password authentication failed for user "postgres" (28P01: password authentication failed for user "postgres"); fix the password in the URL, PGPASSWORD or ~/.pgpass`);
    expect(error.problem).toBe('unusable');
  });

  it('PGPASSWORD is not used when the URL has a password', async () => {
    const db = new URL(await server().createDatabase()).pathname.slice(1);
    expect((await failure(server().url(db, { password: WRONG }), { env: { PGPASSWORD: server().password } })).message).toContain('28P01');
  });

  it('no password at all', async () => {
    const db = new URL(await server().createDatabase()).pathname.slice(1);
    const error = await failure(server().url(db, { password: null }), { env: { HOME: '/nonexistent' } });
    expect(error.message).toBe(`ledger postgres://postgres@127.0.0.1:${server().port}/${db}: the server asks user "postgres" for a password and none was given; put it in PGPASSWORD or ~/.pgpass (or in the URL)`);
  });

  it('a database that does not exist', async () => {
    const error = await failure(server().url('no_such_db'));
    expect(error.message).toBe(`ledger postgres://postgres@127.0.0.1:${server().port}/no_such_db: database "no_such_db" does not exist (3D000: database "no_such_db" does not exist); create it (CREATE DATABASE no_such_db; see docs/ledger.md#postgresql) or fix the database name in the URL`);
    expect(error.problem).toBe('unusable');
  });

  it('sslmode=require (URL or PGSSLMODE) against a server without TLS', async () => {
    const db = new URL(await server().createDatabase()).pathname.slice(1);
    const expected = `ledger postgres://postgres@127.0.0.1:${server().port}/${db}?sslmode=require: the server does not accept SSL connections, and sslmode=require requires SSL; turn ssl on in the server's postgresql.conf, or use sslmode=prefer (in the URL or PGSSLMODE)`;
    expect((await failure(`${server().url(db)}?sslmode=require`)).message).toBe(expected);
    expect((await failure(server().url(db), { env: { PGSSLMODE: 'require' } })).message).toBe(expected.replace('?sslmode=require', ''));
    await open(server().url(db), { env: { PGSSLMODE: 'prefer' } });
  });

  it('nothing listening: unreachable, retry later', async () => {
    const port = await freePort();
    const error = await failure(`postgres://ops:${WRONG}@127.0.0.1:${port}/ledger`);
    expect(error.message).toBe(`ledger postgres://ops@127.0.0.1:${port}/ledger is unreachable: no server accepts connections at 127.0.0.1:${port} (ECONNREFUSED); start the server, or fix the host and port in the URL (or PGHOST and PGPORT)`);
    expect(error.problem).toBe('unreachable');
  });

  it('a server that accepts but never answers: given up after connect_timeout', async () => {
    const silent = net.createServer(() => undefined);
    const sockets = new Set<net.Socket>();
    silent.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const error = await failure(`postgres://ops:${WRONG}@127.0.0.1:${port}/ledger`, { env: { PGCONNECT_TIMEOUT: '2' } });
      expect(error.message).toBe(`ledger postgres://ops@127.0.0.1:${port}/ledger is unreachable: 127.0.0.1:${port} did not answer within 2 s; check that the server runs and that the host and port are right, or raise connect_timeout (in the URL or PGCONNECT_TIMEOUT)`);
      expect(error.problem).toBe('unreachable');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('a server that stops serving', () => {
  it('a statement that waits too long is cancelled by the server: one line, retry later', async () => {
    const url = await server().createDatabase();
    const ledger = await open(url, { statementTimeoutMs: 300 });
    await ledger.record(key, {}, { type: 'drain_requested', at });
    const blocker = await server().client(new URL(url).pathname.slice(1));
    try {
      await blocker.query('BEGIN; LOCK TABLE instance IN ACCESS EXCLUSIVE MODE');
      const error = await ledger.find(key).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LedgerError);
      expect((error as LedgerError).problem).toBe('unreachable');
      expect((error as LedgerError).message).toMatch(/: the server did not finish a query within the statement timeout \(57014: canceling statement due to statement timeout\); look for sessions holding locks/);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    // Cancelling one statement leaves the session usable.
    expect(await ledger.find(key)).toMatchObject(key);
  });

  it('a server process that hangs (stopped) is given up on after the statement timeout and the grace', { timeout: 60_000 }, async () => {
    const url = `${await server().createDatabase()}?application_name=to-be-stopped`;
    const ledger = await open(url, { statementTimeoutMs: 500 });
    const { pid } = (await sessionOf('to-be-stopped'))!;
    process.kill(pid, 'SIGSTOP');
    try {
      const error = await ledger.history().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LedgerError);
      expect((error as LedgerError).message).toMatch(/: the server stopped answering \(no reply within 11 s\); check the server, then retry$/);
      expect((error as LedgerError).problem).toBe('unreachable');
      // That session is dropped; the next call runs on a new one.
      expect(await ledger.find(key)).toBeUndefined();
      const sessions = await server().sql<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'to-be-stopped' AND pid <> $1", [pid]);
      expect(sessions).toHaveLength(1);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });

  it('a session the server ends fails at most the call under way; the next one connects again', async () => {
    const url = `${await server().createDatabase()}?application_name=to-be-ended`;
    const ledger = await open(url);
    await ledger.record(key, {}, { type: 'drain_requested', at });
    const { pid } = (await sessionOf('to-be-ended'))!;
    await server().sql('SELECT pg_terminate_backend($1)', [pid]);
    const failures: unknown[] = [];
    let found: unknown;
    for (let i = 0; i < 20 && found === undefined; i++) {
      found = await ledger.find(key).catch((e: unknown) => void failures.push(e));
    }
    expect(found).toMatchObject(key);
    expect(failures.length).toBeLessThanOrEqual(1);
    for (const failure of failures) expect(failure).toMatchObject({ name: 'LedgerError', problem: 'unreachable' });
    expect((await sessionOf('to-be-ended'))?.pid).not.toBe(pid);
    await ledger.record(key, { status: 'draining' }, { type: 'drain_started', at });
    expect(await ledger.history()).toHaveLength(2);
  });

  it('a session lost while it held a capacity lock is not replaced until that lock is released', async () => {
    const url = `${await server().createDatabase()}?application_name=lock-lost`;
    const ledger = await open(url);
    const group = { provider: 'haproxy', group: 'be_web' };
    const lock = await ledger.tryLockGroup(group, { runner: 'r1', host: 'h', pid: 1 }, { now: at, ttlMs: 60_000 });
    await server().sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lock-lost'");
    // The lock went with the session: another runner can take it at once.
    const other = await open(url.replace('lock-lost', 'other-runner'));
    const taken = await other.tryLockGroup(group, { runner: 'r2', host: 'h2', pid: 2 }, { now: at, ttlMs: 60_000 });
    expect(taken).toHaveProperty('release');
    // The first ledger does not carry on as if it still held it.
    for (let i = 0; i < 3; i++) await expect(ledger.find(key)).rejects.toMatchObject({ name: 'LedgerError', problem: 'unreachable' });
    await (lock as { release(): Promise<void> }).release();
    expect(await ledger.find(key)).toBeUndefined();
    expect(await ledger.tryLockGroup(group, { runner: 'r1', host: 'h', pid: 1 }, { now: at, ttlMs: 60_000 })).toEqual({ heldBy: { runner: 'r2', host: 'h2', pid: 2 }, since: at });
  });
});

describe('read-only servers', () => {
  it('an empty database whose writes are off: refused at open, nothing created', async () => {
    const db = new URL(await server().createDatabase()).pathname.slice(1);
    await server().sql(`ALTER DATABASE ${db} SET default_transaction_read_only = on`);
    const error = await failure(server().url(db));
    expect(error.message).toMatch(new RegExp(`^ledger postgres://postgres@127\\.0\\.0\\.1:${server().port}/${db} is read-only \\(25006: cannot execute CREATE TABLE in a read-only transaction\\): the database or user has default_transaction_read_only on`));
    expect(error.problem).toBe('unusable');
    await open(server().url(db), { access: 'read' });
  });

  it('an existing ledger whose writes are off: writing is refused at open, reading works', async () => {
    const url = await server().createDatabase();
    const db = new URL(url).pathname.slice(1);
    await (await open(url)).record(key, {}, { type: 'drain_requested', at });
    await server().sql(`ALTER DATABASE ${db} SET default_transaction_read_only = on`);
    expect((await failure(url)).message).toBe(`ledger postgres://postgres@127.0.0.1:${server().port}/${db} is read-only (transaction_read_only is on): the database or user has default_transaction_read_only on, or the server is a standby; point the URL at the primary, or turn default_transaction_read_only off for drainctl's user`);
    expect(await (await open(url, { access: 'read' })).history()).toHaveLength(1);
  });
});

describe('what is stored', () => {
  it('keys that look like SQL are only data', async () => {
    const ledger = await open(await server().createDatabase());
    const odd = { provider: "x'); DROP TABLE instance; --", group: 'g"; DELETE FROM drain_event', target: '$1 \\ %' };
    await ledger.record(odd, { registration: "'; --" }, { type: 'drain_requested', at });
    expect(await ledger.find(odd)).toMatchObject({ ...odd, registration: "'; --" });
    expect(await ledger.history({ provider: odd.provider, group: odd.group, target: odd.target })).toHaveLength(1);
  });

  it("a capacity lock's row names the holder's session", async () => {
    const url = `${await server().createDatabase()}?application_name=lock-holder`;
    const ledger = await open(url);
    await ledger.tryLockGroup({ provider: 'haproxy', group: 'be_web' }, { runner: 'r1', host: 'h', pid: 1 }, { now: at, ttlMs: 60_000 });
    const rows = await server().sql('SELECT runner_id, since, expires_at, backend_pid FROM capacity_lock', [], new URL(url).pathname.slice(1));
    expect(rows).toEqual([{ runner_id: 'r1', since: new Date(at), expires_at: new Date('2025-01-01T00:01:00.000Z'), backend_pid: (await sessionOf('lock-holder'))!.pid }]);
  });
});

describe('the roles and grants docs/ledger.md lists', () => {
  /** The ```sql blocks of the PostgreSQL section, in order: the owner, the writer, the reader. */
  function documentedSql(): string[] {
    const doc = fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'docs', 'ledger.md'), 'utf8');
    const section = doc.slice(doc.indexOf('\n## PostgreSQL\n'));
    return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  }

  it('are exactly what each role needs: the owner migrates, the writer drains, the reader reads', async () => {
    const [owner, writer, reader] = documentedSql();
    expect([owner, writer, reader].every((block) => block !== undefined)).toBe(true);
    for (const statement of owner!.split(';').filter((s) => s.trim() !== '')) await server().sql(statement);
    const as = (user: string, password: string): string => server().url('drainctl', { user, password });
    const byOwner = await open(as('drainctl', 'change-me'));
    await byOwner.record(key, { status: 'draining' }, { type: 'drain_requested', at });
    await server().sql(writer!, [], 'drainctl');
    await server().sql(reader!, [], 'drainctl');

    const ci = await open(as('drainctl_ci', 'change-me-too'));
    const holder = { runner: 'ci-runner', host: 'ci', pid: 7 };
    const other = { ...key, target: 'web2' };
    await ci.record(other, { status: 'draining', holder, leaseExpiresAt: at }, { type: 'drain_requested', at });
    expect(await ci.renewLeases('ci-runner', '2025-01-01T00:05:00Z')).toBe(1);
    const lock = await ci.tryLockGroup({ provider: key.provider, group: key.group }, holder, { now: at, ttlMs: 60_000 });
    await (lock as { release(): Promise<void> }).release();
    expect(await ci.history()).toHaveLength(2);
    expect(await ci.fleet()).toHaveLength(2);
    // The history stays append-only for the writer.
    const ciClient = await server().client('drainctl');
    await ciClient.query("SET ROLE drainctl_ci");
    await expect(ciClient.query('DELETE FROM drain_event')).rejects.toThrow(/permission denied for table drain_event/);
    await ciClient.end();

    const read = await open(as('drainctl_read', 'change-me-three'), { access: 'read' });
    expect(await read.history()).toHaveLength(2);
    expect(await read.fleet()).toHaveLength(2);
    const error = await failure(as('drainctl_read', 'change-me-three'));
    expect(error.message).toBe(`ledger postgres://drainctl_read@127.0.0.1:${server().port}/drainctl: user "drainctl_read" lacks INSERT on instance, UPDATE on instance, INSERT on drain_event, INSERT on capacity_lock, UPDATE on capacity_lock, DELETE on capacity_lock, USAGE on the id sequences; grant them as docs/ledger.md#postgresql shows, or use a command that only reads`);
    expect(error.problem).toBe('unusable');
  });

  it('a role with no grants is told which privilege is missing', async () => {
    const url = await server().createDatabase();
    const db = new URL(url).pathname.slice(1);
    await (await open(url)).close();
    await server().sql("CREATE ROLE nobody LOGIN PASSWORD 'nobody-pw'");
    const error = await failure(server().url(db, { user: 'nobody', password: 'nobody-pw' }), { access: 'read' });
    expect(error.message).toBe(`ledger postgres://nobody@127.0.0.1:${server().port}/${db}: user "nobody" lacks a privilege drainctl needs (42501: permission denied for table drainctl_schema_version); grant it as docs/ledger.md#postgresql shows`);
  });
});
