import cluster, { type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { clusterState, combineFacts } from './cluster-facts.js';
import { resolveClusterOptions, type ClusterDrainerOptions } from './cluster-options.js';
import { startClusterProbes, type ClusterProbeHost } from './cluster-probes.js';
import { isToPrimary, toWorker, type ToWorker } from './cluster-protocol.js';
import { WorkerRoster, type WorkerEntry } from './cluster-roster.js';
import { buildClusterStatus, type ClusterStatus } from './cluster-status.js';
import { DrainerOptionsError } from './errors.js';
import type { DrainReason, ResolvedOptions, StateChange } from './options.js';
import type { ProbeServer } from './probe-server.js';
import { runReported, type Problem, type ProblemSource } from './problems.js';
import { joinSignals, leaveSignals, type SignalMember } from './signals.js';
import { EXIT_CLEAN, EXIT_HOOK_FAILED, canMove, exitCodeFor, type DrainOutcome, type DrainState, type ExitCode } from './states.js';
import type { StatusFacts } from './status.js';

export type ClusterProblemSource = ProblemSource | 'worker';

/** A problem of the primary: a worker that died on its own or was cut, a probe port in use, a failing callback. */
export interface ClusterProblem extends Omit<Problem, 'source'> {
  readonly source: ClusterProblemSource;
  readonly workerId?: number;
  readonly pid?: number;
}

/** How one worker ended during the drain. */
export interface WorkerExit {
  readonly id: number;
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Its work may have been cut: killed at the deadline, reported `forced`, or exited by a signal or an unexpected code. */
  readonly cut: boolean;
}

/** How the cluster's drain went. */
export interface ClusterDrainResult {
  readonly outcome: DrainOutcome;
  readonly exitCode: ExitCode;
  readonly reason: DrainReason;
  readonly startedAt: string;
  readonly closedAt: string;
  readonly workers: readonly WorkerExit[];
  readonly problems: readonly ClusterProblem[];
}

export interface ClusterDrainerEvents {
  state: [StateChange];
  problem: [ClusterProblem];
}

/** The drainer of a node:cluster primary. Every method is idempotent. */
export interface ClusterDrainer extends EventEmitter<ClusterDrainerEvents> {
  /** The primary's own state; status().state is the cluster's. */
  readonly state: DrainState;
  readonly isDraining: boolean;
  /** schema drainctl.server-status/v1 over the live workers, plus `workers`. */
  status(): ClusterStatus;
  statusFacts(): StatusFacts;
  /** Drains as a signal would, without exiting. */
  drain(): Promise<ClusterDrainResult>;
  /** Ends now: workers still running are killed (SIGKILL). */
  close(): Promise<ClusterDrainResult>;
  probeAddress(): Promise<AddressInfo>;
}

/** After SIGKILL a worker is gone within moments; the wait for its 'exit' is bounded all the same. */
const KILL_GRACE_MS = 2000;

interface Run {
  readonly promise: Promise<ClusterDrainResult>;
  readonly reason: DrainReason;
  readonly startedAt: number;
  /** The workers were told to drain (or killed): from now on, no live worker means done. */
  ordered: boolean;
  outcome: DrainOutcome | null;
  workerCut: boolean;
  hookFailed: boolean;
  readonly exits: WorkerExit[];
  readonly timers: NodeJS.Timeout[];
  settle(result: ClusterDrainResult): void;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const describeExit = (code: number | null, signal: NodeJS.Signals | null): string => (signal ? `killed by ${signal}` : `code ${code}`);
let active = false;

function tell(worker: Worker, type: ToWorker['type']): void {
  if (worker.isConnected()) worker.send(toWorker(type), undefined, () => undefined);
}

function kill(entry: WorkerEntry, signal: NodeJS.Signals): void {
  try {
    entry.worker.process.kill(signal);
  } catch {
    // already gone: its 'exit' is on the way
  }
}

class ClusterDrainerImpl extends EventEmitter<ClusterDrainerEvents> implements ClusterDrainer, ClusterProbeHost, SignalMember {
  private current: DrainState = 'serving';
  private readonly roster = new WorkerRoster();
  private readonly probes: ProbeServer;
  private readonly problems: ClusterProblem[] = [];
  private run: Run | null = null;
  /** Idle no earlier than this: when the drainer started, or when a worker last went away with whatever it held. */
  private idleFloor = Date.now();
  private readonly onFork = (worker: Worker): void => void this.roster.entry(worker);
  private readonly onMessage = (worker: Worker, message: unknown): void => this.heard(worker, message);
  private readonly onExit = (worker: Worker, code: number | null, signal: NodeJS.Signals | null): void => this.gone(worker, code, signal);
  private readonly killLeftovers = (): void => {
    for (const entry of this.roster.live()) kill(entry, 'SIGKILL');
  };

  constructor(private readonly options: ResolvedOptions) {
    super();
    cluster.on('fork', this.onFork);
    cluster.on('message', this.onMessage);
    cluster.on('exit', this.onExit);
    // Workers forked before this drainer existed may have said hello to nobody: ask them to report.
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (!worker) continue;
      this.roster.entry(worker);
      tell(worker, 'subscribe');
    }
    const { probePort, probeHost } = options;
    this.probes = startClusterProbes(probePort ?? 0, probeHost, options, this, (error) => {
      this.report({ source: 'probeServer', message: `probe listener on ${probeHost}:${probePort} failed: ${error.message}`, timedOut: false, error });
    });
    // A primary that exits before its workers (a second signal) must not leave them running.
    process.on('exit', this.killLeftovers);
    joinSignals(this);
  }

  get state(): DrainState {
    return this.current;
  }

  get isDraining(): boolean {
    return this.current !== 'serving';
  }

  // ClusterProbeHost and SignalMember

  get readyWorkers(): number {
    return this.roster.ready();
  }

  get remoteDrainSecret(): null {
    return null;
  }

  startRemoteDrain(): void {
    // Remote drain is not offered by the primary (its secret is null, so the probe answers 405 before this).
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

  shutdown(): Promise<number> {
    return this.begin('signal').then((result) => result.exitCode);
  }

  cutNow(): void {
    this.force();
  }

  // Public API

  drain(): Promise<ClusterDrainResult> {
    return this.begin('api');
  }

  close(): Promise<ClusterDrainResult> {
    const promise = this.begin('close');
    this.force();
    return promise;
  }

  probeAddress(): Promise<AddressInfo> {
    return this.probes.listening;
  }

  statusFacts(): StatusFacts {
    const workers = this.roster.reported();
    const workerForced = (this.run?.workerCut ?? false) || workers.some((entry) => entry.forced);
    return combineFacts(workers.map((entry) => entry.facts), {
      pid: process.pid,
      state: clusterState(this.current, workers.map((entry) => entry.facts.state), workerForced),
      drainTimeoutMs: this.options.drainTimeout,
      shutdownDelayMs: this.options.shutdownDelay,
      drainStartedAt: this.run?.startedAt ?? null,
      idleFloor: this.idleFloor,
    });
  }

  status(): ClusterStatus {
    return buildClusterStatus(this.statusFacts(), this.roster.reported(), Date.now());
  }

  // Workers

  private heard(worker: Worker, message: unknown): void {
    if (!isToPrimary(message) || worker.isDead()) return;
    const entry = this.roster.entry(worker);
    if (message.type === 'facts') {
      entry.facts = message.facts;
      if (message.facts.state === 'forced') entry.forced = true;
      return;
    }
    entry.joined = true;
    tell(worker, 'subscribe');
    // A worker that started during the drain (say, forked again by an 'exit' handler) drains at once.
    if (this.run?.ordered) tell(worker, 'drain');
  }

  private gone(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    const entry = this.roster.remove(worker);
    if (!entry) return;
    this.idleFloor = Date.now();
    const run = this.run;
    const how = describeExit(code, signal);
    if (!run) {
      this.report({ source: 'worker', workerId: entry.id, pid: entry.pid, timedOut: false, message: `worker ${entry.id} (pid ${entry.pid}) exited on its own (${how}) while the cluster was serving; it is no longer in the status` });
      return;
    }
    const cut = entry.killed || entry.forced || signal !== null || (code !== EXIT_CLEAN && code !== EXIT_HOOK_FAILED);
    run.workerCut ||= cut;
    run.hookFailed ||= code === EXIT_HOOK_FAILED;
    run.exits.push({ id: entry.id, pid: entry.pid, code, signal, cut });
    if (cut && !entry.killed) {
      this.report({ source: 'worker', workerId: entry.id, pid: entry.pid, timedOut: false, message: `worker ${entry.id} (pid ${entry.pid}) ended its drain with work cut (${how})` });
    }
    this.checkDone();
  }

  // The sequence

  private begin(reason: DrainReason): Promise<ClusterDrainResult> {
    if (this.run) return this.run.promise;
    let settle!: (result: ClusterDrainResult) => void;
    const promise = new Promise<ClusterDrainResult>((resolve) => (settle = resolve));
    const run: Run = { promise, reason, startedAt: Date.now(), ordered: false, outcome: null, workerCut: false, hookFailed: false, exits: [], timers: [], settle };
    this.run = run;
    this.move('draining'); // health answers 503 from here
    run.timers.push(setTimeout(() => this.force(), this.options.drainTimeout));
    if (this.options.shutdownDelay > 0) run.timers.push(setTimeout(() => this.orderDrain(), this.options.shutdownDelay));
    else this.orderDrain();
    return promise;
  }

  /** After shutdownDelay: every worker is told to drain; each stops accepting, finishes its work and exits. */
  private orderDrain(): void {
    const run = this.run;
    if (!run || run.ordered) return;
    run.ordered = true;
    for (const entry of this.roster.live()) {
      if (entry.joined) {
        tell(entry.worker, 'drain');
        continue;
      }
      // No drainer runs there to obey: SIGTERM does to it what it would do without the library.
      kill(entry, 'SIGTERM');
      this.report({ source: 'worker', workerId: entry.id, pid: entry.pid, timedOut: false, message: `worker ${entry.id} (pid ${entry.pid}) never reported a drainer (createDrainer from @drainctl/server); it was sent SIGTERM instead` });
    }
    this.checkDone();
  }

  /** Deadline, close() or a second signal: workers still running are killed. */
  private force(): void {
    const run = this.run;
    if (!run || run.outcome) return;
    run.ordered = true;
    const left = this.roster.live();
    if (left.length === 0) return this.checkDone();
    run.workerCut = true;
    for (const entry of left) {
      entry.killed = true;
      kill(entry, 'SIGKILL');
    }
    run.timers.push(setTimeout(() => {
      const still = this.roster.live().map((entry) => entry.pid);
      this.report({ source: 'worker', timedOut: true, message: `workers did not report their exit within ${KILL_GRACE_MS} ms of SIGKILL (pids ${still.join(', ')})` });
      this.finish(run, 'forced');
    }, KILL_GRACE_MS));
  }

  private checkDone(): void {
    const run = this.run;
    if (!run || !run.ordered || run.outcome || this.roster.size > 0) return;
    this.finish(run, run.workerCut ? 'forced' : 'drained');
  }

  private finish(run: Run, outcome: DrainOutcome): void {
    if (run.outcome) return;
    run.outcome = outcome;
    for (const timer of run.timers) clearTimeout(timer);
    this.move(outcome);
    this.probes.close();
    this.move('closed');
    this.detach();
    run.settle({
      outcome,
      exitCode: exitCodeFor(outcome, run.hookFailed),
      reason: run.reason,
      startedAt: iso(run.startedAt),
      closedAt: new Date().toISOString(),
      workers: [...run.exits],
      problems: [...this.problems],
    });
  }

  private detach(): void {
    cluster.off('fork', this.onFork);
    cluster.off('message', this.onMessage);
    cluster.off('exit', this.onExit);
    if (this.roster.size === 0) process.off('exit', this.killLeftovers);
    leaveSignals(this);
    active = false;
  }

  private move(to: DrainState): void {
    const from = this.current;
    if (!canMove(from, to)) return;
    this.current = to;
    const change: StateChange = Object.freeze({ from, to, at: new Date().toISOString(), inFlight: this.statusFacts().inFlight });
    const report = (problem: Problem): void => this.report(problem);
    const onStateChange = this.options.onStateChange;
    if (onStateChange) runReported('onStateChange', report, () => onStateChange(change));
    runReported('stateListener', report, () => this.emit('state', change));
  }

  /** As for a drainer: problems are events, and process warnings when nobody listens. */
  private report(problem: ClusterProblem): void {
    this.problems.push(problem);
    if (this.listenerCount('problem') > 0) this.emit('problem', problem);
    else process.emitWarning(problem.message, { type: 'DrainerWarning' });
  }
}

/**
 * The drainer of a node:cluster primary: health and the workers' combined status on probePort; on SIGTERM or
 * SIGINT, health 503 at once, shutdownDelay, then every worker drains and exits; exit 0 when all finished, 1
 * when work was cut at drainTimeout. The workers use createDrainer as usual: it reports to this by itself.
 */
export function createClusterDrainer(options: ClusterDrainerOptions): ClusterDrainer {
  if (!cluster.isPrimary) {
    throw new DrainerOptionsError('createClusterDrainer', 'createClusterDrainer runs in the cluster primary; in a worker, createDrainer(server) reports to the primary by itself');
  }
  if (active) throw new DrainerOptionsError('createClusterDrainer', 'this primary already has a cluster drainer: create one per process');
  const drainer = new ClusterDrainerImpl(resolveClusterOptions(options));
  active = true;
  return drainer;
}
