import { standaloneCall } from './call.js';
import { type Clock, isoTime, systemClock } from './clock.js';
import { usageError } from './errors.js';
import { GROUP_ROW_TARGET, type Ledger } from './ledger.js';
import type { DrainProvider, TimeoutLimits, TimeoutSetting } from './provider.js';
import type { GroupRef } from './refs.js';

/** Refuses a drain timeout outside the provider's range, before any API call. */
export function checkTimeoutInRange(seconds: number, limits: TimeoutLimits | undefined, what: string): void {
  if (!limits) throw usageError(`${what} has no drain timeout to set`, 'pass --timeout to drain instead: it bounds how long in-flight work may run');
  if (!Number.isInteger(seconds) || seconds < limits.minSeconds || seconds > limits.maxSeconds) {
    throw usageError(
      `drain timeout ${seconds}s is out of range for ${what}: allowed ${limits.minSeconds}-${limits.maxSeconds} seconds`,
      `pick a value from ${limits.minSeconds}s to ${limits.maxSeconds}s (default ${limits.defaultSeconds}s)`,
    );
  }
}

export interface SetTimeoutResult {
  readonly group: string;
  readonly previous: TimeoutSetting;
  readonly current: TimeoutSetting;
  readonly dryRun: boolean;
}

/** Sets a group's drain timeout, recording old and new in the ledger. */
export async function setDrainTimeout(options: {
  provider: DrainProvider;
  group: GroupRef;
  groupText: string;
  seconds: number;
  ledger: Ledger;
  dryRun?: boolean;
  signal?: AbortSignal;
  clock?: Clock;
}): Promise<SetTimeoutResult> {
  const { provider, group, seconds } = options;
  // With no limits there is nothing to set on this group: the provider refuses, naming where the timeout lives.
  const { timeout, syntax } = provider.descriptor;
  if (timeout) checkTimeoutInRange(seconds, timeout, `${syntax.groupNoun} ${group.group}`);
  const call = standaloneCall({ signal: options.signal, clock: options.clock });
  const previous = await provider.getTimeout(group, call);
  if (options.dryRun) return { group: options.groupText, previous, current: { ...previous, seconds }, dryRun: true };
  const current = await provider.setTimeout(group, seconds, call);
  const at = isoTime((options.clock ?? systemClock).now());
  await options.ledger.record({ provider: group.provider, group: group.group, target: GROUP_ROW_TARGET }, {}, { type: 'timeout_changed', at, details: { from: previous.seconds ?? null, to: current.seconds ?? null } });
  return { group: options.groupText, previous, current, dryRun: false };
}
