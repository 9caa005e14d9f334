/**
 * The drain record as the core sees it. The core writes through this port and never
 * knows whether SQLite, PostgreSQL or memory sits behind it.
 */

/** Where an instance stands in drainctl's own bookkeeping (not the provider's view). */
export type LedgerStatus = 'active' | 'draining' | 'stopped';

/** What kind of thing happened to an instance. */
export type LedgerEventType =
  | 'drain_requested'
  | 'drain_started'
  | 'state_changed'
  | 'drained'
  | 'timed_out'
  | 'forced'
  | 'interrupted'
  | 'restore_requested'
  | 'restored'
  | 'failed'
  | 'timeout_changed';

/** The identity of one target: provider, group and target, each in canonical reference form. */
export interface InstanceKey {
  readonly provider: string;
  readonly group: string;
  readonly target: string;
}

/** The target name of a group's own row, which records group-level events such as timeout changes. */
export const GROUP_ROW_TARGET = '*';

/** One row of the instance table. */
export interface InstanceRecord extends InstanceKey {
  readonly id: number;
  readonly status: LedgerStatus;
  /** In-flight work when the provider can see it (HAProxy sessions, Classic ELB connections), else null. */
  readonly inFlight: number | null;
  readonly drainStartedAt: string | null; // RFC 3339
  readonly drainedAt: string | null; // RFC 3339
  /** The provider's own description of how the target was registered, so restore can put it back exactly. */
  readonly registration: unknown;
  readonly updatedAt: string; // RFC 3339
}

/** One row of the drain-event table. */
export interface LedgerEvent {
  readonly id: number;
  readonly instance: InstanceKey;
  readonly type: LedgerEventType;
  readonly at: string; // RFC 3339
  readonly details: Record<string, unknown>;
}

export interface InstanceUpdate {
  readonly status?: LedgerStatus;
  readonly inFlight?: number | null;
  readonly drainStartedAt?: string | null;
  readonly drainedAt?: string | null;
  readonly registration?: unknown;
}

export interface HistoryQuery {
  readonly provider?: string;
  /** Exact group; with `target` unset, all targets of the group. */
  readonly group?: string;
  readonly target?: string;
  /** Newest first, at most this many (default 100). */
  readonly limit?: number;
}

/** The port the core writes the drain record through. */
export interface Ledger {
  /** Upserts the instance row with the given fields and appends one event, atomically. */
  record(key: InstanceKey, update: InstanceUpdate, event: { type: LedgerEventType; at: string; details?: Record<string, unknown> }): InstanceRecord;
  /** The instance row, or undefined when drainctl has never touched that target. */
  find(key: InstanceKey): InstanceRecord | undefined;
  /** Instance rows of one provider (and group, when given), oldest first. */
  instances(query: { provider: string; group?: string }): InstanceRecord[];
  /** Events, newest first. */
  history(query?: HistoryQuery): LedgerEvent[];
  close(): void;
}
