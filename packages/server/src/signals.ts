import { EXIT_CLEAN, EXIT_FORCED } from './states.js';

/** A drainer as the signal handling sees it. */
export interface SignalMember {
  readonly signals: readonly NodeJS.Signals[];
  /** Whether this drainer wants the process to exit at the end of a signal-started shutdown. */
  readonly exits: boolean;
  /** Starts (or joins) the drain; resolves with the exit code once the drainer is closed. */
  shutdown(signal: NodeJS.Signals): Promise<number>;
  /** Second signal without exit: cut the drain now. */
  cutNow(): void;
  /** True once all work finished without being cut. */
  readonly clean: boolean;
}

/**
 * One process, one shutdown: every drainer shares these listeners, so two servers in one process drain
 * together and the process exits once, when the last of them is closed, with the worst exit code.
 */
const members = new Set<SignalMember>();
const installed = new Map<NodeJS.Signals, () => void>();
let shutdown: { members: readonly SignalMember[] } | null = null;

function onSignal(signal: NodeJS.Signals): void {
  if (shutdown) return onSecondSignal(shutdown.members);
  const started = [...members].filter((member) => member.signals.includes(signal));
  shutdown = { members: started };
  void Promise.all(started.map((member) => member.shutdown(signal))).then((codes) => {
    if (started.some((member) => member.exits)) process.exit(Math.max(EXIT_CLEAN, ...codes));
    shutdown = null;
    sync();
  });
}

function onSecondSignal(started: readonly SignalMember[]): void {
  if (started.some((member) => member.exits)) process.exit(started.every((member) => member.clean) ? EXIT_CLEAN : EXIT_FORCED);
  for (const member of started) member.cutNow();
}

function sync(): void {
  const wanted = new Set([...members].flatMap((member) => member.signals));
  for (const signal of wanted) {
    if (installed.has(signal)) continue;
    const listener = (): void => onSignal(signal);
    installed.set(signal, listener);
    process.on(signal, listener);
  }
  // Until the process exits, a closed drainer's listeners stay: a late signal must force the exit, not kill by default action.
  const exiting = (shutdown?.members ?? []).filter((member) => member.exits);
  const keep = new Set([...wanted, ...exiting.flatMap((member) => member.signals)]);
  for (const [signal, listener] of installed) {
    if (keep.has(signal)) continue;
    process.off(signal, listener);
    installed.delete(signal);
  }
}

/** Installs the member's signal listeners (shared with other drainers). */
export function joinSignals(member: SignalMember): void {
  if (member.signals.length === 0) return;
  members.add(member);
  sync();
}

/** Removes the member; listeners no other drainer needs are removed from the process. */
export function leaveSignals(member: SignalMember): void {
  if (!members.delete(member)) return;
  sync();
}
