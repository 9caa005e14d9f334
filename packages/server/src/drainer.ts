import { EventEmitter } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import type { AddressInfo, Server, Socket } from 'node:net';
import { checkServer } from './check-server.js';
import { ConnectionTracker } from './connections.js';
import { InFlightCounter, type InFlightCounts } from './in-flight.js';
import { interceptServerEvents } from './interception.js';
import type { DrainerOptions, DrainReason, ResolvedOptions, ShutdownContext, StateChange } from './options.js';
import { PersistentWork, type TrackableWebSocket } from './persistent.js';
import { runBounded, runReported, type Problem } from './problems.js';
import { startProbeServer, type ProbeServer } from './probe-server.js';
import type { ProbeHost, ProbePaths } from './probes.js';
import { joinSignals, leaveSignals, type SignalMember } from './signals.js';
import { canMove, exitCodeFor, type DrainOutcome, type DrainState, type ExitCode } from './states.js';
import { buildStatus, type ServerStatus, type StatusFacts } from './status.js';
import { resolveOptions } from './validate-options.js';
import type { DrainableResponse } from './work.js';

/** A server createDrainer accepts. Express, Koa and Fastify (fastify.server) all run on one of these. */
export type DrainableServer = HttpServer | HttpsServer | Http2SecureServer | Http2Server;

/** How a drain went. drain() and close() resolve with it once the drainer is closed. */
export interface DrainResult {
  readonly outcome: DrainOutcome;
  /** EXIT_CLEAN, EXIT_FORCED or EXIT_HOOK_FAILED: what a signal-started shutdown exits with. */
  readonly exitCode: ExitCode;
  readonly reason: DrainReason;
  readonly startedAt: string;
  readonly closedAt: string;
  readonly inFlightAtStart: InFlightCounts;
  /** What was still in flight when the deadline cut it; all zero when the outcome is `drained`. */
  readonly cut: InFlightCounts;
  readonly problems: readonly Problem[];
}

export interface DrainerEvents {
  state: [StateChange];
  problem: [Problem];
}

/** The drainer of one server. Every method is idempotent. */
export interface Drainer extends EventEmitter<DrainerEvents> {
  readonly state: DrainState;
  /** True from the instant a drain starts; a drainer never serves again. */
  readonly isDraining: boolean;
  /** Aborted when the drain starts: hand it to queue consumers and job workers. */
  readonly signal: AbortSignal;
  readonly inFlight: InFlightCounts;
  /** Drains as a signal would, without exiting. Every call returns the same promise. */
  drain(): Promise<DrainResult>;
  /** Ends now: starts the drain if needed and cuts whatever is in flight, then hooks and close as usual. */
  close(): Promise<DrainResult>;
  /** The status body (schema drainctl.server-status/v1). */
  status(): ServerStatus;
  /** The facts the status is built from (see buildStatus), e.g. for a cluster primary to collect and combine. */
  statusFacts(): StatusFacts;
  /** Counts a long-lived connection until the returned function is called (or it emits 'close'); `close` is called when the listener stops. */
  track(connection: object, close: () => void | Promise<void>): () => void;
  /** On drain: close 1001 'Going Away', wait webSocketCloseTimeout for the closing handshake, then terminate. */
  trackWebSocket(ws: TrackableWebSocket): () => void;
  /** On drain: write `retry: <ms>` and end the stream. */
  trackSse(res: DrainableResponse, options?: { readonly retryMs?: number }): () => void;
  /** On drain: call respond(), or answer 204 with Connection: close. */
  trackLongPoll(res: DrainableResponse, respond?: () => void | Promise<void>): () => void;
  /** The probe listener's address once it listens (only with probePort). */
  probeAddress(): Promise<AddressInfo>;
}

/** How long the probes of a remotely drained app keep answering after it closed. */
const REMOTE_DRAIN_LINGER_MS = 5_000;
const withDrainer = new WeakSet<Server>();
const ZERO: InFlightCounts = Object.freeze({ requests: 0, persistent: 0, webSocket: 0, sse: 0, longPoll: 0, tracked: 0 });
const iso = (ms: number): string => new Date(ms).toISOString();

interface Run {
  readonly promise: Promise<DrainResult>;
  readonly reason: DrainReason;
  readonly startedAt: number;
  readonly inFlightAtStart: InFlightCounts;
  /** Resolves when in-flight work ended or was cut. */
  readonly workEnded: Promise<void>;
  endWork(): void;
  /** Ends the shutdownDelay early (close(), deadline). */
  skipDelay(): void;
  readonly timers: NodeJS.Timeout[];
  outcome: DrainOutcome | null;
  cut: InFlightCounts;
}

class DrainerImpl extends EventEmitter<DrainerEvents> implements Drainer, ProbeHost, SignalMember {
  private current: DrainState = 'serving';
  private readonly controller = new AbortController();
  private readonly counter = new InFlightCounter(() => this.onIdle());
  private readonly connections: ConnectionTracker;
  private readonly persistent: PersistentWork;
  private readonly interception: ReturnType<typeof interceptServerEvents>;
  private readonly probeServer: ProbeServer | null;
  private readonly problems: Problem[] = [];
  private readonly pendingRecords = new Set<Promise<void>>();
  private run: Run | null = null;
  private listenerStopped = false;
  private serverClosed: Promise<void> = Promise.resolve();

  constructor(
    private readonly server: Server,
    private readonly options: ResolvedOptions,
  ) {
    super();
    this.connections = new ConnectionTracker(server);
    this.persistent = new PersistentWork(this.counter, options, (problem) => this.report(problem));
    const paths: ProbePaths = options;
    this.interception = interceptServerEvents(server, {
      probePaths: options.probePort === null ? paths : null,
      probes: this,
      inFlight: this.counter,
      connections: this.connections,
      isDraining: () => this.isDraining,
      onUpgrade: (socket: Socket) => {
        this.connections.markUpgraded(socket);
        this.persistent.addUpgrade(socket);
      },
    });
    this.probeServer = options.probePort === null ? null : startProbeServer(options.probePort, options.probeHost, paths, this, (error) => {
      this.report({ source: 'probeServer', message: `probe listener on ${options.probeHost}:${options.probePort} failed: ${error.message}`, timedOut: false, error });
    });
    joinSignals(this);
  }

  get state(): DrainState {
    return this.current;
  }

  get isDraining(): boolean {
    return this.current !== 'serving';
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get inFlight(): InFlightCounts {
    return this.counter.snapshot();
  }

  // ProbeHost and SignalMember

  get remoteDrainSecret(): string | null {
    return this.options.remoteDrainSecret;
  }

  get signals(): readonly NodeJS.Signals[] {
    return this.options.signals;
  }

  get exits(): boolean {
    return this.options.exit;
  }

  get clean(): boolean {
    return this.run?.outcome === 'drained';
  }

  startRemoteDrain(): void {
    void this.begin('remote');
  }

  shutdown(signal: NodeJS.Signals): Promise<number> {
    return this.begin('signal', signal).then((result) => result.exitCode);
  }

  cutNow(): void {
    this.force();
  }

  // Public API

  drain(): Promise<DrainResult> {
    return this.begin('api');
  }

  close(): Promise<DrainResult> {
    const promise = this.begin('close');
    this.force();
    return promise;
  }

  status(): ServerStatus {
    return buildStatus(this.statusFacts(), Date.now());
  }

  statusFacts(): StatusFacts {
    return {
      state: this.current,
      pid: process.pid,
      inFlight: this.counter.snapshot(),
      drainStartedAt: this.run?.startedAt ?? null,
      drainTimeoutMs: this.options.drainTimeout,
      shutdownDelayMs: this.options.shutdownDelay,
      lastRequestEndedAt: this.counter.lastRequestEndedAt,
      idleSince: this.counter.idleSince,
      accepting: this.server.listening,
    };
  }

  track(connection: object, close: () => void | Promise<void>): () => void {
    if (typeof connection !== 'object' || connection === null) throw new TypeError('track: connection must be an object (it identifies the connection)');
    if (typeof close !== 'function') throw new TypeError('track: close must be a function that asks the connection to end');
    return this.persistent.track(connection, close);
  }

  trackWebSocket(ws: TrackableWebSocket): () => void {
    return this.persistent.trackWebSocket(ws);
  }

  trackSse(res: DrainableResponse, options?: { readonly retryMs?: number }): () => void {
    return this.persistent.trackSse(res, options?.retryMs);
  }

  trackLongPoll(res: DrainableResponse, respond?: () => void | Promise<void>): () => void {
    return this.persistent.trackLongPoll(res, respond);
  }

  probeAddress(): Promise<AddressInfo> {
    if (!this.probeServer) return Promise.reject(new Error('no probe listener: set the probePort option'));
    return this.probeServer.listening;
  }

  // The sequence

  /** Starts the drain once; every later call (API, signal, remote, close) joins the same run. */
  private begin(reason: DrainReason, signal?: NodeJS.Signals): Promise<DrainResult> {
    if (this.run) return this.run.promise;
    let endWork!: () => void;
    let skipDelay!: () => void;
    const workEnded = new Promise<void>((resolve) => (endWork = resolve));
    const delayEnded = new Promise<void>((resolve) => (skipDelay = resolve));
    let settle!: (result: DrainResult) => void;
    const promise = new Promise<DrainResult>((resolve) => (settle = resolve));
    const timers = [setTimeout(() => this.force(), this.options.drainTimeout)];
    if (this.options.shutdownDelay > 0) timers.push(setTimeout(skipDelay, this.options.shutdownDelay));
    const run: Run = { promise, reason, startedAt: Date.now(), inFlightAtStart: this.counter.snapshot(), workEnded, endWork, skipDelay, timers, outcome: null, cut: ZERO };
    this.run = run;
    this.startDraining(run, signal);
    if (this.options.shutdownDelay === 0) this.stopAccepting();
    void this.finish(run, delayEnded).then(settle);
    return promise;
  }

  /** The instant a drain starts: health goes 503, the signal aborts, keep-alive connections are told to go (idle ones at once without a shutdown delay). */
  private startDraining(run: Run, signal: NodeJS.Signals | undefined): void {
    this.move('draining');
    this.controller.abort(new DOMException('the drain started', 'AbortError'));
    for (const response of this.interception.openResponses) {
      if (!response.headersSent) response.setHeader('connection', 'close');
    }
    // With a shutdown delay the load balancer may still route here until it sees the 503, and
    // may pick an idle keep-alive connection the instant it is closed (HTTP/1.1 has no way to
    // refuse a request gracefully): those close when the listener stops. Every response sent
    // meanwhile carries Connection: close, so no connection is reused after its next response.
    this.connections.startDraining(this.options.shutdownDelay === 0);
    const start = { reason: run.reason, ...(signal ? { signal } : {}), at: iso(run.startedAt), inFlight: run.inFlightAtStart };
    const onDrain = this.options.onDrain;
    if (onDrain) runReported('onDrain', (problem) => this.report(problem), () => onDrain(start));
  }

  /**
   * After shutdownDelay: the listener stops accepting, unused sockets close, and persistent connections are
   * asked to end. Persistent ones wait until now because, during the delay, a client told to reconnect could
   * still be sent back here.
   */
  private stopAccepting(): void {
    if (this.listenerStopped) return;
    this.listenerStopped = true;
    if (this.server.listening) {
      this.serverClosed = new Promise((resolve) => this.server.close(() => resolve()));
    }
    this.connections.closeUnused();
    this.persistent.releaseAll();
    this.onIdle();
  }

  /** Called on the decrement that reaches zero: the drain completes in the same turn as the last response. */
  private onIdle(): void {
    if (this.current !== 'draining' || !this.listenerStopped || this.counter.size > 0) return;
    this.endWork('drained', ZERO);
  }

  /** Deadline, close() or second signal: cut whatever remains. */
  private force(): void {
    if (this.current !== 'draining') return;
    this.stopAccepting();
    if (this.current !== 'draining') return; // nothing was left: stopAccepting completed the drain
    // The state moves first, so the decrements the destruction causes cannot complete the drain a second time.
    this.endWork('forced', this.counter.snapshot());
    this.persistent.forceAll();
    this.connections.destroyAll();
  }

  private endWork(outcome: DrainOutcome, cut: InFlightCounts): void {
    const run = this.run;
    if (!run) return;
    run.outcome = outcome;
    run.cut = cut;
    for (const timer of run.timers) clearTimeout(timer);
    if (outcome === 'drained') this.connections.closeAll();
    this.move(outcome);
    run.skipDelay();
    run.endWork();
  }

  private async finish(run: Run, delayEnded: Promise<void>): Promise<DrainResult> {
    await delayEnded;
    this.stopAccepting();
    await run.workEnded;
    const outcome: DrainOutcome = run.outcome ?? 'forced';
    const context: ShutdownContext = { outcome, reason: run.reason };
    const hookProblems: Problem[] = [];
    const hook = async (name: 'beforeShutdown' | 'onShutdown'): Promise<void> => {
      const fn = this.options[name];
      if (!fn) return;
      const problem = await runBounded(name, this.options.hookTimeout, () => fn(context));
      if (!problem) return;
      hookProblems.push(problem);
      this.report(problem);
    };
    await hook('beforeShutdown');
    await this.closeServer();
    await hook('onShutdown');
    this.move('closed');
    this.detach();
    await this.flushRecords();
    return {
      outcome,
      exitCode: exitCodeFor(outcome, hookProblems.length > 0),
      reason: run.reason,
      startedAt: iso(run.startedAt),
      closedAt: new Date().toISOString(),
      inFlightAtStart: run.inFlightAtStart,
      cut: run.cut,
      problems: [...this.problems],
    };
  }

  /** Waits for the server's close, bounded: whatever still holds it then is destroyed and reported. */
  private async closeServer(): Promise<void> {
    const problem = await runBounded('closeServer', this.options.hookTimeout, () => this.serverClosed);
    if (!problem) return;
    this.connections.destroyAll();
    this.report({ ...problem, message: `the server did not close within ${this.options.hookTimeout} ms; its ${this.connections.openConnections} remaining connections were destroyed` });
  }

  private detach(): void {
    leaveSignals(this);
    this.interception.restore();
    this.connections.detach();
    // Whoever asked for a remote drain (drainctl's lifecycle hook) polls the status to see it end:
    // the probes keep answering `closed` a few seconds more, holding the process that long, so the
    // caller sees the drain finish rather than a port that stopped answering (no evidence at all).
    if (this.run?.reason === 'remote') this.probeServer?.lingerThenClose(REMOTE_DRAIN_LINGER_MS);
    else this.probeServer?.close();
  }

  private async flushRecords(): Promise<void> {
    if (this.pendingRecords.size === 0) return;
    const problem = await runBounded('recorder', this.options.hookTimeout, () => Promise.all(this.pendingRecords));
    if (problem) this.report(problem);
  }

  private move(to: DrainState): void {
    const from = this.current;
    if (!canMove(from, to)) return;
    this.current = to;
    const change: StateChange = Object.freeze({ from, to, at: new Date().toISOString(), inFlight: this.counter.snapshot() });
    const report = (problem: Problem): void => this.report(problem);
    const onStateChange = this.options.onStateChange;
    if (onStateChange) runReported('onStateChange', report, () => onStateChange(change));
    runReported('stateListener', report, () => this.emit('state', change));
    this.record(change);
  }

  /** The recorder hears state changes only, never requests; its writes are awaited (bounded) before the drain resolves. */
  private record(change: StateChange): void {
    const recorder = this.options.recorder;
    if (!recorder) return;
    const pending = runReported('recorder', (problem) => this.report(problem), () => recorder.record(change));
    if (!pending) return;
    this.pendingRecords.add(pending);
    void pending.then(() => this.pendingRecords.delete(pending));
  }

  /** Problems are events; with nobody listening they become process warnings rather than vanish. */
  private report(problem: Problem): void {
    this.problems.push(problem);
    if (this.listenerCount('problem') > 0) this.emit('problem', problem);
    else process.emitWarning(problem.message, { type: 'DrainerWarning' });
  }
}

/** Attaches a drainer to a server. Validates the options and throws DrainerOptionsError on the first bad one. */
export function createDrainer(server: DrainableServer, options?: DrainerOptions): Drainer {
  checkServer(server, (candidate) => withDrainer.has(candidate));
  const resolved = resolveOptions(options);
  const drainer = new DrainerImpl(server, resolved);
  withDrainer.add(server);
  return drainer;
}
