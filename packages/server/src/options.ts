import type { InFlightCounts } from './in-flight.js';
import type { DrainOutcome, DrainState } from './states.js';

/** Why a drain started. */
export type DrainReason = 'signal' | 'remote' | 'api' | 'close';

/** One move of the state machine, as emitted ('state' event), passed to onStateChange and to the recorder. */
export interface StateChange {
  readonly from: DrainState;
  readonly to: DrainState;
  /** ISO 8601 time of the move. */
  readonly at: string;
  readonly inFlight: InFlightCounts;
}

/** Passed to onDrain when a drain starts. */
export interface DrainStart {
  readonly reason: DrainReason;
  /** The signal that started it, when reason is 'signal'. */
  readonly signal?: NodeJS.Signals;
  readonly at: string;
  readonly inFlight: InFlightCounts;
}

/** Passed to beforeShutdown and onShutdown. */
export interface ShutdownContext {
  readonly outcome: DrainOutcome;
  readonly reason: DrainReason;
}

/** Receives state changes (never requests) to keep a record elsewhere, e.g. a drain ledger. */
export interface DrainRecorder {
  record(change: StateChange): void | Promise<void>;
}

/** Options of createDrainer. Every one is optional; DEFAULT_OPTIONS holds the defaults. */
export interface DrainerOptions {
  /** ms from drain start until whatever remains is cut (state `forced`). Includes shutdownDelay. */
  readonly drainTimeout?: number;
  /** ms to keep serving, with the health path at 503, before the listener stops accepting. Replaces a preStop sleep. */
  readonly shutdownDelay?: number;
  /** Readiness path: 200 while serving, 503 from the instant a drain starts. */
  readonly healthPath?: string;
  /** Liveness path: 200 until the drainer is closed. */
  readonly livenessPath?: string;
  /** Status path: GET gives drainctl.server-status/v1 JSON; POST starts a remote drain when remoteDrain is set. */
  readonly statusPath?: string;
  /** Serve the three probe paths on their own listener on this port instead of on the app's server. */
  readonly probePort?: number;
  /** Host of the probe listener. */
  readonly probeHost?: string;
  /** Signals that start a drain; false installs none. */
  readonly signals?: readonly NodeJS.Signals[] | false;
  /** Call process.exit with the exit code at the end of a signal-started shutdown. Default: true when signals are installed. */
  readonly exit?: boolean;
  /** Reconnection delay sent to SSE clients (`retry:` field) when their stream is ended. */
  readonly sseRetryMs?: number;
  /** ms to wait for a WebSocket closing handshake after close 1001 before terminating the socket. */
  readonly webSocketCloseTimeout?: number;
  /** ms each hook (and the recorder's last writes, and closing the servers) may take before it is reported and skipped. */
  readonly hookTimeout?: number;
  /** Runs after in-flight work ended (or was cut), before the servers close. */
  readonly beforeShutdown?: (context: ShutdownContext) => void | Promise<void>;
  /** Runs after the servers closed. */
  readonly onShutdown?: (context: ShutdownContext) => void | Promise<void>;
  /** Called when a drain starts. */
  readonly onDrain?: (start: DrainStart) => void;
  /** Called on every state change. */
  readonly onStateChange?: (change: StateChange) => void;
  /** Let POST statusPath start a drain when the x-drainctl-secret header equals this secret. */
  readonly remoteDrain?: { readonly secret: string } | false;
  /** Keeps a record of state changes. Its failures are reported, never break the drain. */
  readonly recorder?: DrainRecorder;
  /** The Express app or Fastify instance behind the server, to refuse probe paths that collide with its routes. */
  readonly app?: unknown;
}

/** The defaults of every option that has one. The README's option table is checked against this object. */
export const DEFAULT_OPTIONS = Object.freeze({
  drainTimeout: 30_000,
  shutdownDelay: 0,
  healthPath: '/health',
  livenessPath: '/live',
  statusPath: '/drain/status',
  probeHost: '0.0.0.0',
  signals: Object.freeze(['SIGTERM', 'SIGINT'] as NodeJS.Signals[]) as readonly NodeJS.Signals[] | false,
  sseRetryMs: 1000,
  webSocketCloseTimeout: 2000,
  hookTimeout: 5000,
  remoteDrain: false as { readonly secret: string } | false,
});

/** Options after validation, with defaults filled in. */
export interface ResolvedOptions {
  readonly drainTimeout: number;
  readonly shutdownDelay: number;
  readonly healthPath: string;
  readonly livenessPath: string;
  readonly statusPath: string;
  readonly probePort: number | null;
  readonly probeHost: string;
  readonly signals: readonly NodeJS.Signals[];
  readonly exit: boolean;
  readonly sseRetryMs: number;
  readonly webSocketCloseTimeout: number;
  readonly hookTimeout: number;
  readonly beforeShutdown: ((context: ShutdownContext) => void | Promise<void>) | null;
  readonly onShutdown: ((context: ShutdownContext) => void | Promise<void>) | null;
  readonly onDrain: ((start: DrainStart) => void) | null;
  readonly onStateChange: ((change: StateChange) => void) | null;
  /** The remote drain secret, or null when remote drain is off. Never logged, never in the status. */
  readonly remoteDrainSecret: string | null;
  readonly recorder: DrainRecorder | null;
}
