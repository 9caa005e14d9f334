import type { TargetRef } from './refs.js';

/**
 * Where a target stands, in one vocabulary for every provider:
 * - active:   registered and taking new traffic
 * - draining: no new traffic; in-flight work may remain
 * - drained:  no new traffic and no in-flight work, still known to the load balancer
 * - absent:   not registered (never was, or deregistration finished)
 * - unknown:  the provider gave a state drainctl cannot interpret
 */
export type DrainState = 'active' | 'draining' | 'drained' | 'absent' | 'unknown';

/** Health as the load balancer sees it, where it says. */
export type Health = 'healthy' | 'unhealthy' | 'initial' | 'unknown';

/** The provider's own words, kept beside the mapped state so nothing is lost in translation. */
export interface RawState {
  readonly state: string;
  readonly reason?: string;
  readonly description?: string;
}

/**
 * How a target is registered, in the provider's own terms (port, Availability Zone, weight…).
 * JSON-serialisable: the ledger stores it so restore can put the target back exactly.
 */
export type Registration = Readonly<Record<string, unknown>>;

/** One target as seen in one describe call. */
export interface TargetStatus {
  readonly ref: TargetRef;
  readonly state: DrainState;
  readonly health: Health;
  readonly raw: RawState;
  /** Present when the target is registered. */
  readonly registration?: Registration;
  /** In-flight requests or connections, where the provider can see them. */
  readonly inFlight?: number;
  /** Set when the drain was judged finished on the application's own word (`--until app-idle`), not the provider's. */
  readonly evidence?: 'app-idle';
}

/** States in which drain work on a target is finished. */
export function isDrainFinished(state: DrainState): boolean {
  return state === 'drained' || state === 'absent';
}

/** True when a restored target may be called back in service. */
export function isServing(status: TargetStatus): boolean {
  return status.state === 'active' && status.health === 'healthy';
}
