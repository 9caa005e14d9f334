// The ledgers the ledger benchmarks run on, one shape for both: a SQLite file, and a database of
// its own on a private PostgreSQL server. Each `fresh()` gives a new, empty ledger: where the CLI
// finds it (--ledger), the environment the CLI needs for it, and how to open it in-process.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openSqliteLedger } from '../../dist/ledger/index.js';
import { REPO } from './common.mjs';
import { startPostgres } from './postgres.mjs';
import { toolEnv } from './proc.mjs';

const POSTGRES_DIST = join(REPO, 'dist', 'ledger', 'postgres', 'index.js');

/** True when this build has the PostgreSQL ledger (src/ledger/postgres). */
export function hasPostgresLedger() {
  return existsSync(POSTGRES_DIST);
}

/** A child's environment: the bench's usual one (toolEnv) without any PG* variable of the caller's, plus `extra`. */
export function ledgerEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(toolEnv()).filter(([key]) => !key.startsWith('PG')));
  return { ...env, ...extra };
}

/** SQLite ledgers: new files in `dir` (the bench's temp dir, on the machine's disk). */
export function sqliteLedgers(dir) {
  let n = 0;
  return {
    id: 'sqlite',
    name: 'SQLite',
    fresh(label) {
      const path = join(dir, `${label}-${++n}.db`);
      return { location: path, path, env: ledgerEnv(), open: async (access = 'write') => openSqliteLedger(path, { access }) };
    },
  };
}

/** PostgreSQL ledgers: a new database per ledger on `server` (bench/lib/postgres.mjs); drainctl reads the password from PGPASSWORD. */
export async function postgresLedgers(server) {
  const { openPostgresLedger } = await import(pathToFileURL(POSTGRES_DIST).href);
  const secret = { PGPASSWORD: server.password };
  return {
    id: 'postgres',
    name: 'PostgreSQL',
    server,
    async fresh(label) {
      const database = await server.createDatabase(label.replace(/\W/g, '_'));
      const url = server.url(database);
      return { location: url, database, env: ledgerEnv(secret), open: async (access = 'write') => openPostgresLedger(url, { access, env: secret }) };
    },
  };
}

/**
 * The ledger kinds of this run: SQLite always; PostgreSQL when this build has its ledger, on a
 * private server started here (stop() ends it). `postgres` says which server, or why none.
 */
export async function startLedgerKinds(tmpDir) {
  const kinds = [sqliteLedgers(tmpDir)];
  if (!hasPostgresLedger()) return { kinds, postgres: { note: 'this build has no PostgreSQL ledger (src/ledger/postgres)' }, stop: async () => {} };
  const server = await startPostgres();
  kinds.push(await postgresLedgers(server));
  return { kinds, postgres: { version: server.version }, stop: () => server.stop() };
}
