import { type Clock, isoTime } from './clock.js';
import { DrainctlError } from './errors.js';
import type { GroupWork } from './groups.js';
import { GROUP_ROW_TARGET, type InstanceKey, type InstanceRecord, type Ledger } from './ledger.js';
import type { Recorder } from './recorder.js';
import { formatRef, targetCovers, type GroupRef, type TargetRef } from './refs.js';
import type { TargetStatus } from './state.js';

/** A restored target's row: in service, nobody's drain. */
export const RESTORED_UPDATE = { status: 'active', drainStartedAt: null, drainedAt: null, holder: null, leaseExpiresAt: null } as const;

/** The ledger's key for a target reference (canonical: the pipeline canonicalises references before they get here). */
export function instanceKey(ref: TargetRef): InstanceKey {
  return { provider: ref.provider, group: ref.group, target: ref.target };
}

/**
 * A group's ledger rows: those under its canonical name, then any a ledger written before
 * canonical references holds under the spelling the command used (a target group's ARN).
 */
export async function groupRows(ledger: Ledger, canonical: GroupRef, work: GroupWork): Promise<InstanceRecord[]> {
  const rows = await ledger.instances({ provider: canonical.provider, group: canonical.group });
  if (work.group.group === canonical.group) return rows;
  return [...rows, ...(await ledger.instances({ provider: work.group.provider, group: work.group.group }))];
}

/** The row recorded under exactly this target's key, among a group's rows. */
export function exactRecord(rows: readonly InstanceRecord[], ref: TargetRef): InstanceRecord | undefined {
  return rows.find((r) => r.provider === ref.provider && r.group === ref.group && r.target === ref.target);
}

/**
 * The ledger row for a target among its group's rows, also when it is named without a detail
 * the row has (`i-0a` for the recorded `i-0a:8080`): the provider's naming rules decide.
 */
export function recordFor(rows: readonly InstanceRecord[], work: GroupWork, ref: TargetRef): InstanceRecord | undefined {
  const exact = exactRecord(rows, ref);
  if (exact) return exact;
  const matches = rows.filter((r) => r.target !== GROUP_ROW_TARGET && targetCovers(work.provider.descriptor.syntax, ref.target, r.target));
  return matches.length === 1 ? matches[0] : undefined;
}

/** When each target's drain started, from the ledger (earlier runs included); `now` for any not recorded. */
export function drainStarts(statuses: readonly TargetStatus[], rows: readonly InstanceRecord[], now: number): Map<string, number> {
  const starts = new Map<string, number>();
  for (const s of statuses) {
    const started = exactRecord(rows, s.ref)?.drainStartedAt;
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
export function recordFailure(recorder: Recorder, status: TargetStatus, clock: Clock, error: unknown): void {
  const rejected = wasRejected(error);
  // Either way this runner no longer holds the drain: a rerun or another runner may take it up.
  const update = rejected ? { status: 'active' as const, drainStartedAt: null, holder: null, leaseExpiresAt: null } : { leaseExpiresAt: null };
  recorder.note(instanceKey(status.ref), update, { type: 'failed', at: isoTime(clock.now()), details: { message: error instanceof Error ? error.message : String(error), changed: !rejected } });
}
