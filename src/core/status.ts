import { type Clock, isoTime, systemClock } from './clock.js';
import type { EventSink } from './events.js';
import { checkWaitMs, forEachGroup, groupTargets, type GroupWork } from './groups.js';
import { countdown, finish, instanceKey, result, retryOptions } from './drain.js';
import { drainWindow, type DrainWindow } from './window.js';
import { retrying } from './retry.js';
import { type CallContext, commandCall } from './call.js';
import { GROUP_ROW_TARGET, type InstanceRecord, type Ledger } from './ledger.js';
import { observeGroup } from './observe.js';
import type { ProviderResolver, TimeoutSetting } from './provider.js';
import { formatRef, type GroupRef, type Ref, type TargetRef } from './refs.js';
import type { OperationReport } from './report.js';
import { isDrainFinished, isServing, type TargetStatus } from './state.js';

/** One target as the provider and the ledger see it. */
export interface TargetView {
  readonly status: TargetStatus;
  /** drainctl's own record of the target, if it ever touched it. */
  readonly recorded: InstanceRecord | undefined;
}

export interface GroupView {
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
}

/** Describes named targets, or every registered target of named groups, with one describe per group. */
export async function describeTargets(request: StatusRequest): Promise<GroupView[]> {
  const work = await groupRefs(request.refs, request.providers);
  return forEachGroup(work, async ({ work: w, whole }) => {
    const call = commandCall(request, systemClock, systemClock.now());
    const retry = { signal: request.signal };
    const [timeout, snapshot] = await Promise.all([
      retrying(() => w.provider.getTimeout(w.group, call), retry),
      retrying(() => w.provider.describe(w.group, whole ? 'all' : w.targets, call), retry),
    ]);
    const targets = snapshot.targets.map((status) => ({ status, recorded: request.ledger.find(instanceKey(status.ref)) }));
    if (whole) targets.push(...drainedByUs(w, snapshot.targets, request.ledger));
    return { group: w.groupText, providerId: snapshot.providerId, timeout, targets };
  });
}

/**
 * Targets drainctl took out of a group that the provider no longer lists: a group's
 * status should show what is missing from it, not only what is left.
 */
function drainedByUs(w: GroupWork, listed: readonly TargetStatus[], ledger: Ledger): TargetView[] {
  const seen = new Set(listed.map((s) => s.ref.target));
  return ledger
    .instances({ provider: w.group.provider, group: w.group.group })
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

export interface WatchRequest {
  readonly targets: readonly TargetRef[];
  readonly providers: ProviderResolver;
  readonly ledger: Ledger;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly onEvent?: EventSink;
}

/** A target has settled when it is no longer in between: drained, gone, or back in service. */
export function isSettled(status: TargetStatus): boolean {
  return isDrainFinished(status.state) || isServing(status);
}

interface WatchPlan {
  readonly work: GroupWork;
  readonly refs: readonly TargetRef[];
  readonly timeout: TimeoutSetting;
  readonly starts: Map<string, number>;
  readonly window: DrainWindow;
  readonly deadline: number;
  readonly drainStart: number;
  readonly expectedDoneAt: number | undefined;
}

/** Follows targets live, changing nothing, until every one settles or the wait runs out. */
export async function watchTargets(request: WatchRequest): Promise<OperationReport> {
  const clock = request.clock ?? systemClock;
  const emit: EventSink = request.onEvent ?? (() => {});
  checkWaitMs(request.timeoutMs);
  const startedAt = clock.now();
  const call = commandCall(request, clock, startedAt);
  const work = await groupTargets(request.targets, request.providers);
  const plans = await forEachGroup(work, (w) => planWatch(w, request, emit, startedAt, call));
  emit({ type: 'plan', operation: 'watch', dryRun: false, targets: request.targets.map(formatRef) });
  const results = await forEachGroup(plans, async (p) => {
    emit({ type: 'group', group: p.work.groupText, providerId: p.work.group.group, drainTimeoutSeconds: p.timeout.seconds, deadline: isoTime(p.deadline) });
    const lastSeen = new Map<string, TargetStatus>();
    const completion = p.work.provider.descriptor.completion;
    const ledger = request.ledger;
    const outcome = await observeGroup({
      work: p.work, targets: p.refs, lastSeen, emit, clock, call, signal: request.signal, random: request.random, deadline: p.deadline,
      plan: { startedAt: p.drainStart, expectedDoneAt: p.expectedDoneAt, completesEarly: p.work.provider.descriptor.completesEarly, steadyMs: p.work.provider.descriptor.pollIntervalMs },
      isSettled,
      relabel: completion === 'countdown' && p.window.drainMs !== undefined ? countdown(p.starts, p.window.drainMs, clock) : undefined,
      onChange: (s, prev) => {
        if (prev && ledger.find(instanceKey(s.ref))) ledger.record(instanceKey(s.ref), { inFlight: s.inFlight ?? null }, { type: 'state_changed', at: isoTime(clock.now()), details: { from: prev.state, to: s.state, raw: s.raw, by: 'watch' } });
      },
    });
    return [...lastSeen.values()].map((s) => {
      const elapsedMs = clock.now() - startedAt;
      const outcomeName = isSettled(s) ? (isServing(s) ? 'restored' : 'drained') : outcome.state === 'timeout' ? 'timed_out' : 'draining';
      recordSettled(ledger, s, outcomeName, clock);
      emit({ type: 'target_done', target: formatRef(s.ref), outcome: outcomeName, state: s.state, elapsedMs });
      return result(s, outcomeName, elapsedMs);
    });
  });
  return finish('watch', false, startedAt, clock, results.flat());
}

/** Reads one group's timeout and targets and works out how long to watch, before anything is announced. */
async function planWatch(w: GroupWork, request: WatchRequest, emit: EventSink, startedAt: number, call: CallContext): Promise<WatchPlan> {
  const retry = retryOptions(w, request, emit);
  const [timeout, snapshot] = await Promise.all([
    retrying(() => w.provider.getTimeout(w.group, call), retry),
    retrying(() => w.provider.describe(w.group, w.targets, call), retry),
  ]);
  const starts = recordedDrainStarts(snapshot.targets, request.ledger);
  const window = drainWindow(timeout, w.provider.descriptor.completion, request.timeoutMs, w.groupText);
  const drainStart = starts.size > 0 ? Math.min(...starts.values()) : startedAt;
  const expectedDoneAt = window.drainMs === undefined ? undefined : (starts.size > 0 ? Math.max(...starts.values()) : startedAt) + window.drainMs;
  const deadline = request.timeoutMs !== undefined ? startedAt + window.waitMs : Math.max(startedAt, drainStart) + window.waitMs;
  return { work: w, refs: snapshot.targets.map((s) => s.ref), timeout, starts, window, deadline, drainStart, expectedDoneAt };
}

/** A watch that sees a drain or restore finish records it, so the ledger does not keep a stale 'draining'. */
function recordSettled(ledger: Ledger, status: TargetStatus, outcome: string, clock: Clock): void {
  const row = ledger.find(instanceKey(status.ref));
  if (!row) return;
  const at = isoTime(clock.now());
  if (outcome === 'drained' && row.status === 'draining') ledger.record(instanceKey(status.ref), { status: 'stopped', drainedAt: at }, { type: 'drained', at, details: { raw: status.raw, by: 'watch' } });
  if (outcome === 'restored' && row.status !== 'active') ledger.record(instanceKey(status.ref), { status: 'active', drainStartedAt: null, drainedAt: null }, { type: 'restored', at, details: { by: 'watch' } });
}

/** Drain start times of the targets the ledger says are draining. */
function recordedDrainStarts(statuses: readonly TargetStatus[], ledger: Ledger): Map<string, number> {
  const starts = new Map<string, number>();
  for (const s of statuses) {
    const row = ledger.find(instanceKey(s.ref));
    if (row?.status === 'draining' && row.drainStartedAt) starts.set(formatRef(s.ref), Date.parse(row.drainStartedAt));
  }
  return starts;
}
