import cluster from 'node:cluster';
import { Coalescer } from './cluster-coalesce.js';
import { combineFacts, combineStates } from './cluster-facts.js';
import { CLUSTER_TAG, REPORT_INTERVAL_MS, isToWorker, toPrimaryFacts, type ToPrimary } from './cluster-protocol.js';
import { createDrainer as createProcessDrainer, type Drainer, type DrainableServer } from './drainer.js';
import { InFlightCounter } from './in-flight.js';
import { DEFAULT_OPTIONS, type DrainerOptions } from './options.js';

/**
 * Attaches a drainer to a server. Validates the options and throws DrainerOptionsError on the first bad one.
 * In a node:cluster worker it also reports to the primary's createClusterDrainer, and drains when told to.
 */
export function createDrainer(server: DrainableServer, options?: DrainerOptions): Drainer {
  const drainer = createProcessDrainer(server, options);
  if (cluster.isWorker && typeof process.send === 'function') {
    workerReport().add({ drainer, signals: signalsOf(options) }, server);
  }
  return drainer;
}

/** The signals a drainer answers to; createDrainer has validated them already. */
function signalsOf(options: DrainerOptions | undefined): readonly NodeJS.Signals[] {
  const signals = options?.signals ?? DEFAULT_OPTIONS.signals;
  return signals === false ? [] : signals;
}

interface Member {
  readonly drainer: Drainer;
  /** The signals this drainer answers to (already validated by createDrainer). */
  readonly signals: readonly NodeJS.Signals[];
}

function post(message: ToPrimary): void {
  // The channel closes while the process exits; a report lost then is of no use to anyone.
  if (process.connected) process.send?.(message, undefined, undefined, () => undefined);
}

/**
 * What one worker process tells its primary: the drainers of this process seen as one. It says hello once and
 * reports only once the primary answered, so under a primary that does not speak the protocol (PM2's) it sends
 * that one message and nothing more.
 */
class WorkerReport {
  private readonly members = new Set<Member>();
  private readonly coalescer = new Coalescer(() => this.sendFacts(), REPORT_INTERVAL_MS);
  private greeted = false;
  private subscribed = false;
  private drainOrdered = false;
  private lastSent = '';
  private readonly onMessage = (message: unknown): void => {
    if (!isToWorker(message)) return;
    if (message.type === 'drain') return this.obeyDrain();
    this.subscribed = true;
    this.coalescer.flush();
  };

  add(member: Member, server: DrainableServer): void {
    // A 'message' listener keeps the IPC channel, and so the process, alive: it is held only while a drainer is open.
    if (this.members.size === 0) process.on('message', this.onMessage);
    this.members.add(member);
    // Until a primary asks, counts cost nothing more than the check (under PM2, for ever).
    watchCounts(member.drainer, () => {
      if (this.subscribed) this.coalescer.changed();
    });
    member.drainer.on('state', (change) => {
      this.coalescer.flush();
      if (change.to === 'closed') this.remove(member);
    });
    server.on('listening', () => this.coalescer.flush());
    if (!this.greeted) post({ tag: CLUSTER_TAG, type: 'hello' });
    this.greeted = true;
    this.coalescer.flush();
    if (this.drainOrdered) void member.drainer.drain();
  }

  private remove(member: Member): void {
    this.members.delete(member);
    if (this.members.size > 0) return;
    this.coalescer.stop();
    process.off('message', this.onMessage);
  }

  private sendFacts(): void {
    if (!this.subscribed || this.members.size === 0) return;
    const parts = [...this.members].map((member) => member.drainer.statusFacts());
    const facts = combineFacts(parts, {
      pid: process.pid,
      state: combineStates(parts.map((part) => part.state)),
      drainTimeoutMs: Math.max(...parts.map((part) => part.drainTimeoutMs)),
      shutdownDelayMs: Math.max(...parts.map((part) => part.shutdownDelayMs)),
      drainStartedAt: null,
      idleFloor: 0,
    });
    const message = toPrimaryFacts(facts);
    const text = JSON.stringify(message);
    if (text === this.lastSent) return;
    this.lastSent = text;
    post(message);
  }

  /**
   * The primary's drain order is obeyed as this worker's own shutdown signal: every drainer listening to it
   * drains, and the process exits once, with the worst code, exactly as after a SIGTERM. A worker that is
   * already draining (it got the signal itself, say from Ctrl-C to the whole process group) is not sent a
   * second one, which would cut its work.
   */
  private obeyDrain(): void {
    if (this.drainOrdered) return;
    this.drainOrdered = true;
    const members = [...this.members];
    const signal = members.map((member) => member.signals[0]).find((name) => name !== undefined);
    const alreadyDraining = members.some((member) => member.drainer.isDraining);
    if (signal && !alreadyDraining) process.emit(signal, signal);
    for (const member of members) {
      if (!member.drainer.isDraining) void member.drainer.drain();
    }
  }
}

let report: WorkerReport | null = null;
const workerReport = (): WorkerReport => (report ??= new WorkerReport());

/**
 * Tells `onChange` of every count change as it happens. The drainer has no public per-request event (every
 * listener would be a cost on every request), so this wraps the methods of the drainer's own counter. It is
 * the one place that knows the drainer's private field; if that ever changes, this throws at createDrainer in
 * a worker, and the cluster tests fail, rather than reports going quietly stale.
 */
function watchCounts(drainer: Drainer, onChange: () => void): void {
  const counter = (drainer as unknown as { counter?: unknown }).counter;
  if (!(counter instanceof InFlightCounter)) throw new Error('@drainctl/server: internal error: the drainer has no in-flight counter to report to the cluster primary');
  const { start, end } = counter;
  counter.start = (kind) => {
    const entry = start.call(counter, kind);
    onChange();
    return entry;
  };
  counter.end = (entry) => {
    end.call(counter, entry);
    onChange();
  };
}
