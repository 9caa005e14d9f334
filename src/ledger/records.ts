import type {
  Holder,
  HistoryQuery,
  InstanceKey,
  InstanceRecord,
  InstanceUpdate,
  EventInputArg,
  LedgerEvent,
  LedgerEventType,
  LedgerStatus,
} from '../core/ledger.js';

/**
 * Validation and normalisation shared by every Ledger implementation, so the SQLite and
 * memory ledgers accept, reject and return exactly the same things.
 */

/** An update reduced to storable values; `undefined` means "keep what is there". */
export interface Patch {
  readonly status: LedgerStatus | undefined;
  readonly inFlight: number | null | undefined;
  readonly drainStartedAt: string | null | undefined;
  readonly drainedAt: string | null | undefined;
  /** JSON text, or null. */
  readonly registration: string | null | undefined;
  /** JSON text, or null. */
  readonly holder: string | null | undefined;
  /** The holder's runner id, kept in its own column so lease renewal is an indexed update. */
  readonly runnerId: string | null | undefined;
  readonly leaseExpiresAt: string | null | undefined;
}

/** The event argument of `Ledger.record`. */
export type EventArg = EventInputArg;

/** An event reduced to storable values. */
export interface EventInput {
  readonly type: LedgerEventType;
  readonly at: string;
  /** JSON text of an object. */
  readonly details: string;
}

/** The stored shape of an instance row, as both implementations keep it. */
export interface InstanceRow {
  readonly id: number;
  readonly provider: string;
  readonly group_ref: string;
  readonly target: string;
  readonly status: LedgerStatus;
  readonly in_flight: number | null;
  readonly drain_started_at: string | null;
  readonly drained_at: string | null;
  readonly registration: string | null;
  readonly holder: string | null;
  readonly runner_id: string | null;
  readonly lease_expires_at: string | null;
  readonly updated_at: string;
}

/** The stored shape of an event joined to its instance key. */
export interface EventRow {
  readonly id: number;
  readonly provider: string;
  readonly group_ref: string;
  readonly target: string;
  readonly event_type: string;
  readonly at: string;
  readonly details: string;
}

export const DEFAULT_HISTORY_LIMIT = 100;

const STATUSES: readonly string[] = ['active', 'draining', 'stopped'] satisfies LedgerStatus[];
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Canonical UTC with milliseconds, so timestamps from any caller sort correctly as text. */
export function normalizeTimestamp(value: string, field: string): string {
  const ms = typeof value === 'string' && RFC3339.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${field} must be an RFC 3339 timestamp, got ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

/** Validates an update and turns it into storable values. */
export function toPatch(update: InstanceUpdate): Patch {
  const { status, inFlight, drainStartedAt, drainedAt, registration, holder, leaseExpiresAt } = update;
  if (status !== undefined && !STATUSES.includes(status)) {
    throw new RangeError(`status must be one of ${STATUSES.join(', ')}, got ${JSON.stringify(status)}`);
  }
  if (inFlight != null && !(Number.isSafeInteger(inFlight) && inFlight >= 0)) {
    throw new RangeError(`inFlight must be a non-negative integer or null, got ${String(inFlight)}`);
  }
  return {
    status,
    inFlight,
    drainStartedAt: optionalTimestamp(drainStartedAt, 'drainStartedAt'),
    drainedAt: optionalTimestamp(drainedAt, 'drainedAt'),
    registration: registration === undefined ? undefined : registrationJson(registration),
    holder: holder === undefined ? undefined : holder === null ? null : holderJson(holder),
    runnerId: holder === undefined ? undefined : holder === null ? null : holder.runner,
    leaseExpiresAt: optionalTimestamp(leaseExpiresAt, 'leaseExpiresAt'),
  };
}

function holderJson(holder: Holder): string {
  if (typeof holder !== 'object' || typeof holder.runner !== 'string' || holder.runner === '') {
    throw new TypeError('holder must name its runner');
  }
  return JSON.stringify(holder);
}

/** Validates a history query's `since` and returns it canonical, or undefined. */
export function historySince(query: HistoryQuery): string | undefined {
  return query.since === undefined ? undefined : normalizeTimestamp(query.since, 'since');
}

/** Validates an event and turns it into storable values. */
export function toEventInput(event: EventArg): EventInput {
  const details = event.details ?? {};
  if (typeof details !== 'object' || details === null || Array.isArray(details)) {
    throw new TypeError('event details must be a plain object');
  }
  if (typeof event.type !== 'string' || (event.type as string) === '') throw new TypeError('event type must be a non-empty string');
  return { type: event.type, at: normalizeTimestamp(event.at, 'event.at'), details: JSON.stringify(details) };
}

/** The effective limit of a history query. */
export function historyLimit(query: HistoryQuery): number {
  const limit = query.limit ?? DEFAULT_HISTORY_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError(`history limit must be a non-negative integer, got ${String(limit)}`);
  }
  return limit;
}

/** Rejects keys that could never round-trip (the unique constraint is on text). */
export function checkKey(key: InstanceKey): void {
  for (const field of ['provider', 'group', 'target'] as const) {
    if (typeof key[field] !== 'string' || key[field] === '') {
      throw new TypeError(`instance ${field} must be a non-empty string`);
    }
  }
}

/** Maps a stored instance row to the port's record; registration is parsed afresh each time. */
export function toInstanceRecord(row: InstanceRow): InstanceRecord {
  return {
    id: row.id,
    provider: row.provider,
    group: row.group_ref,
    target: row.target,
    status: row.status,
    inFlight: row.in_flight,
    drainStartedAt: row.drain_started_at,
    drainedAt: row.drained_at,
    registration: row.registration === null ? null : JSON.parse(row.registration),
    holder: row.holder === null || row.holder === undefined ? null : (JSON.parse(row.holder) as Holder),
    leaseExpiresAt: row.lease_expires_at ?? null,
    updatedAt: row.updated_at,
  };
}

/** Maps a stored event row to the port's event. */
export function toLedgerEvent(row: EventRow): LedgerEvent {
  return {
    id: row.id,
    instance: { provider: row.provider, group: row.group_ref, target: row.target },
    type: row.event_type as LedgerEventType,
    at: row.at,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}

function optionalTimestamp(value: string | null | undefined, field: string): string | null | undefined {
  return value == null ? value : normalizeTimestamp(value, field);
}

function registrationJson(value: unknown): string | null {
  if (value === null) return null;
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new TypeError('registration must be JSON-serialisable');
  // A registration that serialises to JSON null is stored as SQL NULL: one "no registration".
  return json === 'null' ? null : json;
}
