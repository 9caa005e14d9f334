import { LedgerError } from '../errors.js';
import { refuseNewer, refuseOlder, type Migration } from '../migrations.js';
import type { Query, Session } from './session.js';

/**
 * The PostgreSQL schema, step for step the SQLite one (src/ledger/migrations.ts): the same
 * version numbers mean the same tables and columns. Timestamps are TIMESTAMPTZ; registration,
 * details and holder are `json`, not `jsonb`, because `json` keeps the text as written: key order
 * and every string come back exactly as they went in, as they do from SQLite (`jsonb` reorders
 * keys and refuses the NUL character). Ordered; append only.
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'instance and drain_event',
    sql: `
      CREATE TABLE instance (
        id               BIGSERIAL PRIMARY KEY,
        provider         TEXT NOT NULL,
        group_ref        TEXT NOT NULL,
        target           TEXT NOT NULL,
        status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'draining', 'stopped')),
        in_flight        BIGINT CHECK (in_flight IS NULL OR in_flight >= 0),
        drain_started_at TIMESTAMPTZ,
        drained_at       TIMESTAMPTZ,
        registration     JSON,
        updated_at       TIMESTAMPTZ NOT NULL,
        UNIQUE (provider, group_ref, target)
      );
      CREATE TABLE drain_event (
        id          BIGSERIAL PRIMARY KEY,
        instance_id BIGINT NOT NULL REFERENCES instance (id),
        event_type  TEXT NOT NULL,
        at          TIMESTAMPTZ NOT NULL,
        details     JSON NOT NULL DEFAULT '{}' CHECK (json_typeof(details) = 'object')
      );
      CREATE INDEX drain_event_instance_at ON drain_event (instance_id, at);
      CREATE INDEX drain_event_at ON drain_event (at);
    `,
  },
  {
    version: 2,
    name: 'holders, leases and capacity locks',
    sql: `
      ALTER TABLE instance
        ADD COLUMN holder JSON CHECK (holder IS NULL OR json_typeof(holder) = 'object'),
        ADD COLUMN runner_id TEXT,
        ADD COLUMN lease_expires_at TIMESTAMPTZ;
      CREATE INDEX instance_not_active ON instance (drain_started_at NULLS FIRST, id) WHERE status <> 'active';
      CREATE INDEX instance_runner ON instance (runner_id) WHERE runner_id IS NOT NULL;
      CREATE TABLE capacity_lock (
        provider    TEXT NOT NULL,
        group_ref   TEXT NOT NULL,
        runner_id   TEXT NOT NULL,
        holder      JSON NOT NULL CHECK (json_typeof(holder) = 'object'),
        since       TIMESTAMPTZ NOT NULL,
        expires_at  TIMESTAMPTZ NOT NULL,
        backend_pid INTEGER,
        PRIMARY KEY (provider, group_ref)
      );
    `,
  },
];

/** The table that records which steps have run; its name marks the database as a drainctl ledger. */
export const VERSION_TABLE = 'drainctl_schema_version';

/** Serialises migrations across every process on the database ('drncmigr'), in the one-key space the group locks do not use. */
const MIGRATION_LOCK = '7237968924454250354';

/** The tables a drainctl ledger has; finding one without the version table means another application's database. */
const LEDGER_TABLES = ['instance', 'drain_event', 'capacity_lock'];

/** What the database holds: `absent` is an empty database (nothing recorded yet). */
export type SchemaState = 'present' | 'absent';

/**
 * Brings the schema up to date (`write`), or checks it can be read as it is (`read`, which never
 * creates or changes anything: a database without drainctl's tables reads as an empty ledger).
 */
export async function prepareSchema(session: Session, location: string, access: 'read' | 'write', migrations: readonly Migration[] = POSTGRES_MIGRATIONS): Promise<SchemaState> {
  const latest = migrations.at(-1)?.version ?? 0;
  const found = await session.run((query) => currentVersion(query, location));
  refuseNewer(location, found, latest);
  if (access === 'read') {
    if (found === 0) return 'absent';
    refuseOlder(location, found, latest);
    return 'present';
  }
  if (found === latest) return 'present';
  await session.run((query) => refuseNonUtf8(query, location));
  for (const step of migrations) await session.transaction((query) => runStep(query, location, step, latest));
  return 'present';
}

// The lock makes ten drainctl processes starting on an empty database take turns; each re-reads
// the version once it holds the lock, so a step done by another is skipped, not repeated.
async function runStep(query: Query, location: string, step: Migration, latest: number): Promise<void> {
  await query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
  await query(`CREATE TABLE IF NOT EXISTS ${VERSION_TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
  const current = await currentVersion(query, location);
  refuseNewer(location, current, latest);
  if (current >= step.version) return;
  await query(step.sql);
  await query(`INSERT INTO ${VERSION_TABLE} (version, name) VALUES ($1, $2)`, [step.version, step.name]);
}

/** The newest step recorded, 0 for a database drainctl has not written; refuses another application's tables. */
async function currentVersion(query: Query, location: string): Promise<number> {
  const { rows } = await query<{ versioned: boolean; foreign: string | null }>(
    `SELECT to_regclass($1) IS NOT NULL AS versioned,
            (SELECT t FROM unnest($2::text[]) AS t WHERE to_regclass(t) IS NOT NULL LIMIT 1) AS foreign`,
    [VERSION_TABLE, LEDGER_TABLES],
  );
  const { versioned, foreign } = rows[0]!;
  if (!versioned) {
    if (foreign !== null) {
      throw new LedgerError(location, `ledger ${location} is not a drainctl ledger: the database has a table ${foreign} that drainctl did not create; give drainctl a database (or schema) of its own, see docs/ledger.md#postgresql`);
    }
    return 0;
  }
  const version = await query<{ version: number | null }>(`SELECT max(version) AS version FROM ${VERSION_TABLE}`);
  return version.rows[0]?.version ?? 0;
}

// Details and registrations carry whatever text a provider returned; a database in another
// encoding would refuse some of it in the middle of a drain.
async function refuseNonUtf8(query: Query, location: string): Promise<void> {
  const { rows } = await query<{ encoding: string; database: string }>("SELECT current_setting('server_encoding') AS encoding, current_database() AS database");
  const { encoding, database } = rows[0]!;
  if (encoding === 'UTF8' || encoding === 'SQL_ASCII') return;
  throw new LedgerError(location, `ledger ${location}: database "${database}" has encoding ${encoding}, and drainctl records text in any language; create the ledger database with ENCODING 'UTF8' (see docs/ledger.md#postgresql)`);
}
