import type { InFlightCounts } from './in-flight.js';
import type { DrainState } from './states.js';

/** The schema name in every status body; the drainctl CLI checks it before reading anything else. */
export const STATUS_SCHEMA = 'drainctl.server-status/v1';

/** The JSON body of GET statusPath (schema drainctl.server-status/v1). Field names are fixed: drainctl reads them. */
export interface ServerStatus {
  readonly schema: typeof STATUS_SCHEMA;
  readonly state: DrainState;
  readonly pid: number;
  readonly in_flight: {
    readonly requests: number;
    readonly persistent: number;
    readonly web_socket: number;
    readonly sse: number;
    readonly long_poll: number;
    readonly tracked: number;
  };
  readonly drain_started_at: string | null;
  readonly drain_timeout_ms: number;
  readonly shutdown_delay_ms: number;
  readonly last_request_ended_at: string | null;
  readonly idle_for_ms: number | null;
  readonly accepting: boolean;
}

/** The raw facts a status is made of; a cluster primary can collect these from workers and build its own. */
export interface StatusFacts {
  readonly state: DrainState;
  readonly pid: number;
  readonly inFlight: InFlightCounts;
  /** Epoch ms, or null when no drain started. */
  readonly drainStartedAt: number | null;
  readonly drainTimeoutMs: number;
  readonly shutdownDelayMs: number;
  /** Epoch ms, or null when no request ended yet. */
  readonly lastRequestEndedAt: number | null;
  /** Epoch ms since which nothing is in flight, or null while something is. */
  readonly idleSince: number | null;
  readonly accepting: boolean;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Builds the status body from facts. Pure: the same facts and clock give the same body. */
export function buildStatus(facts: StatusFacts, now: number): ServerStatus {
  const { inFlight } = facts;
  return {
    schema: STATUS_SCHEMA,
    state: facts.state,
    pid: facts.pid,
    in_flight: {
      requests: inFlight.requests,
      persistent: inFlight.persistent,
      web_socket: inFlight.webSocket,
      sse: inFlight.sse,
      long_poll: inFlight.longPoll,
      tracked: inFlight.tracked,
    },
    drain_started_at: iso(facts.drainStartedAt),
    drain_timeout_ms: facts.drainTimeoutMs,
    shutdown_delay_ms: facts.shutdownDelayMs,
    last_request_ended_at: iso(facts.lastRequestEndedAt),
    idle_for_ms: facts.idleSince === null ? null : Math.max(0, now - facts.idleSince),
    accepting: facts.accepting,
  };
}
