import { DEFAULT_OBSERVED_WAIT_MS, defaultWaitMs } from './deadline.js';
import { usageError } from './errors.js';
import type { Completion, TimeoutSetting } from './provider.js';

/** How long a group's targets drain, and how long drainctl waits, measured from the drain's start. */
export interface DrainWindow {
  /** How long the provider keeps a target draining; undefined when only the provider can tell. */
  readonly drainMs: number | undefined;
  readonly waitMs: number;
  /**
   * True when the caller's --timeout is itself the drain (a countdown provider with no timeout
   * of its own): the countdown then runs from the command's start, so it ends inside the bound.
   */
  readonly drainIsCallerBound: boolean;
}

/**
 * Works out the drain window from the provider's timeout and the caller's bound:
 * - a provider timeout (ELBv2 delay, Classic draining): drain that long, wait that long plus a margin;
 * - draining switched off (forced): it ends at once;
 * - no timeout of its own but completion observed (HAProxy): wait until it reports, bounded;
 * - no timeout of its own and nothing to observe (Azure LB): the caller's --timeout is the drain,
 *   counted from the command's start, so the whole command still ends within --timeout.
 */
export function drainWindow(timeout: TimeoutSetting, completion: Completion, callerWaitMs: number | undefined, groupText: string): DrainWindow {
  if (!timeout.enabled) return { drainMs: 0, waitMs: callerWaitMs ?? defaultWaitMs(0), drainIsCallerBound: false };
  if (timeout.seconds !== undefined) return { drainMs: timeout.seconds * 1000, waitMs: callerWaitMs ?? defaultWaitMs(timeout.seconds), drainIsCallerBound: false };
  if (completion === 'countdown') {
    if (callerWaitMs === undefined) {
      throw usageError(`${groupText} has no drain timeout of its own, so drainctl cannot tell when in-flight work is done`, 'pass --timeout <duration> (how long existing connections may run), or --no-wait');
    }
    // The countdown ends at the command's bound; the pipeline waits it out on the clock (WaitSpec.countdownEndsAt).
    return { drainMs: callerWaitMs, waitMs: callerWaitMs, drainIsCallerBound: true };
  }
  return { drainMs: undefined, waitMs: callerWaitMs ?? DEFAULT_OBSERVED_WAIT_MS, drainIsCallerBound: false };
}
