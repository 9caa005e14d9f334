import { type Clock, isoTime } from './clock.js';
import type { InstanceRecord } from './ledger.js';
import type { TimeoutSetting } from './provider.js';
import { formatRef } from './refs.js';
import type { TargetStatus } from './state.js';

/**
 * For providers that show no drain progress ('countdown' completion): a target is draining
 * until its countdown ends, then drained, whatever the provider lists (gone from an instance
 * group, or still present with its admin state down). Drain, watch and status all judge with
 * this one rule. Targets in `finished` (the ledger says their drain ended) are drained at once.
 */
export function countdown(starts: ReadonlyMap<string, number>, drainMs: number | undefined, clock: Clock, finished: ReadonlySet<string> = new Set()): (status: TargetStatus) => TargetStatus {
  return (status) => {
    if (status.state === 'active') return status;
    const key = formatRef(status.ref);
    const drained = (): TargetStatus => (status.state === 'draining' ? { ...status, state: 'drained' } : status);
    if (finished.has(key)) return drained();
    const started = starts.get(key);
    if (started === undefined || drainMs === undefined) return status;
    const endsAt = started + drainMs;
    if (clock.now() < endsAt) return { ...status, state: 'draining', raw: { ...status.raw, description: `counting down the drain timeout until ${isoTime(endsAt)}` } };
    return drained();
  };
}

/** How long a group's drains last by its own timeout: undefined when it has none (the caller's --timeout was the drain). */
export function timeoutDrainMs(timeout: TimeoutSetting): number | undefined {
  if (!timeout.enabled) return 0;
  return timeout.seconds === undefined ? undefined : timeout.seconds * 1000;
}

/** The countdown as the ledger knows it, for a command that did not drain (status): recorded starts and ends. */
export function recordedCountdown(rows: readonly InstanceRecord[], timeout: TimeoutSetting, clock: Clock): (status: TargetStatus) => TargetStatus {
  const starts = new Map<string, number>();
  const finished = new Set<string>();
  for (const row of rows) {
    const key = formatRef({ kind: 'target', provider: row.provider, group: row.group, target: row.target });
    if (row.status === 'stopped') finished.add(key);
    else if (row.status === 'draining' && row.drainStartedAt) starts.set(key, Date.parse(row.drainStartedAt));
  }
  return countdown(starts, timeoutDrainMs(timeout), clock, finished);
}
