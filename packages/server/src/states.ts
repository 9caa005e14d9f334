/** Where a drainer is in its life. It only moves forward: serving → draining → drained | forced → closed. */
export type DrainState = 'serving' | 'draining' | 'drained' | 'forced' | 'closed';

/** How a drain ended: every piece of work finished (`drained`) or some was cut at drainTimeout (`forced`). */
export type DrainOutcome = 'drained' | 'forced';

/** Exit code of a signal-started shutdown in which all work finished and every hook succeeded. */
export const EXIT_CLEAN = 0;
/** Exit code when work was still in flight at drainTimeout and was cut (or a second signal cut it). */
export const EXIT_FORCED = 1;
/** Exit code when all work finished but a beforeShutdown/onShutdown hook failed or timed out. */
export const EXIT_HOOK_FAILED = 2;

export type ExitCode = typeof EXIT_CLEAN | typeof EXIT_FORCED | typeof EXIT_HOOK_FAILED;

/** Work cut outranks a failed hook: the exit code tells the worst thing that happened. */
export function exitCodeFor(outcome: DrainOutcome, hookFailed: boolean): ExitCode {
  if (outcome === 'forced') return EXIT_FORCED;
  return hookFailed ? EXIT_HOOK_FAILED : EXIT_CLEAN;
}

const NEXT: Readonly<Record<DrainState, readonly DrainState[]>> = {
  serving: ['draining'],
  draining: ['drained', 'forced'],
  drained: ['closed'],
  forced: ['closed'],
  closed: [],
};

/** True when `to` is the legal next state after `from`; the drainer refuses any other move. */
export function canMove(from: DrainState, to: DrainState): boolean {
  return NEXT[from].includes(to);
}
