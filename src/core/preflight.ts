import { DrainctlError, notFoundError } from './errors.js';
import type { GroupWork } from './groups.js';
import type { InstanceRecord } from './ledger.js';
import type { GroupSnapshot, TimeoutSetting } from './provider.js';
import { formatRef } from './refs.js';
import type { TargetStatus } from './state.js';

/** What drain should do with one target, decided before anything changes. */
export type DrainDecision =
  | { readonly kind: 'drain'; readonly status: TargetStatus }
  | { readonly kind: 'already'; readonly status: TargetStatus; readonly detail: string };

/**
 * Decides, for every named target, whether to drain it, and refuses the whole call if
 * a target is missing, in a state drainctl cannot read, or draining is switched off.
 * Runs for every group before any change is made.
 */
export function planDrain(
  work: GroupWork,
  snapshot: GroupSnapshot,
  timeout: TimeoutSetting,
  records: (status: TargetStatus) => InstanceRecord | undefined,
  force: boolean,
  absentIsDrained = false,
): DrainDecision[] {
  // Two references can name one registration (`i-0a` and `i-0a:8080`): decide each once.
  const unique = [...new Map(snapshot.targets.map((s) => [formatRef(s.ref), s])).values()];
  const decisions = unique.map((status) => decide(work, snapshot, status, records(status), force, absentIsDrained));
  // The capacity guard (never the last target in service, --min-healthy) runs next, in capacity.ts.
  if (!force) checkDrainingEnabled(work, timeout, decisions);
  return decisions;
}

/** With draining switched off, deregistering cuts in-flight requests at once: that is not a drain. */
function checkDrainingEnabled(work: GroupWork, timeout: TimeoutSetting, decisions: readonly DrainDecision[]): void {
  if (timeout.enabled || !decisions.some((d) => d.kind === 'drain')) return;
  throw new DrainctlError('refused', `connection draining is disabled on ${work.groupText}: deregistering would cut in-flight requests at once`, {
    hint: `enable it with: drainctl timeout set ${work.groupText} <duration>, or pass --force`,
  });
}

function decide(work: GroupWork, snapshot: GroupSnapshot, status: TargetStatus, record: InstanceRecord | undefined, force: boolean, absentIsDrained: boolean): DrainDecision {
  const name = formatRef(status.ref);
  switch (status.state) {
    case 'active':
      return { kind: 'drain', status };
    case 'draining':
      return { kind: 'already', status, detail: record?.drainStartedAt ? `already draining since ${record.drainStartedAt}` : 'already draining' };
    case 'drained':
      return { kind: 'already', status, detail: 'already drained' };
    case 'absent':
      if (record && record.status !== 'active') {
        // Name it as recorded (with its port), so reruns report the same target the first run did.
        const recorded = { ...status, ref: { ...status.ref, target: record.target } };
        return { kind: 'already', status: recorded, detail: `already drained (deregistered ${record.drainedAt ?? record.drainStartedAt ?? ''})`.trim() };
      }
      if (absentIsDrained) return { kind: 'already', status, detail: 'not registered: nothing routes to it here' };
      throw notFoundError(
        `${work.provider.descriptor.syntax.groupNoun} ${work.group.group} has no target ${status.ref.target} (registered: ${listRegistered(snapshot)})`,
        `check the reference with: drainctl status ${work.groupText}`,
      );
    case 'unknown':
      if (force) return { kind: 'drain', status };
      throw new DrainctlError('refused', `${name} is in a state drainctl cannot interpret: ${status.raw.state}${status.raw.reason ? ` (${status.raw.reason})` : ''}`, {
        hint: 'inspect it with drainctl status, or pass --force to drain it anyway',
      });
  }
}

function listRegistered(snapshot: GroupSnapshot): string {
  const names = (snapshot.registered ?? []).map((s) => s.ref.target);
  if (names.length === 0) return 'none';
  return names.length > 10 ? `${names.slice(0, 10).join(', ')} and ${names.length - 10} more` : names.join(', ');
}
