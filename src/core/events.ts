import type { Retryable } from './errors.js';
import type { DrainState, Health, RawState } from './state.js';

/**
 * Typed events from the core. The CLI renders them as text, json or ndjson; a library
 * caller may log them however it likes. References are canonical strings.
 */
export type DrainEvent =
  | PlanEvent
  | GroupEvent
  | ActionEvent
  | TargetStateEvent
  | WaitingEvent
  | RetryEvent
  | WarningEvent
  | CapacityEvent
  | TargetDoneEvent
  | LifecycleEvent;

export type Operation = 'drain' | 'restore' | 'status' | 'watch';

/** The work about to be done. */
export interface PlanEvent {
  readonly type: 'plan';
  readonly operation: Operation;
  readonly dryRun: boolean;
  readonly targets: readonly string[];
}

/** A group was resolved and its drain timeout read. */
export interface GroupEvent {
  readonly type: 'group';
  /** The canonical group reference (`elbv2:web`, also when the command named the group by its ARN). */
  readonly group: string;
  /** The provider's own identifier for the group, as its describe returned it (an ARN, a name, a path), in every operation. */
  readonly providerId: string;
  readonly drainTimeoutSeconds: number | undefined;
  /** When drainctl gives up waiting on this group (RFC 3339). */
  readonly deadline: string | undefined;
}

/** A change drainctl made, would make (dry run), or skipped. */
export interface ActionEvent {
  readonly type: 'action';
  readonly action: 'deregister' | 'register' | 'skip';
  readonly target: string;
  readonly dryRun: boolean;
  /** Why, in words: "already draining since 12:01:02Z". */
  readonly detail: string;
}

/** A target's state changed (or was first seen). */
export interface TargetStateEvent {
  readonly type: 'target_state';
  readonly target: string;
  readonly state: DrainState;
  readonly previous: DrainState | undefined;
  readonly health: Health;
  readonly raw: RawState;
  readonly inFlight: number | undefined;
}

/** Still waiting on a group; emitted after each poll. */
export interface WaitingEvent {
  readonly type: 'waiting';
  readonly group: string;
  readonly polls: number;
  readonly pending: readonly string[];
  /** When the provider is expected to finish (RFC 3339). */
  readonly expectedDoneAt: string | undefined;
}

/** A provider call or a poll failed in a way worth retrying, and will be tried again after `delayMs`. */
export interface RetryEvent {
  readonly type: 'retry';
  readonly group: string;
  /** What failed, in the provider's words. */
  readonly reason: string;
  /** Why another try is worth it: throttled, a transient fault, or an endpoint that did not answer at all. */
  readonly retryable: Retryable;
  /** Same as `retryable === 'throttle'`. */
  readonly throttled: boolean;
  /** The endpoint that did not answer, when `retryable` is 'unreachable'. */
  readonly endpoint: string | undefined;
  /** How many tries in a row have failed, this one included. */
  readonly attempt: number;
  /** After how many failed tries in a row drainctl gives up (unreachable: a few; undefined: only the deadline bounds them). */
  readonly maxAttempts: number | undefined;
  readonly delayMs: number;
}

/** A drain is waiting for the group to have capacity (or for another runner to let go of a target). */
export interface CapacityEvent {
  readonly type: 'capacity';
  readonly group: string;
  /** Targets in service now that no other runner has reserved. */
  readonly serving: number;
  /** How many must stay in service after this drain. */
  readonly needed: number;
  /** The targets this drain is waiting to take out. */
  readonly targets: readonly string[];
  /** Other runners' drains in this group (or of these targets): who, since when. */
  readonly heldBy: readonly CapacityHolder[];
  /** When drainctl stops waiting (RFC 3339). */
  readonly until: string;
}

/** Another runner's drain that counts against a group's capacity. */
export interface CapacityHolder {
  readonly target: string;
  readonly by: string;
  readonly since: string | null;
}

export interface WarningEvent {
  readonly type: 'warning';
  readonly message: string;
  readonly target: string | undefined;
}

/** A target reached its end for this command. */
export interface TargetDoneEvent {
  readonly type: 'target_done';
  readonly target: string;
  readonly outcome: Outcome;
  readonly state: DrainState;
  readonly elapsedMs: number;
  /** Why it counts as drained when that was the application's word, not the provider's. */
  readonly evidence?: { readonly kind: 'app-idle'; readonly detail: string };
}

/**
 * How one target ended:
 * drained / restored: finished; draining: left draining on purpose (--no-wait);
 * timed_out: left draining because the wait ran out; forced: the wait ran out and open connections were cut; would_*: dry run; unchanged: nothing to do.
 */
export type Outcome = 'drained' | 'draining' | 'forced' | 'restored' | 'restoring' | 'timed_out' | 'would_drain' | 'would_restore' | 'unchanged';

/** What the lifecycle hook did with one action (drainctl hook aws-asg). */
export interface LifecycleEvent {
  readonly type: 'lifecycle';
  readonly phase: 'received' | 'skipped' | 'busy' | 'already_done' | 'claimed' | 'hook' | 'discovered' | 'heartbeat' | 'completed' | 'released' | 'warning';
  /** `<group>/<instance>`, or the group alone for a test notification. */
  readonly subject: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

export type EventSink = (event: DrainEvent) => void;
