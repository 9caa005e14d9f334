import type Database from 'better-sqlite3';
import type { GroupKey, GroupLock, Holder, HistoryQuery, InstanceKey, InstanceRecord, InstanceUpdate, Ledger, LedgerEvent, LockHeld } from '../core/ledger.js';
import { LedgerError } from './errors.js';
import { openDatabase, toLedgerError, type LedgerAccess } from './open.js';
import {
  checkKey,
  historyLimit,
  historySince,
  normalizeTimestamp,
  toEventInput,
  toInstanceRecord,
  toLedgerEvent,
  toPatch,
  type EventArg,
  type EventRow,
  type InstanceRow,
} from './records.js';

/** How to open a SQLite ledger. */
export interface SqliteLedgerOptions {
  /**
   * `write` (the default) creates and migrates the file as needed. `read` changes nothing on
   * disk: a missing ledger reads as empty, and writes fail.
   */
  readonly access?: LedgerAccess;
}

/** Opens (for writing: creating and migrating if needed) the SQLite ledger at `path`; `':memory:'` for a throwaway one. */
export function openSqliteLedger(path: string, options: SqliteLedgerOptions = {}): Ledger {
  return new SqliteLedger(path, options);
}

// Each `set_x` flag distinguishes "leave as is" (field absent) from "set to NULL".
const UPSERT = `
  INSERT INTO instance (provider, group_ref, target, status, in_flight, drain_started_at, drained_at, registration, holder, runner_id, lease_expires_at, updated_at)
  VALUES (@provider, @group, @target, coalesce(@status, 'active'), @inFlight, @drainStartedAt, @drainedAt, @registration, @holder, @runnerId, @leaseExpiresAt, @at)
  ON CONFLICT (provider, group_ref, target) DO UPDATE SET
    status           = CASE WHEN @setStatus         THEN excluded.status           ELSE status           END,
    in_flight        = CASE WHEN @setInFlight       THEN excluded.in_flight        ELSE in_flight        END,
    drain_started_at = CASE WHEN @setDrainStartedAt THEN excluded.drain_started_at ELSE drain_started_at END,
    drained_at       = CASE WHEN @setDrainedAt      THEN excluded.drained_at       ELSE drained_at       END,
    registration     = CASE WHEN @setRegistration   THEN excluded.registration     ELSE registration     END,
    holder           = CASE WHEN @setHolder         THEN excluded.holder           ELSE holder           END,
    runner_id        = CASE WHEN @setHolder         THEN excluded.runner_id        ELSE runner_id        END,
    lease_expires_at = CASE WHEN @setLease          THEN excluded.lease_expires_at ELSE lease_expires_at END,
    updated_at       = excluded.updated_at
  RETURNING *`;

const INSERT_EVENT = 'INSERT INTO drain_event (instance_id, event_type, at, details) VALUES (?, ?, ?, ?)';

const FIND = 'SELECT * FROM instance WHERE provider = ? AND group_ref = ? AND target = ?';

// Served by the partial index instance_not_active: a ledger of a million events has few such rows.
const FLEET = "SELECT * FROM instance WHERE status <> 'active' ORDER BY drain_started_at, id";

const RENEW = "UPDATE instance SET lease_expires_at = ? WHERE runner_id = ? AND status = 'draining' AND lease_expires_at IS NOT NULL";

const LOCK_ROW = 'SELECT runner_id, holder, since, expires_at FROM capacity_lock WHERE provider = ? AND group_ref = ?';
const TAKE_LOCK = `
  INSERT INTO capacity_lock (provider, group_ref, runner_id, holder, since, expires_at) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (provider, group_ref) DO UPDATE SET runner_id = excluded.runner_id, holder = excluded.holder, since = excluded.since, expires_at = excluded.expires_at`;
const FREE_LOCK = 'DELETE FROM capacity_lock WHERE provider = ? AND group_ref = ? AND runner_id = ?';

interface LockRow {
  readonly runner_id: string;
  readonly holder: string;
  readonly since: string;
  readonly expires_at: string;
}

/** The Ledger port on an embedded SQLite file. */
export class SqliteLedger implements Ledger {
  readonly path: string;
  readonly location: string;
  readonly shared = false;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly recordTx: (key: InstanceKey, update: InstanceUpdate, event: EventArg) => InstanceRow;

  constructor(path: string, options: SqliteLedgerOptions = {}) {
    this.path = path;
    this.location = path;
    this.db = openDatabase(path, options.access);
    // IMMEDIATE takes the write lock up front; a deferred transaction that reads first
    // could not wait for a concurrent writer and would fail with SQLITE_BUSY at once.
    const tx = this.db.transaction((key: InstanceKey, update: InstanceUpdate, event: EventArg) =>
      this.upsert(key, update, event),
    );
    this.recordTx = (key, update, event) => tx.immediate(key, update, event);
  }

  async record(key: InstanceKey, update: InstanceUpdate, event: EventArg): Promise<InstanceRecord> {
    return toInstanceRecord(this.run(() => this.recordTx(key, update, event)));
  }

  async find(key: InstanceKey): Promise<InstanceRecord | undefined> {
    const row = this.run(() => this.statement(FIND).get(key.provider, key.group, key.target) as InstanceRow | undefined);
    return row && toInstanceRecord(row);
  }

  async instances(query: { provider: string; group?: string }): Promise<InstanceRecord[]> {
    // Served by the UNIQUE (provider, group_ref, target) index; id order is creation order.
    const sql =
      query.group === undefined
        ? 'SELECT * FROM instance WHERE provider = ? ORDER BY id'
        : 'SELECT * FROM instance WHERE provider = ? AND group_ref = ? ORDER BY id';
    const params = query.group === undefined ? [query.provider] : [query.provider, query.group];
    const rows = this.run(() => this.statement(sql).all(...params) as InstanceRow[]);
    return rows.map(toInstanceRecord);
  }

  async history(query: HistoryQuery = {}): Promise<LedgerEvent[]> {
    const limit = historyLimit(query);
    const filters: [string, string | undefined][] = [
      ['i.provider = ?', query.provider],
      ['i.group_ref = ?', query.group],
      ['i.target = ?', query.target],
      ['e.at >= ?', historySince(query)],
    ];
    const active = filters.filter(([, value]) => value !== undefined);
    const where = active.length === 0 ? '' : `WHERE ${active.map(([condition]) => condition).join(' AND ')}`;
    // One cached statement per filter combination keeps each query index-friendly.
    const sql = `
      SELECT e.id, i.provider, i.group_ref, i.target, e.event_type, e.at, e.details
      FROM drain_event e JOIN instance i ON i.id = e.instance_id
      ${where}
      ORDER BY e.at DESC, e.id DESC
      LIMIT ?`;
    const rows = this.run(() => this.statement(sql).all(...active.map(([, value]) => value), limit) as EventRow[]);
    return rows.map(toLedgerEvent);
  }

  async fleet(): Promise<InstanceRecord[]> {
    return this.run(() => this.statement(FLEET).all() as InstanceRow[]).map(toInstanceRecord);
  }

  async renewLeases(runner: string, until: string): Promise<number> {
    const at = normalizeTimestamp(until, 'until');
    return this.run(() => this.statement(RENEW).run(at, runner).changes);
  }

  // A row per group, taken in a short IMMEDIATE transaction: SQLite's write lock makes the
  // read-then-take atomic across processes, and the row's expiry frees a lock whose holder died.
  async tryLockGroup(group: GroupKey, holder: Holder, options: { readonly now: string; readonly ttlMs: number }): Promise<GroupLock | LockHeld> {
    const now = normalizeTimestamp(options.now, 'now');
    const expires = new Date(Date.parse(now) + options.ttlMs).toISOString();
    const taken = this.run(() =>
      this.db.transaction((): LockHeld | undefined => {
        const row = this.statement(LOCK_ROW).get(group.provider, group.group) as LockRow | undefined;
        if (row && row.runner_id !== holder.runner && row.expires_at > now) {
          return { heldBy: JSON.parse(row.holder) as Holder, since: row.since };
        }
        this.statement(TAKE_LOCK).run(group.provider, group.group, holder.runner, JSON.stringify(holder), now, expires);
        return undefined;
      }).immediate(),
    );
    if (taken) return taken;
    let released = false;
    return {
      release: async () => {
        if (released || !this.db.open) return;
        released = true;
        this.run(() => this.statement(FREE_LOCK).run(group.provider, group.group, holder.runner));
      },
    };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private upsert(key: InstanceKey, update: InstanceUpdate, event: EventArg): InstanceRow {
    checkKey(key);
    const patch = toPatch(update);
    const input = toEventInput(event);
    const row = this.statement(UPSERT).get({
      provider: key.provider,
      group: key.group,
      target: key.target,
      status: patch.status ?? null,
      inFlight: patch.inFlight ?? null,
      drainStartedAt: patch.drainStartedAt ?? null,
      drainedAt: patch.drainedAt ?? null,
      registration: patch.registration ?? null,
      holder: patch.holder ?? null,
      runnerId: patch.runnerId ?? null,
      leaseExpiresAt: patch.leaseExpiresAt ?? null,
      at: input.at,
      setStatus: flag(patch.status),
      setInFlight: flag(patch.inFlight),
      setDrainStartedAt: flag(patch.drainStartedAt),
      setDrainedAt: flag(patch.drainedAt),
      setRegistration: flag(patch.registration),
      setHolder: flag(patch.holder),
      setLease: flag(patch.leaseExpiresAt),
    }) as InstanceRow;
    this.statement(INSERT_EVENT).run(row.id, input.type, input.at, input.details);
    return row;
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private run<T>(fn: () => T): T {
    if (!this.db.open) throw new LedgerError(this.path, `ledger ${this.path} is closed`);
    try {
      return fn();
    } catch (error) {
      throw toLedgerError(this.path, error);
    }
  }
}

function flag(value: unknown): number {
  return value === undefined ? 0 : 1;
}
