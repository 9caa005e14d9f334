import { type Clock, isoTime } from './clock.js';
import { DrainctlError } from './errors.js';
import type { GroupWork } from './groups.js';
import type { InstanceKey, InstanceRecord, Ledger } from './ledger.js';
import { formatRef, targetCovers, type GroupRef, type TargetRef } from './refs.js';
import type { TargetStatus } from './state.js';

/** The ledger's key for a target reference (canonical: the pipeline canonicalises references before they get here). */
export function instanceKey(ref: TargetRef): InstanceKey {
  return { provider: ref.provider, group: ref.group, target: ref.target };
}

/**
 * A group's ledger rows: those under its canonical name, then any a ledger written before
 * canonical references holds under the spelling the command used (a target group's ARN).
 */
export function groupRows(ledger: Ledger, canonical: GroupRef, work: GroupWork): InstanceRecord[] {
  const rows = ledger.instances({ provider: canonical.provider, group: canonical.group });
  if (work.group.group === canonical.group) return rows;
  return [...rows, ...ledger.instances({ provider: work.group.provider, group: work.group.group })];
}

/**
 * The ledger row for a target, also when it is named without a detail the row has
 * (`i-0a` for the recorded `i-0a:8080`): the provider's naming rules decide.
 */
export function recordFor(ledger: Ledger, work: GroupWork, ref: TargetRef): InstanceRecord | undefined {
  const exact = ledger.find(instanceKey(ref));
  if (exact) return exact;
  const canonical: GroupRef = { kind: 'group', provider: ref.provider, group: ref.group };
  const matches = groupRows(ledger, canonical, work).filter((r) => targetCovers(work.provider.descriptor.syntax, ref.target, r.target));
  return matches.length === 1 ? matches[0] : undefined;
}

/** When each target's drain started, from the ledger (earlier runs included); `now` for any not recorded. */
export function drainStarts(statuses: readonly TargetStatus[], ledger: Ledger, now: number): Map<string, number> {
  const starts = new Map<string, number>();
  for (const s of statuses) {
    const started = ledger.find(instanceKey(s.ref))?.drainStartedAt;
    starts.set(formatRef(s.ref), started ? Date.parse(started) : now);
  }
  return starts;
}

/**
 * True when a failed change is known not to have been applied: a refusal, invalid input, a
 * missing target, or a provider error that says so (`details.applied === false`, an AWS 403).
 */
export function wasRejected(error: unknown): boolean {
  if (!(error instanceof DrainctlError)) return false;
  return error.kind === 'refused' || error.kind === 'usage' || error.kind === 'not_found' || error.details.applied === false;
}

/**
 * Records a failed drain call. A rejected call changed nothing, so the row goes back to
 * active. Anything else may have been applied before its response was lost: the row stays
 * 'draining', and a rerun describes the target again and carries on from whatever is true.
 */
export function recordFailure(ledger: Ledger, status: TargetStatus, clock: Clock, error: unknown): void {
  const rejected = wasRejected(error);
  const update = rejected ? { status: 'active' as const, drainStartedAt: null } : {};
  ledger.record(instanceKey(status.ref), update, { type: 'failed', at: isoTime(clock.now()), details: { message: error instanceof Error ? error.message : String(error), changed: !rejected } });
}
