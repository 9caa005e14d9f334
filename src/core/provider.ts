import type { CallContext } from './call.js';
import type { GroupRef, RefSyntax, TargetRef } from './refs.js';
import type { Registration, TargetStatus } from './state.js';

/**
 * How drainctl learns that a drain finished:
 * - 'observed': the provider sees in-flight work and reports the end (Classic ELB, HAProxy);
 * - 'reported': the provider reports draining until its timeout passes (ELBv2 shows draining for the full delay);
 * - 'countdown': the provider shows nothing (a GCP instance group member simply disappears), so drainctl
 *   counts the drain timeout down itself from when the drain call completed.
 */
export type Completion = 'observed' | 'reported' | 'countdown';

/** The range the provider accepts for its drain timeout, in seconds, and what the setting is called there. */
export interface TimeoutLimits {
  readonly minSeconds: number;
  readonly maxSeconds: number;
  readonly defaultSeconds: number;
  /** The provider's own name for the setting: `deregistration_delay.timeout_seconds`. */
  readonly setting: string;
  /** A floor the provider's own guidance sets for some of its groups, shown as advice with recommendations. */
  readonly recommendedMin?: { readonly seconds: number; readonly why: string; readonly code: string };
}

/** A setting of one provider's own: its key in ProviderSettings.options and in the configuration file, and its flag. */
export interface ProviderOptionSpec {
  /** The key in ProviderSettings.options and in the configuration file: `reload-command`. */
  readonly key: string;
  /** The command-line flag with its argument: `--mode <mode>`. */
  readonly flag: string;
  readonly description: string;
  readonly choices?: readonly string[];
  readonly defaultValue?: string;
}

/** A provider's published API rate (a token bucket), which its client paces itself to. */
export interface ApiRate {
  readonly capacity: number;
  readonly perSecond: number;
}

/**
 * Every fact about one provider, declared in its own folder and read everywhere else:
 * the registry, the CLI (flags, help), timeout recommendations, the audit and the docs test.
 */
export interface ProviderDescriptor {
  /** The reference prefix, as in `<name>:<group>/<target>`. */
  readonly name: string;
  /** What it drains, for help and docs: "AWS ALB/NLB/GWLB target groups". */
  readonly title: string;
  readonly syntax: RefSyntax;
  /** The docs page, relative to the package root. */
  readonly docs: string;
  readonly completion: Completion;
  /**
   * Can a drain finish before its timeout when no work is in flight? When false, every drain
   * lasts the whole drain timeout (ELBv2 shows draining for the full delay; countdown providers
   * show nothing), so recorded drain durations measure the timeout, not the requests.
   */
  readonly completesEarly: boolean;
  /** Undefined when the provider has no drain timeout of its own. */
  readonly timeout: TimeoutLimits | undefined;
  /** Whether health checks can be read live (for `audit --lb`). */
  readonly healthCheckReadable: boolean;
  /** How long after a change the load balancer acts on it, at most, in seconds (documented propagation). */
  readonly propagationSeconds: number;
  /**
   * A steady poll interval for waits with no expected end, for providers whose describe
   * is cheap and local (a runtime socket on the same host): drainctl then notices the
   * last request finishing within this long, rather than backing off to seconds.
   */
  readonly pollIntervalMs?: number;
  /** The most targets one drain or restore call takes; larger batches are split. */
  readonly maxTargetsPerCall?: number;
  /** Published API rates the client paces itself to, by call category. */
  readonly apiRates?: Readonly<Record<string, ApiRate>>;
  /** Settings of its own, with their flags and help. */
  readonly options: readonly ProviderOptionSpec[];
  /** Creates the provider, loading its SDK only now. */
  load(settings: ProviderSettings): Promise<DrainProvider>;
}

/** Settings a provider is created with; the CLI fills them from flags, the environment and the configuration file. */
export interface ProviderSettings {
  /** Cloud region (AWS); undefined means the SDK's own resolution (env, profile). */
  readonly region?: string;
  /** Where `region` came from when not from --region (a configuration file and line), so a bad value names what to fix. */
  readonly regionSource?: string;
  /** Named profile (AWS). */
  readonly profile?: string;
  /** Google Cloud project for references that leave it out. */
  readonly project?: string;
  /** Azure subscription for references that leave it out. */
  readonly subscription?: string;
  /**
   * Point the provider at another endpoint (an emulator). Over plain http:// providers
   * use no credentials (or fixed dummy ones where a signature is required) and never send a real token.
   */
  readonly endpointUrl?: string;
  /**
   * Called with every credential value the provider resolves (key IDs, secrets, session tokens),
   * whatever its source (environment, profile file, SSO, role), before it is used, so that
   * everything drainctl prints or records can mask it.
   */
  readonly registerSecret?: (value: string) => void;
  /** Debug lines, already free of credentials. */
  readonly debug?: (line: string) => void;
  /** Attempts per API call including the first (SDK retry), default 3. */
  readonly maxAttempts?: number;
  /** 'standard' or 'adaptive' (client-side rate limiting after throttles). */
  readonly retryMode?: 'standard' | 'adaptive';
  readonly env?: NodeJS.ProcessEnv;
  /** The provider's own options (its descriptor's `options`), by key; validated against their choices before use. */
  readonly options?: Readonly<Record<string, string>>;
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
   * The group as the provider identifies it in references, whichever spelling was asked for
   * (an ELBv2 target group's name when given its ARN). drainctl keys the ledger and events
   * by it. Default: the group as given.
   */
  readonly canonicalGroup?: string;
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
 * and take a CallContext (the abort signal, the core's clock and the caller's deadline,
 * which every wait inside the provider honours); errors are DrainctlErrors (retryable ones say so).
 */
export interface DrainProvider {
  readonly descriptor: ProviderDescriptor;
  /** Describes the named targets of a group in one call, or every registered target when `targets` is 'all'. */
  describe(group: GroupRef, targets: readonly TargetRef[] | 'all', call: CallContext): Promise<GroupSnapshot>;
  /**
   * Refuses, before anything is changed or announced, a drain the provider's API would
   * reject (a GCP service's only backend, a passthrough service). Optional.
   */
  checkDrain?(group: GroupRef, targets: readonly TargetStatus[], call: CallContext): Promise<void>;
  /** Stops new traffic to these targets (one call per group where the API allows). */
  drain(group: GroupRef, targets: readonly TargetStatus[], call: CallContext): Promise<void>;
  /** Puts these targets back as they were registered. */
  restore(group: GroupRef, targets: readonly RestoreRequest[], call: CallContext): Promise<void>;
  getTimeout(group: GroupRef, call: CallContext): Promise<TimeoutSetting>;
  setTimeout(group: GroupRef, seconds: number, call: CallContext): Promise<TimeoutSetting>;
  /**
   * How long the load balancer may go on routing new work to a target after it is told to stop,
   * in this group's own terms (health-check interval × unhealthy threshold), where the provider
   * can read them; undefined to use the descriptor's documented `propagationSeconds`.
   */
  routingPropagationMs?(group: GroupRef, call: CallContext): Promise<number | undefined>;
  /**
   * The registration to put back when drainctl recorded none (the ledger was lost, or
   * the target was drained by something else). Throws a usage error when the reference
   * alone cannot say (an ELBv2 target named without its port), so restore never guesses.
   */
  registrationFor?(ref: TargetRef): Registration;
  /**
   * Cuts the connections still open to these targets, for `--on-timeout force`. Its
   * presence is the declaration that the provider can: there is no separate flag to disagree with it.
   * Resolves to how many sessions or connections were cut.
   */
  forceClose?(group: GroupRef, targets: readonly TargetStatus[], call: CallContext): Promise<{ readonly cut: number }>;
  /** Releases clients and sockets. */
  close?(): void;
}

/** Finds the provider for a group (settings may differ per group), loading it lazily. */
export type ProviderResolver = (providerName: string, group?: GroupRef) => Promise<DrainProvider>;

export type { Registration, CallContext };
