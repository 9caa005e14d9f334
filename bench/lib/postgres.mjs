// A private PostgreSQL server for the ledger benchmarks, as test/support/postgres.ts starts one for
// the tests: initdb into a fresh temp dir, `postgres` listening only on 127.0.0.1 (a free port),
// its socket in that dir, removed when stopped. Unlike the tests' server it keeps PostgreSQL's
// durability defaults (fsync, synchronous_commit), so a commit costs what it costs on a real server.
// Under root, initdb and postgres run as the `postgres` user (they refuse root).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './common.mjs';

const INSTALL_HINT = 'apt-get install -y postgresql';

/** The directory holding initdb and postgres, or undefined. */
export function postgresBinDir() {
  const candidates = [];
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  const debian = '/usr/lib/postgresql';
  if (fs.existsSync(debian)) candidates.push(...fs.readdirSync(debian).sort((a, b) => Number(b) - Number(a)).map((v) => path.join(debian, v, 'bin')));
  return candidates.find((dir) => ['initdb', 'postgres'].every((p) => fs.existsSync(path.join(dir, p))));
}

/** Why a PostgreSQL server cannot be started here, or undefined when it can. */
export function postgresProblem() {
  if (!postgresBinDir()) return `the PostgreSQL server programs (initdb, postgres) are not installed (${INSTALL_HINT})`;
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) return `running as root needs a \`postgres\` user to run the server as (${INSTALL_HINT} creates it)`;
  return undefined;
}

function serverOwner() {
  if (process.getuid?.() !== 0) return undefined;
  const [uid, gid] = ['-u', '-g'].map((flag) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim()));
  return { uid, gid };
}

/**
 * Where the server's directory goes: the temp dir, unless the server's user could not reach it
 * (a private TMPDIR under root) or its socket path would pass the 107-byte limit; then /tmp.
 */
function baseDir(owner) {
  const tmp = os.tmpdir();
  const reachable = (dir) => {
    for (let d = dir; ; d = path.dirname(d)) {
      if ((fs.statSync(d).mode & 0o001) === 0) return false;
      if (d === path.dirname(d)) return true;
    }
  };
  return tmp.length > 60 || (owner && !reachable(tmp)) ? '/tmp' : tmp;
}

/** setpriv changes both real and effective ids and execs: no extra process. */
function asOwner(owner, program, args) {
  return owner ? ['setpriv', [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--', program, ...args]] : [program, args];
}

const childEnv = (dir) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', HOME: dir });

/**
 * Starts the server. Resolves with { version, port, password, url(db), createDatabase(), sql(), client(), stop() }.
 * TCP connections need the superuser's password (scram-sha-256, as a real server would ask); the
 * password is random, and nothing here prints it.
 */
export async function startPostgres() {
  // Loaded here, not at the top: a run without the PostgreSQL ledger needs no driver.
  const { default: pg } = await import('pg');
  const bin = postgresBinDir();
  const owner = serverOwner();
  const dir = fs.mkdtempSync(path.join(baseDir(owner), 'drainctl-bench-pg-'));
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const port = await freePort();
  let child;
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGINT'); // fast shutdown
      });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (owner) fs.chownSync(dir, owner.uid, owner.gid);
    const pwfile = path.join(dir, 'superuser-password');
    fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (owner) fs.chownSync(pwfile, owner.uid, owner.gid);
    const [cmd, argv] = asOwner(owner, path.join(bin, 'initdb'), ['-D', path.join(dir, 'data'), '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C']);
    const init = spawnSync(cmd, argv, { encoding: 'utf8', env: childEnv(dir), timeout: 120_000 });
    fs.rmSync(pwfile);
    if (init.status !== 0) throw new Error(`initdb failed (${init.status ?? init.signal}): ${(init.stderr || init.stdout).trim().slice(-600)}`);
    const settings = ['listen_addresses=127.0.0.1', 'max_connections=200', 'log_min_messages=warning'];
    const [scmd, sargv] = asOwner(owner, path.join(bin, 'postgres'), ['-D', path.join(dir, 'data'), '-p', String(port), '-k', dir, ...settings.flatMap((s) => ['-c', s])]);
    child = spawn(scmd, sargv, { env: childEnv(dir), stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    child.stderr.on('data', (chunk) => (tail = (tail + chunk).slice(-2000)));
    const server = makeServer(pg, dir, port, password, stop);
    await waitReady(server, child, () => tail);
    server.version = (await server.sql('SHOW server_version'))[0].server_version;
    return server;
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitReady(server, child, tail) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`postgres exited before accepting connections: ${tail()}`);
    try {
      await server.sql('SELECT 1');
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s: ${tail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function makeServer(pg, dir, port, password, stop) {
  let databases = 0;
  /** Superuser over the Unix socket (trusted): for loading and EXPLAIN, not what drainctl uses. */
  const client = async (database = 'postgres') => {
    const c = new pg.Client({ host: dir, port, user: 'postgres', database });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  const sql = async (text, params, database) => {
    const c = await client(database);
    try {
      return (await c.query(text, params)).rows;
    } finally {
      await c.end();
    }
  };
  return {
    port,
    /** The superuser's password, for PGPASSWORD in a child's environment; never printed. */
    password,
    /** A TCP URL without the password: drainctl reads it from PGPASSWORD. */
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    client,
    sql,
    async createDatabase(prefix = 'ledger') {
      const name = `${prefix}_${++databases}_${randomBytes(3).toString('hex')}`;
      await sql(`CREATE DATABASE ${name}`);
      return name;
    },
    stop,
  };
}
