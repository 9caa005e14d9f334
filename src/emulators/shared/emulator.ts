/** The options and public handle every emulator shares, and the option checks they share. */
import type { Clock } from './clock.js';
import type { RuntimeSettings } from './pipeline.js';
import { countMatching, type RequestLog } from './request-log.js';
import type { HttpEndpoint } from './server.js';

/** Options every emulator takes. `S` is its seed, `F` its fault settings, `M` its throttling modes. */
export interface EmulatorOptions<S, F, M extends string> {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  readonly seed?: S;
  /** Default: the cloud's own throttling (the mode that is not 'off'). */
  readonly throttle?: M;
  readonly faults?: F;
  /** Default wall-clock time. */
  readonly clock?: Clock;
  /** Default Math.random; pass `mulberry32(n)` for repeatable faults. */
  readonly random?: () => number;
}

/**
 * What every running emulator offers. `E` is its log entry, `F` its fault settings, `Filter`
 * the fields `callCount` can match on and `M` its throttling modes.
 */
export interface EmulatorHandle<E, F, Filter, M extends string> {
  readonly url: string;
  readonly port: number;
  readonly requestLog: readonly E[];
  /** Log entries of state-changing requests. */
  mutatingCalls(): E[];
  /** How many logged requests match the filter (all when no filter). */
  callCount(filter?: Filter): number;
  clearLog(): void;
  /** Replaces the fault settings for requests that arrive from now on. */
  setFaults(faults: F): void;
  /** Switches throttling; switching it on starts with full buckets. */
  setThrottle(mode: M): void;
  /** Closes the server and destroys open sockets. */
  stop(): Promise<void>;
}

/** What every log entry has that the handle reads. */
type LoggedEntry = { readonly seq: number; readonly mutating: boolean };

type AnyHandle = EmulatorHandle<LoggedEntry, never, never, string>;
type EntryOf<H extends AnyHandle> = H['requestLog'][number];
type FaultsOf<H extends AnyHandle> = Parameters<H['setFaults']>[0];
type ModeOf<H extends AnyHandle> = Parameters<H['setThrottle']>[0];

/** What the shared part of a handle is made of. */
export interface HandleParts<E extends LoggedEntry, F, M extends string> {
  readonly endpoint: HttpEndpoint;
  readonly log: RequestLog<E>;
  /** The entry fields `callCount` matches on. */
  readonly filterKeys: readonly (keyof E)[];
  /** The settings the pipeline reads on every request. */
  readonly settings: RuntimeSettings<F, M>;
  /** Checks fault settings before they replace the current ones. */
  readonly validateFaults: (faults: F) => F;
  /** The mode that turns throttling on, and what it throttles with. */
  readonly throttleOn: M;
  readonly limiter: { reset(): void };
}

/** An emulator's own members, beyond the shared ones. */
export type OwnMembers<H> = Omit<H, keyof AnyHandle>;

/** The handle `H`: the shared members, made from `parts`, plus the emulator's own `extra` ones. */
export function emulatorHandle<H extends AnyHandle>(parts: HandleParts<EntryOf<H>, FaultsOf<H>, ModeOf<H>>, extra: OwnMembers<H>): H {
  const { endpoint, log, settings } = parts;
  const handle: EmulatorHandle<EntryOf<H>, FaultsOf<H>, Partial<EntryOf<H>>, ModeOf<H>> = {
    url: endpoint.url,
    port: endpoint.port,
    get requestLog() {
      return log.entries;
    },
    mutatingCalls: () => log.entries.filter((e) => e.mutating),
    callCount: (filter = {}) => countMatching(log.entries, filter, parts.filterKeys),
    clearLog: () => log.clear(),
    setFaults(faults) {
      settings.faults = parts.validateFaults(faults);
    },
    setThrottle(mode) {
      if (mode === parts.throttleOn && settings.throttle !== parts.throttleOn) parts.limiter.reset();
      settings.throttle = mode;
    },
    stop: () => endpoint.stop(),
  };
  // Object.assign keeps the requestLog getter live (spreading would copy its value once).
  return Object.assign(handle, extra) as unknown as H;
}

/** An option that must be a whole number of at least 0; throws naming it. */
export function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer (got ${value})`);
  return value;
}
