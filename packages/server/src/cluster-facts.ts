import type { InFlightCounts } from './in-flight.js';
import type { DrainState } from './states.js';
import type { StatusFacts } from './status.js';

/**
 * Several drainers seen as one: the drainers of one worker process, or the workers of a cluster. Pure functions,
 * so the rules that matter (one idle worker never makes a busy cluster idle) are tested without processes.
 */

const ZERO: InFlightCounts = Object.freeze({ requests: 0, persistent: 0, webSocket: 0, sse: 0, longPoll: 0, tracked: 0 });

export function sumCounts(list: readonly InFlightCounts[]): InFlightCounts {
  const sum = { ...ZERO };
  for (const counts of list) {
    for (const kind of Object.keys(sum) as (keyof InFlightCounts)[]) sum[kind] += counts[kind];
  }
  return Object.freeze(sum);
}

/** The state of a group of peers: forced if any was forced; serving while all serve; drained once all ended; draining otherwise. */
export function combineStates(states: readonly DrainState[]): DrainState {
  if (states.includes('forced')) return 'forced';
  if (states.every((state) => state === 'serving')) return 'serving';
  if (states.every((state) => state === 'closed')) return 'closed';
  if (states.every((state) => state === 'drained' || state === 'closed')) return 'drained';
  return 'draining';
}

/**
 * The state a cluster primary reports: its own outcome once it has one; forced if any worker was cut; serving
 * while the primary and every live worker serve; drained only when every live worker is drained (workers that
 * exited during the drain are no longer live); draining otherwise, e.g. while one worker drains on its own.
 */
export function clusterState(primary: DrainState, workers: readonly DrainState[], workerForced: boolean): DrainState {
  if (primary === 'drained' || primary === 'forced' || primary === 'closed') return primary;
  if (workerForced || workers.includes('forced')) return 'forced';
  if (primary === 'serving' && workers.every((state) => state === 'serving')) return 'serving';
  if (workers.every((state) => state === 'drained' || state === 'closed')) return 'drained';
  return 'draining';
}

const latest = (values: readonly (number | null)[]): number | null => {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : Math.max(...known);
};

const earliest = (values: readonly (number | null)[]): number | null => {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : Math.min(...known);
};

/** What the whole says of itself; everything else comes from the parts. */
export interface Whole {
  readonly pid: number;
  readonly state: DrainState;
  readonly drainTimeoutMs: number;
  readonly shutdownDelayMs: number;
  /** The whole's own drain start; the earliest part's when null. */
  readonly drainStartedAt: number | null;
  /** Idle no earlier than this (epoch ms), e.g. when a worker last went away with whatever it held. */
  readonly idleFloor: number;
}

/**
 * The facts of the parts as one: counts summed; idle only when every part is idle, and then since the part that
 * became idle last (so idle_for_ms is the smallest of the parts'); the last request end of any part; accepting
 * while any part accepts.
 */
export function combineFacts(parts: readonly StatusFacts[], whole: Whole): StatusFacts {
  const anyBusy = parts.some((part) => part.idleSince === null);
  return {
    state: whole.state,
    pid: whole.pid,
    inFlight: sumCounts(parts.map((part) => part.inFlight)),
    drainStartedAt: whole.drainStartedAt ?? earliest(parts.map((part) => part.drainStartedAt)),
    drainTimeoutMs: whole.drainTimeoutMs,
    shutdownDelayMs: whole.shutdownDelayMs,
    lastRequestEndedAt: latest(parts.map((part) => part.lastRequestEndedAt)),
    idleSince: anyBusy ? null : Math.max(whole.idleFloor, ...parts.map((part) => part.idleSince ?? 0)),
    accepting: parts.some((part) => part.accepting),
  };
}
