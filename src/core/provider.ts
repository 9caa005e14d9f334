import type { GroupRef, RefSyntax, TargetRef } from './refs.js';
import type { Registration, TargetStatus } from './state.js';

/** What a provider can do, declared up front so the CLI can refuse or warn before acting. */
export interface Capabilities {
  /**
   * How drainctl learns that a drain finished:
   * - 'observed': the provider sees in-flight work and reports the end (Classic ELB, HAProxy);
   * - 'reported': the provider reports draining until its timeout passes (ELBv2 shows draining for the full delay);
   * - 'countdown': the provider shows nothing (a GCP instance group member simply disappears), so drainctl
   *   counts the drain timeout down itself from when the drain call completed.
   */
  readonly completion: 'observed' | 'reported' | 'countdown';
  /** Can a drain finish before its timeout when no work is in flight? */
  readonly completesEarly: boolean;
  /** Can remaining connections be cut on demand? */
  readonly forceClose: boolean;
  /** Does describe report in-flight work per target? */
  readonly reportsInFlight: boolean;
  /**
   * A steady poll interval for waits with no expected end, for providers whose describe
   * is cheap and local (a runtime socket on the same host): drainctl then notices the
   * last request finishing within this long, rather than backing off to seconds.
   */
  readonly pollIntervalMs?: number;
}

/** The range the provider accepts for its drain timeout, in seconds. */
export interface TimeoutLimits {
  readonly minSeconds: number;
  readonly maxSeconds: number;
  readonly defaultSeconds: number;
}

/** A group's drain timeout as the provider holds it. */
export interface TimeoutSetting {
  /** Undefined when the provider has no drain timeout of its own (Azure Load Balancer, HAProxy). */
  readonly seconds: number | undefined;
  /** False when the provider has draining switched off (Classic ELB ConnectionDraining.Enabled=false). */
  readonly enabled: boolean;
  /** Provider-specific flags worth showing (NLB connection termination…). */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** One batched describe of a group. */
export interface GroupSnapshot {
  readonly group: GroupRef;
  /** The provider's own identifier for the group (an ARN, a name). */
  readonly providerId: string;
  /**
   * The named targets, one status per concrete registration (a reference without a port
   * may match several), or an `absent` status carrying the reference as given.
   * With 'all': every registered target.
   */
  readonly targets: readonly TargetStatus[];
  /** Every registered target, when the same call returned them (used by safety checks). */
  readonly registered?: readonly TargetStatus[];
}

/** A target to put back, with how it was registered when drainctl recorded it. */
export interface RestoreRequest {
  readonly ref: TargetRef;
  /** Undefined when no registration was recorded: the provider falls back to the reference. */
  readonly registration: Registration | undefined;
}

/**
 * The one interface every load balancer implements. Operations are batched per group
 * and take an AbortSignal; errors are DrainctlErrors (retryable ones say so).
 */
export interface DrainProvider {
  readonly name: string;
  readonly syntax: RefSyntax;
  readonly capabilities: Capabilities;
  /** Undefined when the provider has no drain timeout to set. */
  readonly timeoutLimits: TimeoutLimits | undefined;
  /** Describes the named targets of a group in one call, or every registered target when `targets` is 'all'. */
  describe(group: GroupRef, targets: readonly TargetRef[] | 'all', signal?: AbortSignal): Promise<GroupSnapshot>;
  /**
   * Refuses, before anything is changed or announced, a drain the provider's API would
   * reject (a GCP service's only backend, a passthrough service). Optional.
   */
  checkDrain?(group: GroupRef, targets: readonly TargetStatus[], signal?: AbortSignal): Promise<void>;
  /** Stops new traffic to these targets (one call per group where the API allows). */
  drain(group: GroupRef, targets: readonly TargetStatus[], signal?: AbortSignal): Promise<void>;
  /** Puts these targets back as they were registered. */
  restore(group: GroupRef, targets: readonly RestoreRequest[], signal?: AbortSignal): Promise<void>;
  getTimeout(group: GroupRef, signal?: AbortSignal): Promise<TimeoutSetting>;
  setTimeout(group: GroupRef, seconds: number, signal?: AbortSignal): Promise<TimeoutSetting>;
  /**
   * The registration to put back when drainctl recorded none (the ledger was lost, or
   * the target was drained by something else). Throws a usage error when the reference
   * alone cannot say (an ELBv2 target named without its port), so restore never guesses.
   */
  registrationFor?(ref: TargetRef): Registration;
  /**
   * Cuts the connections still open to these targets (capabilities.forceClose), for
   * `--on-timeout force`. Resolves to how many sessions or connections were cut.
   */
  forceClose?(group: GroupRef, targets: readonly TargetStatus[], signal?: AbortSignal): Promise<{ readonly cut: number }>;
  /** Releases clients and sockets. */
  close?(): void;
}

/** Finds the provider for a reference's provider name, loading it lazily. */
export type ProviderResolver = (providerName: string) => Promise<DrainProvider>;

export type { Registration };
