import type Database from 'better-sqlite3';
import { LedgerError } from './errors.js';

/** One schema step; `version` becomes `PRAGMA user_version` once `sql` has run. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Marks the file as ours so a stray SQLite database is never silently adopted ('drnc'). */
export const LEDGER_APPLICATION_ID = 0x64726e63;

/** Ordered; append only. Never edit a released step: existing ledgers have already run it. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'instance and drain_event',
    sql: `
      CREATE TABLE instance (
        id               INTEGER PRIMARY KEY,
        provider         TEXT NOT NULL,
        group_ref        TEXT NOT NULL,
        target           TEXT NOT NULL,
        status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'draining', 'stopped')),
        in_flight        INTEGER CHECK (in_flight IS NULL OR in_flight >= 0),
        drain_started_at TEXT,
        drained_at       TEXT,
        registration     TEXT CHECK (registration IS NULL OR json_valid(registration)),
        updated_at       TEXT NOT NULL,
        UNIQUE (provider, group_ref, target)
      ) STRICT;
      CREATE TABLE drain_event (
        id          INTEGER PRIMARY KEY,
        instance_id INTEGER NOT NULL REFERENCES instance (id),
        event_type  TEXT NOT NULL,
        at          TEXT NOT NULL,
        details     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
      ) STRICT;
      CREATE INDEX drain_event_instance_at ON drain_event (instance_id, at);
      CREATE INDEX drain_event_at ON drain_event (at);
      PRAGMA application_id = ${LEDGER_APPLICATION_ID};
    `,
  },
  {
    version: 2,
    name: 'holders, leases and capacity locks',
    sql: `
      ALTER TABLE instance ADD COLUMN holder TEXT CHECK (holder IS NULL OR json_valid(holder));
      ALTER TABLE instance ADD COLUMN runner_id TEXT;
      ALTER TABLE instance ADD COLUMN lease_expires_at TEXT;
      CREATE INDEX instance_not_active ON instance (drain_started_at) WHERE status <> 'active';
      CREATE INDEX instance_runner ON instance (runner_id) WHERE runner_id IS NOT NULL;
      CREATE TABLE capacity_lock (
        provider   TEXT NOT NULL,
        group_ref  TEXT NOT NULL,
        runner_id  TEXT NOT NULL,
        holder     TEXT NOT NULL CHECK (json_valid(holder)),
        since      TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        PRIMARY KEY (provider, group_ref)
      ) STRICT;
    `,
  },
];

/** The schema version this build writes. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/** Brings the database up to the newest known schema, one transaction per step. */
export function migrate(db: Database.Database, path: string, migrations: readonly Migration[] = MIGRATIONS): void {
  const latest = migrations.at(-1)?.version ?? 0;
  refuseNewer(path, userVersion(db), latest);
  for (const m of migrations) {
    // IMMEDIATE plus a re-read: a second drainctl opening the same fresh file waits here
    // and then finds the step already done instead of failing on CREATE TABLE.
    db.transaction(() => {
      const current = userVersion(db);
      refuseNewer(path, current, latest);
      if (current >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

/** The schema version recorded in the file. */
export function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Refuses a ledger whose schema this build does not know. */
export function refuseNewer(path: string, found: number, known: number): void {
  if (found <= known) return;
  throw new LedgerError(
    path,
    `ledger ${path} was written by a newer drainctl (schema ${found}, this build knows ${known}); upgrade drainctl or point --ledger elsewhere`,
  );
}

/** Refuses, when it cannot upgrade it, a ledger whose schema is older than this build's. */
export function refuseOlder(path: string, found: number, known: number): void {
  if (found >= known) return;
  throw new LedgerError(
    path,
    `ledger ${path} has schema ${found} and this drainctl reads schema ${known}; the first command that writes it (drain, restore, watch or timeout set), run by a user who can write it, upgrades it`,
  );
}
