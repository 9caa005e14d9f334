import { usageError } from './errors.js';
import { defaultWaitMs } from './groups.js';
import type { Completion, TimeoutSetting } from './provider.js';

/** How long drainctl waits when a provider has no drain timeout and can itself report completion. */
export const DEFAULT_OBSERVED_WAIT_MS = 5 * 60_000;

/** How long a group's targets drain, and how long drainctl waits, measured from the drain's start. */
export interface DrainWindow {
  /** How long the provider keeps a target draining; undefined when only the provider can tell. */
  readonly drainMs: number | undefined;
  readonly waitMs: number;
}

/**
 * Works out the drain window from the provider's timeout and the caller's bound:
 * - a provider timeout (ELBv2 delay, Classic draining): drain that long, wait that long plus a margin;
 * - draining switched off (forced): it ends at once;
 * - no timeout of its own but completion observed (HAProxy): wait until it reports, bounded;
 * - no timeout of its own and nothing to observe (Azure LB): the caller's --timeout is the drain.
 */
export function drainWindow(timeout: TimeoutSetting, completion: Completion, callerWaitMs: number | undefined, groupText: string): DrainWindow {
  if (!timeout.enabled) return { drainMs: 0, waitMs: callerWaitMs ?? defaultWaitMs(0) };
  if (timeout.seconds !== undefined) return { drainMs: timeout.seconds * 1000, waitMs: callerWaitMs ?? defaultWaitMs(timeout.seconds) };
  if (completion === 'countdown') {
    if (callerWaitMs === undefined) {
      throw usageError(`${groupText} has no drain timeout of its own, so drainctl cannot tell when in-flight work is done`, 'pass --timeout <duration> (how long existing connections may run), or --no-wait');
    }
    // A little over the countdown, so the last look lands after it rather than racing it.
    return { drainMs: callerWaitMs, waitMs: callerWaitMs + 5000 };
  }
  return { drainMs: undefined, waitMs: callerWaitMs ?? DEFAULT_OBSERVED_WAIT_MS };
}
