import type { Clock } from './clock.js';
import { formatDuration } from './duration.js';
import type { EventSink } from './events.js';
import { formatRef } from './refs.js';
import type { TargetStatus } from './state.js';

/**
 * App-idle evidence: the application's own word, from its drainctl status endpoint
 * (@drainctl/server), that nothing is in flight. A target the load balancer reports draining
 * is safe to stop once the routing change has had its propagation time and the app has had
 * nothing in flight for a quiet period, without sitting out the load balancer's own timer.
 * Missing evidence is never evidence: an app that does not answer leaves the load balancer's
 * word as the only one.
 */

/** What drainctl reads from the app's status endpoint (schema drainctl.server-status/v1). */
export interface AppStatus {
  readonly state: string;
  /** Requests in flight. */
  readonly requests: number;
  /** WebSocket, SSE, long-poll and other tracked connections still open. */
  readonly persistent: number;
  /** How long nothing has been in flight, as the app measured it; undefined while something is. */
  readonly idleForMs: number | undefined;
  readonly drainTimeoutMs?: number;
  readonly shutdownDelayMs?: number;
}

/** Why a status read failed: nobody answered (or not in time), or what answered is not a drainctl status endpoint. */
export class AppStatusError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'not_status',
    message: string,
  ) {
    super(message);
  }
}

/** Reads one status URL; rejects with an AppStatusError. The CLI's reader speaks HTTP; the core does no I/O of its own. */
export type AppStatusReader = (url: string, signal: AbortSignal) => Promise<AppStatus>;

/** What `--until app-idle` needs for one group. */
export interface AppIdleSpec {
  /** The status URL of each target, by canonical reference. */
  readonly urls: ReadonlyMap<string, string>;
  readonly read: AppStatusReader;
  /** How long in-flight work must have stayed at 0. */
  readonly quietMs: number;
  /** How long after the drain started the load balancer may still route new work to the target. */
  readonly propagationMs: number;
  /** When each target's drain started (ms epoch), by canonical reference. */
  readonly startedAt: ReadonlyMap<string, number>;
  /** How often the app is asked. */
  readonly pollMs?: number;
}

export const DEFAULT_APP_POLL_MS = 250;
/** A read older than this is no evidence: the app may have taken new work since. */
const FRESH_READ_MS = 2_000;
/** The app's own drain is over: it accepts nothing more (drainctl.server-status/v1 states). */
function isFinished(status: AppStatus): boolean {
  return status.state === 'drained' || status.state === 'closed';
}

/** One read that takes longer is a failed read (the app or its host is in trouble). */
const READ_TIMEOUT_MS = 1_000;

interface Seen {
  readonly status: AppStatus;
  readonly at: number;
}

/**
 * Asks each target's app for its status while a wait runs, keeps the last answer, and turns a
 * target the load balancer reports draining into drained once the app's answer proves it idle.
 * `changed()` resolves when a target becomes idle, so the wait looks at the load balancer then
 * instead of at its next scheduled poll.
 */
export class AppIdleWatch {
  private readonly seen = new Map<string, Seen>();
  private readonly unreachable = new Map<string, string>();
  private wakers: (() => void)[] = [];

  constructor(
    private readonly spec: AppIdleSpec,
    private readonly clock: Clock,
    private readonly emit: EventSink,
  ) {}

  /** Reads every target's status until the signal fires. */
  async run(signal: AbortSignal): Promise<void> {
    const pollMs = this.spec.pollMs ?? DEFAULT_APP_POLL_MS;
    while (!signal.aborted) {
      await Promise.all([...this.spec.urls].map(([target, url]) => this.readOne(target, url, signal)));
      if (this.spec.urls.size > 0 && [...this.spec.urls.keys()].some((t) => this.idleSince(t) !== undefined)) this.wake();
      try {
        await this.clock.sleep(pollMs, signal);
      } catch {
        return; // stopped
      }
    }
  }

  /** Resolves the next time the evidence may have changed a verdict. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.wakers.push(resolve));
  }

  /** The load balancer's word, or drained on the app's evidence (see `evidenceFor`). */
  readonly relabel = (status: TargetStatus): TargetStatus => {
    if (status.state !== 'draining') return status;
    const proof = this.evidenceFor(formatRef(status.ref));
    if (!proof) return status;
    return { ...status, state: 'drained', evidence: 'app-idle', raw: { ...status.raw, description: proof } };
  };

  /** Why the target is safe to stop on the app's word, or undefined when it is not (yet). */
  evidenceFor(target: string): string | undefined {
    const now = this.clock.now();
    const started = this.spec.startedAt.get(target);
    if (started === undefined || now - started < this.spec.propagationMs) return undefined;
    const idleSince = this.idleSince(target);
    if (idleSince === undefined || now - idleSince < this.spec.quietMs) return undefined;
    return `the app reported nothing in flight for ${formatDuration(now - idleSince)} (${this.spec.urls.get(target)})`;
  }

  /**
   * Since when the app has had nothing in flight, from a fresh read; undefined without one. An app
   * that reported its own drain finished (`drained`, nothing in flight) stopped accepting work: that
   * read stays evidence after the app goes away (it exits next), and no quiet period is needed.
   */
  private idleSince(target: string): number | undefined {
    const seen = this.seen.get(target);
    if (!seen) return undefined;
    const { status } = seen;
    if (status.requests > 0 || status.persistent > 0) return undefined;
    if (isFinished(status)) return seen.at - this.spec.quietMs;
    if (this.clock.now() - seen.at > FRESH_READ_MS || status.idleForMs === undefined) return undefined;
    return seen.at - status.idleForMs;
  }

  private async readOne(target: string, url: string, signal: AbortSignal): Promise<void> {
    try {
      const status = await this.spec.read(url, AbortSignal.any([signal, AbortSignal.timeout(READ_TIMEOUT_MS)]));
      this.seen.set(target, { status, at: this.clock.now() });
      if (this.unreachable.delete(target)) this.emit({ type: 'warning', target, message: `${target}: the app answers again at ${url}` });
    } catch (error) {
      if (signal.aborted) return;
      // An app whose own drain finished is expected to stop answering: it has exited.
      const last = this.seen.get(target)?.status;
      if (last && isFinished(last) && last.requests === 0 && last.persistent === 0) return;
      this.seen.delete(target);
      const reason = error instanceof Error ? error.message : String(error);
      // Said once per outage, not at every read.
      if (!this.unreachable.has(target)) this.emit({ type: 'warning', target, message: `${target}: cannot read the app's status (${reason}); waiting for the load balancer's word instead` });
      this.unreachable.set(target, reason);
    }
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
  }
}
