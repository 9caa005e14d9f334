/**
 * A real PostgreSQL server of the tests' own: initdb into a fresh temp dir, `postgres` listening
 * only on 127.0.0.1 (a free port) with its Unix socket in that dir, stopped and removed after the
 * test file. The superuser `postgres` has a password: TCP connections (what drainctl uses) need it
 * (scram-sha-256), while the Unix socket trusts the test's own administration.
 *
 * initdb and postgres refuse to run as root; under root (CI, this machine) they run as the
 * `postgres` system user. Missing server programs fail the suite with the command that installs
 * them: a ledger backend must not go untested because a package was absent.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './ports.js';

export const INSTALL_HINT = 'apt-get install -y postgresql (Debian/Ubuntu: it provides initdb and postgres under /usr/lib/postgresql/<version>/bin)';

export interface PostgresServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The directory of the Unix socket (trust: no password). */
  readonly socketDir: string;
  readonly superuser: 'postgres';
  /** The superuser's password, needed over TCP. */
  readonly password: string;
  /** The CA (self-signed server certificate) of a server started with `ssl`, as PEM. */
  readonly certificateFile: string | undefined;
  /** A TCP URL of `database` as `user` (default the superuser, with its password; `password: null` for none). */
  url(database: string, options?: { readonly user?: string; readonly password?: string | null; readonly host?: string }): string;
  /** A new empty database, and its URL (superuser, with password). */
  createDatabase(): Promise<string>;
  /** Runs SQL as the superuser over the Unix socket, in `database` (default postgres). */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[], database?: string): Promise<R[]>;
  /** A connected superuser client over the Unix socket; the caller ends it. */
  client(database?: string): Promise<pg.Client>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Turn TLS on, with a self-signed certificate for DNS:localhost only. */
  readonly ssl?: boolean;
  /** Lines put before the generated pg_hba.conf rules (first match wins). */
  readonly hbaFirst?: readonly string[];
}

const started = new Set<{ child: ChildProcess; dir: string }>();
process.once('exit', () => {
  for (const { child, dir } of started) {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Starts a server for the test file: the returned getter is valid from beforeAll to afterAll. */
export function usePostgres(options: StartOptions = {}): () => PostgresServer {
  let server: PostgresServer | undefined;
  beforeAll(async () => {
    server = await startPostgres(options);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  }, 30_000);
  return () => {
    if (!server) throw new Error('the PostgreSQL server is not running (usePostgres() must be called at the top of a describe)');
    return server;
  };
}

/** The directory holding initdb and postgres, or an error naming the install command (the arguments are for its own test). */
export function postgresBinDir(pgConfigProgram = 'pg_config', debian = '/usr/lib/postgresql'): string {
  const candidates: string[] = [];
  const pgConfig = spawnSync(pgConfigProgram, ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  // Debian's pg_config may come from libpq-dev alone; the server has its own versioned directory.
  if (fs.existsSync(debian)) candidates.push(...fs.readdirSync(debian).sort((a, b) => Number(b) - Number(a)).map((v) => path.join(debian, v, 'bin')));
  const found = candidates.find((dir) => ['initdb', 'postgres'].every((p) => fs.existsSync(path.join(dir, p))));
  if (!found) throw new Error(`PostgreSQL server programs (initdb, postgres) not found in \`pg_config --bindir\` or ${debian}/*/bin; install them with: ${INSTALL_HINT}`);
  return found;
}

export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const owner = serverOwner();
  const dir = fs.mkdtempSync(path.join(baseDir(owner), 'drainctl-pg-'));
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const port = await freePort();
  try {
    if (owner) fs.chownSync(dir, owner.uid, owner.gid);
    const pwfile = writeOwned(dir, 'superuser-password', `${password}\n`, owner);
    run(owner, dir, path.join(bin, 'initdb'), ['-D', path.join(dir, 'data'), '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync']);
    fs.rmSync(pwfile);
    if (options.hbaFirst) prependHba(path.join(dir, 'data', 'pg_hba.conf'), options.hbaFirst);
    const certificateFile = options.ssl ? makeCertificate(dir, owner) : undefined;
    const child = spawnServer(owner, bin, dir, port, certificateFile);
    const entry = { child, dir };
    started.add(entry);
    const server = makeServer(dir, port, password, certificateFile, async () => {
      await stopServer(child);
      started.delete(entry);
      fs.rmSync(dir, { recursive: true, force: true });
    });
    await waitReady(server, child);
    return server;
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

interface Owner {
  readonly uid: number;
  readonly gid: number;
}

// Under root, the server runs as `postgres`; otherwise as whoever runs the tests.
function serverOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const ids = ['-u', '-g'].map((flag) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
  if (ids.some((r) => r.status !== 0)) {
    throw new Error(`tests run as root, and initdb and postgres refuse root; there is no \`postgres\` user to run them as: ${INSTALL_HINT} creates it`);
  }
  return { uid: Number(ids[0]!.stdout.trim()), gid: Number(ids[1]!.stdout.trim()) };
}

/**
 * Where the server's directory goes: the temp dir, unless the server's user could not reach it
 * (a private TMPDIR under root) or its socket path would pass the 107-byte limit; then /tmp.
 */
function baseDir(owner: Owner | undefined): string {
  const tmp = os.tmpdir();
  const reachable = (dir: string): boolean => {
    for (let d = dir; ; d = path.dirname(d)) {
      if ((fs.statSync(d).mode & 0o001) === 0) return false;
      if (d === path.dirname(d)) return true;
    }
  };
  return tmp.length > 60 || (owner && !reachable(tmp)) ? '/tmp' : tmp;
}

/** The command line, run as `owner` when given (setpriv changes both real and effective ids, and execs: no extra process). */
function asOwner(owner: Owner | undefined, program: string, args: readonly string[]): [string, string[]] {
  if (!owner) return [program, [...args]];
  return ['setpriv', [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--', program, ...args]];
}

function childEnv(dir: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', HOME: dir };
}

function run(owner: Owner | undefined, dir: string, program: string, args: readonly string[]): void {
  const [command, argv] = asOwner(owner, program, args);
  const result = spawnSync(command, argv, { encoding: 'utf8', env: childEnv(dir), timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${path.basename(program)} failed (${result.status ?? result.signal}): ${(result.stderr || result.stdout || String(result.error)).trim().slice(-1000)}`);
}

function writeOwned(dir: string, name: string, text: string, owner: Owner | undefined): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text, { mode: 0o600 });
  if (owner) fs.chownSync(file, owner.uid, owner.gid);
  return file;
}

function prependHba(file: string, lines: readonly string[]): void {
  fs.writeFileSync(file, `${lines.join('\n')}\n${fs.readFileSync(file, 'utf8')}`);
}

// Self-signed, valid only for the name localhost: connecting by 127.0.0.1 fails verify-full.
function makeCertificate(dir: string, owner: Owner | undefined): string {
  const key = path.join(dir, 'server.key');
  const cert = path.join(dir, 'server.crt');
  const result = spawnSync('openssl', ['req', '-new', '-x509', '-days', '2', '-nodes', '-newkey', 'rsa:2048', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', cert], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`openssl could not make a test certificate: ${result.stderr}`);
  fs.chmodSync(key, 0o600);
  fs.chmodSync(cert, 0o644);
  if (owner) for (const file of [key, cert]) fs.chownSync(file, owner.uid, owner.gid);
  return cert;
}

function spawnServer(owner: Owner | undefined, bin: string, dir: string, port: number, certificateFile: string | undefined): ChildProcess {
  const settings = [
    'listen_addresses=127.0.0.1',
    // Nothing here needs to survive a crash of the test machine.
    'fsync=off',
    'synchronous_commit=off',
    'full_page_writes=off',
    'max_connections=100',
    'log_min_messages=warning',
    ...(certificateFile ? ['ssl=on', `ssl_cert_file=${certificateFile}`, `ssl_key_file=${path.join(dir, 'server.key')}`] : []),
  ];
  const args = ['-D', path.join(dir, 'data'), '-p', String(port), '-k', dir, ...settings.flatMap((s) => ['-c', s])];
  const [command, argv] = asOwner(owner, path.join(bin, 'postgres'), args);
  const child = spawn(command, argv, { env: childEnv(dir), stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  // Read it all, or a full pipe would stop the server.
  child.stderr?.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000)));
  Object.defineProperty(child, 'stderrTail', { get: () => tail });
  return child;
}

async function waitReady(server: PostgresServer, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (let attempt = 0; attempt < 600; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`postgres exited (${child.exitCode ?? child.signalCode}) before accepting connections: ${(child as ChildProcess & { stderrTail: string }).stderrTail}`);
    }
    try {
      await server.sql('SELECT 1');
      return;
    } catch {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await server.stop();
  throw new Error(`postgres did not accept connections on 127.0.0.1:${server.port} within 30 s: ${(child as ChildProcess & { stderrTail: string }).stderrTail}`);
}

// SIGINT is PostgreSQL's fast shutdown: sessions are ended, nothing waits for clients.
function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}

function makeServer(dir: string, port: number, password: string, certificateFile: string | undefined, stop: () => Promise<void>): PostgresServer {
  let databases = 0;
  let stopped: Promise<void> | undefined;
  const client = async (database = 'postgres'): Promise<pg.Client> => {
    const c = new pg.Client({ host: dir, port, user: 'postgres', database, password: '' });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  const sql = async <R extends pg.QueryResultRow>(text: string, params?: unknown[], database?: string): Promise<R[]> => {
    const c = await client(database);
    try {
      return (await c.query<R>(text, params)).rows;
    } finally {
      await c.end();
    }
  };
  const url: PostgresServer['url'] = (database, options = {}) => {
    const user = options.user ?? 'postgres';
    const secret = options.password === undefined ? (user === 'postgres' ? password : undefined) : options.password;
    const auth = secret == null ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(secret)}`;
    return `postgres://${auth}@${options.host ?? '127.0.0.1'}:${port}/${encodeURIComponent(database)}`;
  };
  return {
    host: '127.0.0.1',
    port,
    socketDir: dir,
    superuser: 'postgres',
    password,
    certificateFile,
    url,
    client,
    sql,
    async createDatabase() {
      const name = `ledger_${++databases}_${randomBytes(3).toString('hex')}`;
      await sql(`CREATE DATABASE ${name}`);
      return url(name);
    },
    stop: () => (stopped ??= stop()),
  };
}
