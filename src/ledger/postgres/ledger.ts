import type { GroupKey, GroupLock, Holder, HistoryQuery, InstanceKey, InstanceRecord, InstanceUpdate, Ledger, LedgerEvent, LockHeld } from '../../core/ledger.js';
import { LedgerError } from '../errors.js';
import type { LedgerAccess } from '../open.js';
import { checkKey, historyLimit, historySince, normalizeTimestamp, toEventInput, toInstanceRecord, toLedgerEvent, toPatch, type EventArg, type EventRow, type InstanceRow } from '../records.js';
import { refuseUnusable } from './access.js';
import { SessionLocks } from './locks.js';
import { FIND, FLEET, historyQuery, INSTANCES_OF_GROUP, INSTANCES_OF_PROVIDER, RECORD, RENEW } from './queries.js';
import { prepareSchema, type SchemaState } from './schema.js';
import { Session, STATEMENT_TIMEOUT_MS } from './session.js';
import { resolveSettings } from './settings.js';
import { redactUrl } from './url.js';

/** How to open a PostgreSQL ledger. */
export interface PostgresLedgerOptions {
  /**
   * `write` (the default) creates and migrates the schema as needed. `read` changes nothing: an
   * empty database reads as an empty ledger, the session is read-only, and writes are refused.
   */
  readonly access?: LedgerAccess;
  /** Where PGHOST, PGPASSWORD, PGSSLMODE and the other libpq variables are read from (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** The server cancels a statement that runs longer (default 30 s); drainctl drops the connection 10 s after that. */
  readonly statementTimeoutMs?: number;
}

/**
 * Connects to the PostgreSQL ledger at `url` (`postgres://` or `postgresql://`), and for writing
 * creates or migrates its tables. The ledger is one server session: close it to end the session.
 */
export async function openPostgresLedger(url: string, options: PostgresLedgerOptions = {}): Promise<Ledger> {
  const { access = 'write', env = process.env, statementTimeoutMs = STATEMENT_TIMEOUT_MS } = options;
  if (!(Number.isFinite(statementTimeoutMs) && statementTimeoutMs >= 1)) throw new RangeError(`statementTimeoutMs must be at least 1, got ${String(statementTimeoutMs)}`);
  const location = redactUrl(url);
  const settings = resolveSettings(url, env);
  const session = await Session.open(settings, env, { location, settings }, { readOnly: access === 'read', statementTimeoutMs });
  try {
    const schema = await prepareSchema(session, location, access);
    if (schema === 'present') await session.run((query) => refuseUnusable(query, location, access));
    return new PostgresLedger(location, session, access, schema);
  } catch (error) {
    await session.close();
    throw error;
  }
}

/** The Ledger port on a PostgreSQL server that many runners share. */
class PostgresLedger implements Ledger {
  readonly shared = true;
  private readonly locks: SessionLocks;

  constructor(
    readonly location: string,
    private readonly session: Session,
    private readonly access: LedgerAccess,
    // An empty database opened for reading has no tables to query: it reads as an empty ledger.
    private readonly schema: SchemaState,
  ) {
    this.locks = new SessionLocks(session);
  }

  async record(key: InstanceKey, update: InstanceUpdate, event: EventArg): Promise<InstanceRecord> {
    this.refuseReadOnly();
    checkKey(key);
    const patch = toPatch(update);
    const input = toEventInput(event);
    const set = (value: unknown): boolean => value !== undefined;
    const params = [
      key.provider,
      key.group,
      key.target,
      patch.status ?? null,
      patch.inFlight ?? null,
      patch.drainStartedAt ?? null,
      patch.drainedAt ?? null,
      patch.registration ?? null,
      patch.holder ?? null,
      patch.runnerId ?? null,
      patch.leaseExpiresAt ?? null,
      input.at,
      set(patch.status),
      set(patch.inFlight),
      set(patch.drainStartedAt),
      set(patch.drainedAt),
      set(patch.registration),
      set(patch.holder),
      set(patch.leaseExpiresAt),
      input.type,
      input.details,
    ];
    const { rows } = await this.session.run((query) => query<InstanceRow>(RECORD, params));
    return toInstanceRecord(rows[0]!);
  }

  async find(key: InstanceKey): Promise<InstanceRecord | undefined> {
    const rows = await this.select<InstanceRow>(FIND, [key.provider, key.group, key.target]);
    return rows[0] && toInstanceRecord(rows[0]);
  }

  async instances(query: { provider: string; group?: string }): Promise<InstanceRecord[]> {
    const rows =
      query.group === undefined
        ? await this.select<InstanceRow>(INSTANCES_OF_PROVIDER, [query.provider])
        : await this.select<InstanceRow>(INSTANCES_OF_GROUP, [query.provider, query.group]);
    return rows.map(toInstanceRecord);
  }

  async history(query: HistoryQuery = {}): Promise<LedgerEvent[]> {
    const limit = historyLimit(query);
    const { sql, params } = historyQuery({ provider: query.provider, group: query.group, target: query.target, since: historySince(query) }, limit);
    return (await this.select<EventRow>(sql, params)).map(toLedgerEvent);
  }

  async fleet(): Promise<InstanceRecord[]> {
    return (await this.select<InstanceRow>(FLEET, [])).map(toInstanceRecord);
  }

  async renewLeases(runner: string, until: string): Promise<number> {
    this.refuseReadOnly();
    const at = normalizeTimestamp(until, 'until');
    return (await this.session.run((query) => query(RENEW, [at, runner]))).rowCount;
  }

  async tryLockGroup(group: GroupKey, holder: Holder, options: { readonly now: string; readonly ttlMs: number }): Promise<GroupLock | LockHeld> {
    this.refuseReadOnly();
    if (typeof holder?.runner !== 'string' || holder.runner === '') throw new TypeError('holder must name its runner');
    return this.locks.tryLock(group, holder, options);
  }

  close(): Promise<void> {
    return this.session.close();
  }

  private async select<R extends InstanceRow | EventRow>(sql: string, params: unknown[]): Promise<R[]> {
    if (this.schema === 'absent') return this.session.run(async () => []);
    return (await this.session.run((query) => query<R>(sql, params))).rows;
  }

  private refuseReadOnly(): void {
    if (this.access === 'write') return;
    throw new LedgerError(this.location, `ledger ${this.location} was opened for reading only; open it with access 'write' to record`);
  }
}
