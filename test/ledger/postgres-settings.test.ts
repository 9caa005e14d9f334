import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LedgerError, isPostgresUrl, redactUrl } from '../../src/ledger/index.js';
import { passwordFromFile } from '../../src/ledger/postgres/pgpass.js';
import { resolveSettings, type ConnectionSettings } from '../../src/ledger/postgres/settings.js';
import { INSTALL_HINT, postgresBinDir } from '../support/postgres.js';
import { useTempDirs } from './helpers.js';

const SECRET = 's3cr3t-pa55';

describe('isPostgresUrl', () => {
  it.each([
    ['postgres://h/db', true],
    ['postgresql://h/db', true],
    ['POSTGRES://h/db', true],
    ['postgres:/h/db', false],
    ['/var/lib/drainctl/ledger.db', false],
    ['postgres.db', false],
    [':memory:', false],
  ])('%s -> %s', (location, expected) => {
    expect(isPostgresUrl(location)).toBe(expected);
  });
});

describe('redactUrl', () => {
  it.each([
    [`postgres://ops:${SECRET}@db.internal:5433/drainctl?sslmode=require`, 'postgres://ops@db.internal:5433/drainctl?sslmode=require'],
    [`postgresql://ops:${SECRET}@db.internal/drainctl`, 'postgresql://ops@db.internal/drainctl'],
    [`postgres://:${SECRET}@db/drainctl`, 'postgres://db/drainctl'],
    [`postgres://ops@db/drainctl?password=${SECRET}&sslmode=disable`, 'postgres://ops@db/drainctl?sslmode=disable'],
    [`postgres://ops:p@ss${SECRET}@db/drainctl`, 'postgres://ops@db/drainctl'],
    [`postgres://ops:${encodeURIComponent(`a/b?c#${SECRET}`)}@[::1]:5432/d`, 'postgres://ops@[::1]:5432/d'],
    ['postgres://db.internal/drainctl', 'postgres://db.internal/drainctl'],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  // A password with an unencoded / ? or # makes the URL unparseable or parse wrongly: keep only what follows the last @.
  it.each([`postgres://ops:a/${SECRET}@db/d`, `postgres://ops:12#${SECRET}@db/d`, `postgres://ops:a?${SECRET}@db/d`, `postgres://ops:${SECRET}@db:notaport/d?password=${SECRET}`])(
    'never prints the password of a malformed URL: %s',
    (url) => {
      const printed = redactUrl(url);
      expect(printed).not.toContain(SECRET);
      expect(printed).toMatch(/^postgres:\/\/.*db/);
    },
  );
});

describe('resolveSettings', () => {
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ HOME: '/nonexistent', ...extra });

  it('reads every part of the URL', () => {
    expect(resolveSettings(`postgresql://ops:${SECRET}@db.internal:5433/drain%20ctl?sslmode=verify-full&connect_timeout=7&application_name=deploy&options=-c%20search_path%3Ddrainctl`, env())).toEqual({
      host: 'db.internal',
      port: 5433,
      user: 'ops',
      password: SECRET,
      database: 'drain ctl',
      sslMode: 'verify-full',
      sslRootCert: undefined,
      sslCert: undefined,
      sslKey: undefined,
      connectTimeoutMs: 7000,
      options: '-c search_path=drainctl',
      applicationName: 'deploy',
    } satisfies ConnectionSettings);
  });

  it('fills what the URL leaves out from the libpq variables', () => {
    const settings = resolveSettings('postgres://', env({ PGHOST: 'pg.example', PGPORT: '6543', PGUSER: 'drainer', PGPASSWORD: SECRET, PGDATABASE: 'ledger', PGSSLMODE: 'disable', PGCONNECT_TIMEOUT: '4', PGAPPNAME: 'ci-job', PGSSLROOTCERT: '/ca.pem', PGSSLCERT: '/c.pem', PGSSLKEY: '/k.pem', PGOPTIONS: '-c work_mem=8MB' }));
    expect(settings).toEqual({ host: 'pg.example', port: 6543, user: 'drainer', password: SECRET, database: 'ledger', sslMode: 'disable', sslRootCert: '/ca.pem', sslCert: '/c.pem', sslKey: '/k.pem', connectTimeoutMs: 4000, options: '-c work_mem=8MB', applicationName: 'ci-job' });
  });

  it('lets the URL win over the variables, and a query parameter over the URL part', () => {
    const settings = resolveSettings('postgres://ops:pw@h1:1111/db1?host=h2&dbname=db2&user=u2', env({ PGHOST: 'h3', PGPORT: '3333', PGUSER: 'u3', PGPASSWORD: 'pw3', PGDATABASE: 'db3', PGSSLMODE: 'disable' }));
    expect(settings).toMatchObject({ host: 'h2', port: 1111, user: 'u2', password: 'pw', database: 'db2', sslMode: 'disable' });
  });

  it("has libpq's defaults, named drainctl and bounded to 10 s", () => {
    const settings = resolveSettings('postgres://ops@db/', env());
    expect(settings).toMatchObject({ host: 'db', port: 5432, user: 'ops', password: undefined, database: 'ops', sslMode: 'prefer', connectTimeoutMs: 10_000, applicationName: 'drainctl' });
    expect(resolveSettings('postgres://', env()).host).toBe('localhost');
    expect(resolveSettings('postgres://', env()).user).toBe(os.userInfo().username);
  });

  it('never waits forever: connect_timeout 0 or below is the 10 s default, and at least 2 s', () => {
    expect(resolveSettings('postgres://h/d?connect_timeout=0', env()).connectTimeoutMs).toBe(10_000);
    expect(resolveSettings('postgres://h/d', env({ PGCONNECT_TIMEOUT: '-1' })).connectTimeoutMs).toBe(10_000);
    expect(resolveSettings('postgres://h/d?connect_timeout=1', env()).connectTimeoutMs).toBe(2000);
  });

  it('takes a Unix socket directory as the host, percent-encoded or as a parameter, and an IPv6 address', () => {
    expect(resolveSettings('postgres://%2Fvar%2Frun%2Fpostgresql/db', env()).host).toBe('/var/run/postgresql');
    expect(resolveSettings('postgres:///db?host=/tmp/pg', env()).host).toBe('/tmp/pg');
    expect(resolveSettings('postgres://[::1]:5433/db', env())).toMatchObject({ host: '::1', port: 5433 });
  });

  it.each([
    ['an unknown parameter', `postgres://ops:${SECRET}@h/d?target_session_attrs=read-write`, /has the parameter "target_session_attrs", which drainctl does not support \(it knows host, port, .*application_name\)/],
    ['a bad sslmode', `postgres://ops:${SECRET}@h/d?sslmode=on`, /has sslmode "on"; use one of disable, allow, prefer, require, verify-ca, verify-full \(in the URL or PGSSLMODE\)/],
    ['a bad port', `postgres://ops:${SECRET}@h:0/d`, /has port "0"; use a number from 1 to 65535/],
    ['a bad connect_timeout', `postgres://ops:${SECRET}@h/d?connect_timeout=5s`, /has connect_timeout "5s"; use whole seconds/],
    ['several hosts', `postgres://ops:${SECRET}@h1,h2/d`, /names several hosts \(h1,h2\); drainctl connects to one/],
    ['a malformed URL', `postgres://ops:${SECRET}@h:port/d`, /is not a valid URL/],
  ])('refuses %s in one line, without the password', (_what, url, pattern) => {
    let error: unknown;
    try {
      resolveSettings(url, env());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LedgerError);
    const message = (error as LedgerError).message;
    expect(message).toMatch(pattern);
    expect(message).toMatch(/^ledger URL postgres:\/\/\S+ .*; see docs\/ledger\.md#postgresql$/);
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain('\n');
    expect((error as LedgerError).path).not.toContain(SECRET);
  });

  it('refuses a bad PGSSLMODE or PGPORT as it refuses them in the URL', () => {
    expect(() => resolveSettings('postgres://h/d', env({ PGSSLMODE: 'yes' }))).toThrow(/has sslmode "yes"/);
    expect(() => resolveSettings('postgres://h/d', env({ PGPORT: 'x' }))).toThrow(/has port "x"/);
  });
});

describe('the password file', () => {
  const tempDir = useTempDirs();
  const settings = resolveSettings('postgres://ops@db.internal:5433/ledger', { HOME: '/nonexistent' });
  const write = (text: string, mode = 0o600): string => {
    const file = path.join(tempDir(), 'pgpass');
    fs.writeFileSync(file, text, { mode });
    fs.chmodSync(file, mode);
    return file;
  };

  it('gives the first matching line, with wildcards and escapes, from PGPASSFILE', () => {
    const file = write(['# comment', 'other:5433:ledger:ops:wrong', 'db.internal:5432:ledger:ops:wrong-port', `db.internal:*:ledger:ops:pa\\:ss\\\\word`, '*:*:*:*:too-late'].join('\n'));
    expect(passwordFromFile(settings, { PGPASSFILE: file })).toBe('pa:ss\\word');
  });

  it('reads ~/.pgpass when PGPASSFILE is unset, matching a Unix socket as localhost', () => {
    const home = tempDir();
    fs.writeFileSync(path.join(home, '.pgpass'), 'localhost:5432:ledger:ops:from-home\n', { mode: 0o600 });
    expect(passwordFromFile(resolveSettings('postgres://ops@%2Ftmp%2Fpg/ledger', {}), { HOME: home })).toBe('from-home');
  });

  it('ignores a file others can read, as libpq does, and gives nothing when no line matches', () => {
    expect(passwordFromFile(settings, { PGPASSFILE: write('*:*:*:*:open-to-all\n', 0o644) })).toBeUndefined();
    expect(passwordFromFile(settings, { PGPASSFILE: write('*:*:*:someone-else:pw\n') })).toBeUndefined();
    expect(passwordFromFile(settings, { PGPASSFILE: path.join(tempDir(), 'missing') })).toBeUndefined();
  });
});

describe('the test server harness', () => {
  it('fails loudly, with the install command, when the server programs are missing', () => {
    expect(() => postgresBinDir('no-such-pg_config', '/nonexistent')).toThrow(`PostgreSQL server programs (initdb, postgres) not found in \`pg_config --bindir\` or /nonexistent/*/bin; install them with: ${INSTALL_HINT}`);
    expect(INSTALL_HINT).toMatch(/^apt-get install -y postgresql /);
  });

  it('finds them on this machine', () => {
    expect(fs.existsSync(path.join(postgresBinDir(), 'initdb'))).toBe(true);
  });
});
