/**
 * sslmode as libpq means it, against a server with TLS (a self-signed certificate for the name
 * localhost) that refuses connections in the clear.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/core/ledger.js';
import { LedgerError, openPostgresLedger } from '../../src/ledger/index.js';
import { usePostgres } from '../support/postgres.js';
import { useTempDirs } from './helpers.js';

const server = usePostgres({ ssl: true, hbaFirst: ['hostnossl all all 127.0.0.1/32 reject'] });
const opened: Ledger[] = [];
let database = '';
let names = 0;

beforeAll(async () => {
  database = new URL(await server().createDatabase()).pathname.slice(1);
});
afterEach(async () => {
  for (const ledger of opened.splice(0)) await ledger.close();
});

/** The URL with these parameters (and its own application_name, to find its session). */
function url(params: Record<string, string>, host = '127.0.0.1'): { url: string; name: string } {
  const name = `tls-${++names}`;
  const query = new URLSearchParams({ ...params, application_name: name });
  return { url: `${server().url(database, { host })}?${query.toString()}`, name };
}

async function connectsOverTls(target: { url: string; name: string }, env: NodeJS.ProcessEnv = { HOME: '/nonexistent' }): Promise<boolean> {
  const ledger = await openPostgresLedger(target.url, { env });
  opened.push(ledger);
  const rows = await server().sql<{ ssl: boolean }>('SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = $1', [target.name]);
  expect(rows).toHaveLength(1);
  return rows[0]!.ssl;
}

async function failure(target: { url: string }, env: NodeJS.ProcessEnv = { HOME: '/nonexistent' }): Promise<LedgerError> {
  const error = await openPostgresLedger(target.url, { env }).then(
    (ledger) => ledger.close().then(() => undefined),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LedgerError);
  expect((error as LedgerError).message).not.toContain(server().password);
  expect((error as LedgerError).message).not.toContain('\n');
  return error as LedgerError;
}

describe('sslmode', () => {
  const tempDir = useTempDirs();
  const otherCa = (): string => {
    const dir = tempDir();
    const cert = path.join(dir, 'other.crt');
    const made = spawnSync('openssl', ['req', '-new', '-x509', '-days', '2', '-nodes', '-newkey', 'rsa:2048', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', path.join(dir, 'other.key'), '-out', cert], { encoding: 'utf8', timeout: 30_000 });
    expect(made.status, made.stderr).toBe(0);
    return cert;
  };

  it('prefer (the default) encrypts when the server offers TLS, without checking the certificate', async () => {
    expect(await connectsOverTls(url({}))).toBe(true);
  });

  it('require encrypts without checking the certificate', async () => {
    expect(await connectsOverTls(url({ sslmode: 'require' }))).toBe(true);
  });

  it('allow tries in the clear first, and encrypts when the server refuses that', async () => {
    expect(await connectsOverTls(url({ sslmode: 'allow' }))).toBe(true);
  });

  it('disable never encrypts, and the server refusing a clear connection is one line', async () => {
    const error = await failure(url({ sslmode: 'disable' }));
    expect(error.message).toMatch(/: the server refused user "postgres" \(28000: pg_hba\.conf rejects connection for host "127\.0\.0\.1", user "postgres", database "[a-z0-9_]+", no encryption\); allow the connection in the server's pg_hba\.conf, or check the user name and sslmode$/);
    expect(error.problem).toBe('unusable');
  });

  it('verify-full checks the CA and the host name', async () => {
    const ca = server().certificateFile!;
    expect(await connectsOverTls(url({ sslmode: 'verify-full', sslrootcert: ca }, 'localhost'))).toBe(true);
    const error = await failure(url({ sslmode: 'verify-full', sslrootcert: ca }));
    expect(error.message).toMatch(/: the server's certificate was not accepted under sslmode=verify-full \(ERR_TLS_CERT_ALTNAME_INVALID\); give the CA that signed it with sslrootcert=<file> in the URL \(or PGSSLROOTCERT\), and connect by a name the certificate carries, or use sslmode=require to encrypt without checking$/);
  });

  it('verify-full without any CA says where to give one, before connecting', async () => {
    const error = await failure(url({ sslmode: 'verify-full' }));
    expect(error.message).toMatch(/: sslmode=verify-full checks the server's certificate, and no CA was given; name its file with sslrootcert=<file> in the URL \(or PGSSLROOTCERT, or put it at \/nonexistent\/\.postgresql\/root\.crt\), or use sslrootcert=system for the system's CAs$/);
  });

  it('verify-ca checks the CA but not the name', async () => {
    expect(await connectsOverTls(url({ sslmode: 'verify-ca', sslrootcert: server().certificateFile! }))).toBe(true);
    const error = await failure(url({ sslmode: 'verify-ca', sslrootcert: otherCa() }));
    expect(error.message).toMatch(/: the server's certificate was not accepted under sslmode=verify-ca \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)/);
  });

  it('reads the CA from PGSSLROOTCERT, and from ~/.postgresql/root.crt, where require then checks it as libpq does', async () => {
    expect(await connectsOverTls(url({ sslmode: 'verify-full' }, 'localhost'), { HOME: '/nonexistent', PGSSLROOTCERT: server().certificateFile! })).toBe(true);
    const home = tempDir();
    fs.mkdirSync(path.join(home, '.postgresql'));
    fs.copyFileSync(otherCa(), path.join(home, '.postgresql', 'root.crt'));
    expect((await failure(url({ sslmode: 'require' }), { HOME: home })).message).toMatch(/certificate was not accepted under sslmode=require/);
  });

  it('a CA file that cannot be read is one line naming it', async () => {
    const missing = path.join(tempDir(), 'missing.crt');
    expect((await failure(url({ sslmode: 'verify-ca', sslrootcert: missing }))).message).toMatch(new RegExp(`: cannot read the sslrootcert file ${missing.replace(/[.]/g, '\\.')} \\(ENOENT\\); fix sslrootcert in the URL \\(or PGSSLROOTCERT\\)$`));
  });
});
