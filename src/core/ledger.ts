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
  | 'timeout_changed'
  /** Written by an app's own drain (@drainctl/server with drainctl's ledger recorder). */
  | 'drain_begin'
  | 'drain_complete'
  /** A lifecycle hook's action (provider `aws-asg`): claimed by a consumer, completed at Auto Scaling, or let go undecided. */
  | 'lifecycle_claimed'
  | 'lifecycle_completed'
  | 'lifecycle_released';

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
  /** Who started the drain now recorded (kept after it ends, cleared by restore). */
  readonly holder: Holder | null;
  /** Until when the holder's lease on this drain runs; null once the holder let go (drain finished, runner ended). */
  readonly leaseExpiresAt: string | null; // RFC 3339
  readonly updatedAt: string; // RFC 3339
}

/** Who runs a drain: enough for another operator to find the job, never a credential. */
export interface Holder {
  /** Unique per drainctl process: host, pid and a random suffix. Leases are renewed by it. */
  readonly runner: string;
  readonly host: string;
  readonly pid: number;
  readonly user?: string;
  /** The CI job, from the usual CI environment variables (GitHub Actions, GitLab, Jenkins, Buildkite, CircleCI). */
  readonly ci?: string;
}

/** A group's identity in the ledger. */
export interface GroupKey {
  readonly provider: string;
  readonly group: string;
}

/** A group's capacity lock, held while one runner reads the group and reserves its drains. */
export interface GroupLock {
  /** Lets go of the lock; safe to call twice. */
  release(): Promise<void>;
}

/** Another runner holds the lock: who, and since when (when the ledger can tell). */
export interface LockHeld {
  readonly heldBy: Holder | null;
  readonly since: string | null;
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
  readonly holder?: Holder | null;
  readonly leaseExpiresAt?: string | null;
}

export interface HistoryQuery {
  readonly provider?: string;
  /** Exact group; with `target` unset, all targets of the group. */
  readonly group?: string;
  readonly target?: string;
  /** Only events at or after this time (RFC 3339). */
  readonly since?: string;
  /** Newest first, at most this many (default 100). */
  readonly limit?: number;
}

/** The record of one event, as `record` takes it. */
export interface EventInputArg {
  readonly type: LedgerEventType;
  readonly at: string;
  readonly details?: Record<string, unknown>;
}

/**
 * The port the core writes the drain record through. Every call is asynchronous: a ledger
 * can be a local SQLite file or a PostgreSQL server shared by many runners.
 */
export interface Ledger {
  /** Where the ledger is, fit to print (a PostgreSQL URL without its password). */
  readonly location: string;
  /** True when other machines can share it (PostgreSQL), false for a local file or memory. */
  readonly shared: boolean;
  /** Upserts the instance row with the given fields and appends one event, atomically. */
  record(key: InstanceKey, update: InstanceUpdate, event: EventInputArg): Promise<InstanceRecord>;
  /** The instance row, or undefined when drainctl has never touched that target. */
  find(key: InstanceKey): Promise<InstanceRecord | undefined>;
  /** Instance rows of one provider (and group, when given), oldest first. */
  instances(query: { provider: string; group?: string }): Promise<InstanceRecord[]>;
  /** Events, newest first. */
  history(query?: HistoryQuery): Promise<LedgerEvent[]>;
  /** Every instance not active (draining, or drained and not restored), any provider, oldest drain first. */
  fleet(): Promise<InstanceRecord[]>;
  /**
   * Takes the group's capacity lock, or says who holds it; never waits (the core polls, so it
   * can show progress and stop on Ctrl-C). A lock whose holder died is given up by the ledger:
   * PostgreSQL frees an advisory lock with the session, a SQLite lock row lapses after `ttlMs`.
   */
  tryLockGroup(group: GroupKey, holder: Holder, options: { readonly now: string; readonly ttlMs: number }): Promise<GroupLock | LockHeld>;
  /** Extends the lease of every drain `runner` holds (status draining, lease not let go) to `until`; returns how many. */
  renewLeases(runner: string, until: string): Promise<number>;
  close(): Promise<void>;
}

/** True when `tryLockGroup` got the lock. */
export function isGroupLock(value: GroupLock | LockHeld): value is GroupLock {
  return typeof (value as GroupLock).release === 'function';
}
