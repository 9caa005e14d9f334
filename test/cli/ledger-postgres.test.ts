/**
 * The PostgreSQL ledger through the built CLI: drains recorded on a shared server, the exit code of
 * each kind of failure, and the password never printed (not in errors, not with --debug, not in
 * json). Needs dist/ (npm run build).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPostgresLedger } from '../../src/ledger/index.js';
import { freePort, runCli, scratchDir } from '../support/cli.js';
import { usePostgres } from '../support/postgres.js';
import { callsOf, cleanupAfterEach, ID, jsonDoc, runAgainst, startEmulator } from './helpers.js';

cleanupAfterEach();
const server = usePostgres();
const W1 = `elbv2:web/${ID.web1}`;
const SECRET = 'hunter2-do-not-print';

/** Every way the output could carry a password, checked at once. */
function expectNoSecret(result: { stdout: string; stderr: string }, ...secrets: string[]): void {
  for (const secret of [server().password, SECRET, ...secrets]) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
}

describe('a PostgreSQL ledger through the CLI', () => {
  it('records a drain and its restore on the server, and history reads them back', { timeout: 90_000 }, async () => {
    const emulator = await startEmulator();
    const url = await server().createDatabase();
    // The password from PGPASSWORD, as a CI job would pass it, not in the URL.
    const env = { DRAINCTL_LEDGER: url.replace(`:${server().password}@`, '@'), PGPASSWORD: server().password };
    for (const args of [['drain', W1], ['restore', W1]]) {
      const result = await runAgainst(emulator, args, { env });
      expect(result.code, result.stderr).toBe(0);
      expectNoSecret(result);
    }
    const history = await runCli(['history', '-o', 'json', '--debug'], { env });
    expect(history.code, history.stderr).toBe(0);
    expectNoSecret(history);
    const types = (jsonDoc(history).events as { type: string }[]).map((e) => e.type);
    expect(types).toContain('drain_requested');
    expect(types[0]).toBe('restored');
    const rows = await server().sql('SELECT provider, target, status, registration::text AS registration FROM instance', [], new URL(url).pathname.slice(1));
    expect(rows).toEqual([{ provider: 'elbv2', target: `${ID.web1}:8080`, status: 'active', registration: expect.stringContaining('"port":8080') }]);
  });

  it('two runners draining one group at once share its capacity through the server: one drains, the other is refused', { timeout: 90_000 }, async () => {
    const emulator = await startEmulator();
    const url = await server().createDatabase();
    const env = { DRAINCTL_LEDGER: url };
    const [first, second] = await Promise.all([ID.web1, ID.web2].map((id) => runAgainst(emulator, ['drain', `elbv2:web/${id}`, '--min-healthy', '2'], { env })));
    expect([first!.code, second!.code].sort(), `${first!.stderr}\n${second!.stderr}`).toEqual([0, 5]);
    const refused = first!.code === 5 ? first! : second!;
    expect(refused.stderr).toMatch(/min-healthy|in service/);
    expectNoSecret(refused);
    expect(callsOf(emulator, 'DeregisterTargets')).toHaveLength(1);
    const draining = await server().sql("SELECT target FROM instance WHERE status <> 'active'", [], new URL(url).pathname.slice(1));
    expect(draining).toHaveLength(1);
  });

  it('reads an empty database as no recorded drains and creates nothing', async () => {
    const url = await server().createDatabase();
    const result = await runCli(['history'], { env: { DRAINCTL_LEDGER: url } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('no recorded drains');
    expectNoSecret(result);
    expect(await server().sql("SELECT relname FROM pg_class WHERE relname = 'instance'", [], new URL(url).pathname.slice(1))).toEqual([]);
  });

  it('takes the URL from drainctl.yaml as it is, not as a path beside the file', async () => {
    const url = await server().createDatabase();
    const ledger = await openPostgresLedger(url, { env: {} });
    await ledger.record({ provider: 'elbv2', group: 'web', target: `${ID.web1}:8080` }, {}, { type: 'drain_requested', at: '2025-01-01T00:00:00Z' });
    await ledger.close();
    const dir = scratchDir();
    fs.writeFileSync(path.join(dir, 'drainctl.yaml'), `ledger: ${url}\n`);
    const result = await runCli(['history', '-o', 'json'], { cwd: dir, env: { DRAINCTL_LEDGER: '' } });
    expect(result.code, result.stderr).toBe(0);
    expect((jsonDoc(result).events as unknown[]).length).toBe(1);
    expect(fs.readdirSync(dir)).toEqual(['drainctl.yaml']);
  });

  it('an unreachable server is exit 1, one line, no password, in every format and with --debug', async () => {
    const port = await freePort();
    const url = `postgres://ops:${SECRET}@127.0.0.1:${port}/ledger`;
    const line = `drainctl: ledger postgres://ops@127.0.0.1:${port}/ledger is unreachable: no server accepts connections at 127.0.0.1:${port} (ECONNREFUSED); start the server, or fix the host and port in the URL (or PGHOST and PGPORT)\n`;
    const text = await runCli(['history', '--ledger', url]);
    expect(text).toEqual({ code: 1, stdout: '', stderr: line });
    const debug = await runCli(['history', '--debug', '--ledger', url]);
    expect(debug.code).toBe(1);
    expectNoSecret(debug);
    const json = await runCli(['history', '-o', 'json', '--ledger', url]);
    expect(json.code).toBe(1);
    expectNoSecret(json);
    expect(jsonDoc(json).error).toMatchObject({ kind: 'provider', ledger: `postgres://ops@127.0.0.1:${port}/ledger` });
  });

  it('a drain with an unreachable ledger changes nothing at the load balancer (exit 1)', { timeout: 60_000 }, async () => {
    const emulator = await startEmulator();
    const url = `postgres://ops:${SECRET}@127.0.0.1:${await freePort()}/ledger`;
    const result = await runAgainst(emulator, ['drain', W1], { env: { DRAINCTL_LEDGER: url } });
    expect(result.code).toBe(1);
    expectNoSecret(result);
    expect(callsOf(emulator, 'DeregisterTargets')).toEqual([]);
  });

  it('a refused login is exit 2 before any change, naming the user and not the password', { timeout: 60_000 }, async () => {
    const emulator = await startEmulator();
    const db = new URL(await server().createDatabase()).pathname.slice(1);
    const result = await runAgainst(emulator, ['drain', W1], { env: { DRAINCTL_LEDGER: server().url(db, { password: SECRET }) } });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr.startsWith(`drainctl: ledger postgres://postgres@127.0.0.1:${server().port}/${db}: password authentication failed for user "postgres" (28P01: password authentication failed for user "postgres"); fix the password in the URL, PGPASSWORD or ~/.pgpass`)).toBe(true);
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(callsOf(emulator, 'DeregisterTargets')).toEqual([]);
  });

  it('sslmode=require against a server without TLS is exit 2 in one clear line', async () => {
    const db = new URL(await server().createDatabase()).pathname.slice(1);
    const result = await runCli(['history'], { env: { DRAINCTL_LEDGER: server().url(db), PGSSLMODE: 'require' } });
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `drainctl: ledger postgres://postgres@127.0.0.1:${server().port}/${db}: the server does not accept SSL connections, and sslmode=require requires SSL; turn ssl on in the server's postgresql.conf, or use sslmode=prefer (in the URL or PGSSLMODE)\n`,
    });
  });

  it('a SQLite ledger never loads the PostgreSQL driver; a postgres:// one does', async () => {
    const probe = path.join(scratchDir(), 'probe.mjs');
    const dist = path.join(import.meta.dirname, '..', '..', 'dist', 'index.js');
    fs.writeFileSync(
      probe,
      `import { createRequire } from 'node:module';
const { openLedgerAt } = await import(${JSON.stringify(dist)});
await openLedgerAt(process.argv[2], { env: {} }).then((ledger) => ledger.close(), () => undefined);
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => /[\\\\/]node_modules[\\\\/]pg[\\\\/]/.test(f));
process.stdout.write(String(loaded.length));`,
    );
    const { spawnSync } = await import('node:child_process');
    const loadedFor = (location: string): number => {
      const result = spawnSync(process.execPath, [probe, location], { encoding: 'utf8', timeout: 30_000 });
      expect(result.status, result.stderr).toBe(0);
      return Number(result.stdout);
    };
    expect(loadedFor(':memory:')).toBe(0);
    expect(loadedFor(`postgres://ops@127.0.0.1:${await freePort()}/ledger`)).toBeGreaterThan(0);
  });
});
