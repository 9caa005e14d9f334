import type { Clock } from './clock.js';
import { recordedCountdown } from './countdown.js';
import type { EventSink } from './events.js';
import { groupTargets, type GroupWork } from './groups.js';
import { GROUP_ROW_TARGET, type InstanceRecord, type Ledger } from './ledger.js';
import { type InspectedGroup, inspectGroups, startCommand } from './pipeline.js';
import type { ProviderResolver, TimeoutSetting } from './provider.js';
import { exactRecord } from './records.js';
import { formatRef, type GroupRef, type Ref, type TargetRef } from './refs.js';
import type { TargetStatus } from './state.js';

export { isSettled, watchTargets, type WatchRequest } from './watch.js';

/** One target as the provider and the ledger see it. */
export interface TargetView {
  readonly status: TargetStatus;
  /** drainctl's own record of the target, if it ever touched it. */
  readonly recorded: InstanceRecord | undefined;
}

export interface GroupView {
  /** The canonical group reference. */
  readonly group: string;
  readonly providerId: string;
  readonly timeout: TimeoutSetting;
  readonly targets: readonly TargetView[];
}

export interface StatusRequest {
  readonly refs: readonly Ref[];
  readonly providers: ProviderResolver;
  readonly ledger: Ledger;
  readonly signal?: AbortSignal;
  /** Bounds the whole command (every provider call); default DEFAULT_COMMAND_BOUND_MS. */
  readonly timeoutMs?: number;
  readonly clock?: Clock;
  readonly random?: () => number;
  /** Retry events, if the caller wants them. */
  readonly onEvent?: EventSink;
}

/**
 * Describes named targets, or every registered target of named groups, with one describe per
 * group, judged as drain and watch judge them (a countdown provider's finished drain is drained).
 */
export async function describeTargets(request: StatusRequest): Promise<GroupView[]> {
  const cmd = startCommand('status', request);
  const work = await groupRefs(request.refs, request.providers);
  const whole = new Map(work.map((w) => [w.work, w.whole]));
  const inspected = await inspectGroups(cmd, work.map((w) => w.work), { timeout: true, targets: (w) => (whole.get(w) ? 'all' : w.targets) });
  // inspectGroups keeps the order it was given.
  return inspected.map((group, i) => view(group, work[i]!.whole, cmd.clock));
}

function view(group: InspectedGroup, whole: boolean, clock: Clock): GroupView {
  const timeout = group.timeout!;
  const rows = group.records;
  const relabel = group.work.provider.descriptor.completion === 'countdown' ? recordedCountdown(rows, timeout, clock) : (s: TargetStatus) => s;
  const targets = group.snapshot.targets.map((status) => ({ status: relabel(status), recorded: exactRecord(rows, status.ref) }));
  if (whole) targets.push(...drainedByUs(group.snapshot.targets, rows));
  return { group: group.work.groupText, providerId: group.snapshot.providerId, timeout, targets };
}

/**
 * Targets drainctl took out of a group that the provider no longer lists: a group's
 * status should show what is missing from it, not only what is left.
 */
function drainedByUs(listed: readonly TargetStatus[], rows: readonly InstanceRecord[]): TargetView[] {
  const seen = new Set(listed.map((s) => s.ref.target));
  return rows
    .filter((r) => r.target !== GROUP_ROW_TARGET && r.status !== 'active' && !seen.has(r.target))
    .map((r) => ({
      status: { ref: { kind: 'target', provider: r.provider, group: r.group, target: r.target }, state: 'absent', health: 'unknown', raw: { state: 'not listed', description: 'not registered with the load balancer' } },
      recorded: r,
    }));
}

/** Groups references; a group named on its own means all of its targets. */
async function groupRefs(refs: readonly Ref[], providers: ProviderResolver): Promise<{ work: GroupWork; whole: boolean }[]> {
  const wholeGroups = new Set(refs.filter((r): r is GroupRef => r.kind === 'group').map(formatRef));
  // A placeholder target keeps whole groups in the same grouping pass; it is never described.
  const asTargets: TargetRef[] = refs.map((r) => (r.kind === 'target' ? r : { kind: 'target', provider: r.provider, group: r.group, target: '' }));
  const work = await groupTargets(asTargets, providers);
  return work.map((w) => {
    const whole = wholeGroups.has(w.groupText);
    return { work: { ...w, targets: w.targets.filter((t) => t.target !== '') }, whole };
  });
}
