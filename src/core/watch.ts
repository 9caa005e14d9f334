import { type AppIdlePlan, type AppIdleRequest, appIdleWatch, planAppIdle } from './app-idle-plan.js';
import { isoTime } from './clock.js';
import { countdown } from './countdown.js';
import type { EventSink } from './events.js';
import type { InstanceRecord, Ledger } from './ledger.js';
import type { Recorder } from './recorder.js';
import type { Observation } from './observe.js';
import { type Command, type GroupOperation, type InspectedGroup, type Settling, type WaitSpec, runOperation } from './pipeline.js';
import type { ProviderResolver } from './provider.js';
import { exactRecord, instanceKey } from './records.js';
import { formatRef, type TargetRef } from './refs.js';
import type { OperationReport, TargetResult } from './report.js';
import { result } from './results.js';
import { isDrainFinished, isServing, type TargetStatus } from './state.js';
import type { Clock } from './clock.js';
import { drainWindow, type DrainWindow } from './window.js';

export interface WatchRequest {
  readonly targets: readonly TargetRef[];
  readonly providers: ProviderResolver;
  readonly ledger: Ledger;
  /** Bounds the whole command; default: each group's drain window from the recorded drain start. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly onEvent?: EventSink;
  /** `--until app-idle`: a target the ledger shows draining is drained once its application says nothing is in flight. */
  readonly appIdle?: AppIdleRequest;
}

/** A target has settled when it is no longer in between: drained, gone, or back in service. */
export function isSettled(status: TargetStatus): boolean {
  return isDrainFinished(status.state) || isServing(status);
}

interface WatchPlan {
  readonly group: InspectedGroup;
  readonly targets: readonly TargetStatus[];
  /** Drain starts of the targets the ledger says are draining. */
  readonly starts: Map<string, number>;
  readonly window: DrainWindow;
  /** Targets in service when the watch began that drainctl has not taken out: nothing to watch. */
  readonly inService: ReadonlySet<string>;
  readonly appIdle: AppIdlePlan | undefined;
}

/** Follows targets live, changing nothing, until every one settles or the wait runs out. */
export function watchTargets(request: WatchRequest): Promise<OperationReport> {
  return runOperation(watchOperation(request.appIdle), request);
}

const watchOperation = (appIdle: AppIdleRequest | undefined): GroupOperation<WatchPlan> => ({
  name: 'watch',
  readsTimeout: true,
  decide: async (group, cmd) => {
    const plan = planWatch(group, cmd);
    return appIdle ? { ...plan, appIdle: await planAppIdle(cmd, group, plan.targets, appIdle) } : plan;
  },
  planned: (plan) => plan.targets.map((s) => formatRef(s.ref)),
  dryRun: () => [],
  act: async () => {},
  watch: watchWait,
  settle: (plan, seen, how, cmd) => settleWatch(plan, seen!, how, cmd),
  resumeHint: (_plan, pending) => `keep following with: drainctl watch ${pending.join(' ')}`,
  groupOf: (plan) => plan.group,
});

/** Reads what the ledger knows of each target and works out how long to watch, before anything is announced. */
function planWatch(group: InspectedGroup, cmd: Command): WatchPlan {
  const { work, snapshot } = group;
  const starts = new Map<string, number>();
  const inService = new Set<string>();
  for (const s of snapshot.targets) {
    const row = exactRecord(group.records, s.ref);
    if (row?.status === 'draining' && row.drainStartedAt) starts.set(formatRef(s.ref), Date.parse(row.drainStartedAt));
    if (isServing(s) && (!row || row.status === 'active')) inService.add(formatRef(s.ref));
  }
  const window = drainWindow(group.timeout!, work.provider.descriptor.completion, cmd.timeoutMs, work.groupText);
  return { group, targets: snapshot.targets, starts, window, inService, appIdle: undefined };
}

function watchWait(plan: WatchPlan, cmd: Command): WaitSpec {
  const { work } = plan.group;
  const { window } = plan;
  const starts = new Map(plan.starts);
  if (window.drainIsCallerBound) for (const [key, at] of starts) starts.set(key, Math.min(at, cmd.startedAt));
  const since = starts.size > 0 ? Math.min(...starts.values()) : undefined;
  const latest = starts.size > 0 ? Math.max(...starts.values()) : cmd.startedAt;
  const recorded = new Set(plan.group.records.map((r) => formatRef({ kind: 'target', provider: r.provider, group: r.group, target: r.target })));
  return {
    mode: 'wait',
    targets: plan.targets,
    announced: false,
    isSettled,
    waitMs: window.waitMs,
    since,
    expectedDoneAt: window.drainMs === undefined ? undefined : latest + window.drainMs,
    drainTimeoutSeconds: plan.group.timeout?.seconds,
    countdownEndsAt: window.drainIsCallerBound && window.drainMs !== undefined && starts.size > 0 ? latest + window.drainMs : undefined,
    relabel: work.provider.descriptor.completion === 'countdown' && window.drainMs !== undefined ? countdown(starts, window.drainMs, cmd.clock) : undefined,
    evidence: plan.appIdle && appIdleWatch(plan.appIdle, plan.starts, cmd),
    onChange: (s, prev) => {
      if (prev && recorded.has(formatRef(s.ref))) cmd.recorder.note(instanceKey(s.ref), { inFlight: s.inFlight ?? null }, { type: 'state_changed', at: isoTime(cmd.clock.now()), details: { from: prev.state, to: s.state, raw: s.raw, by: 'watch' } });
    },
  };
}

function settleWatch(plan: WatchPlan, seen: Observation, how: Settling, cmd: Command): TargetResult[] {
  const timedOut = how.kind === 'waited' && how.timedOut;
  return seen.final().map((s) => {
    const elapsedMs = cmd.clock.now() - cmd.startedAt;
    const outcome = watchOutcome(plan, s, timedOut);
    recordSettled(cmd.recorder, exactRecord(plan.group.records, s.ref), s, outcome, cmd.clock);
    const evidence = s.evidence ? { kind: s.evidence, detail: s.raw.description ?? '' } : undefined;
    cmd.emit({ type: 'target_done', target: formatRef(s.ref), outcome, state: s.state, elapsedMs, ...(evidence && { evidence }) });
    return result(s, outcome, elapsedMs);
  });
}

function watchOutcome(plan: WatchPlan, s: TargetStatus, timedOut: boolean): TargetResult['outcome'] {
  if (isServing(s)) return plan.inService.has(formatRef(s.ref)) ? 'unchanged' : 'restored';
  if (isDrainFinished(s.state)) return 'drained';
  return timedOut ? 'timed_out' : 'draining';
}

/** A watch that sees a drain or restore finish records it, so the ledger does not keep a stale 'draining'. */
function recordSettled(recorder: Recorder, row: InstanceRecord | undefined, status: TargetStatus, outcome: string, clock: Clock): void {
  if (!row) return;
  const at = isoTime(clock.now());
  if (outcome === 'drained' && row.status === 'draining') recorder.note(instanceKey(status.ref), { status: 'stopped', drainedAt: at, leaseExpiresAt: null }, { type: 'drained', at, details: { raw: status.raw, by: 'watch', evidence: status.evidence ?? 'load-balancer' } });
  if (outcome === 'restored' && row.status !== 'active') recorder.note(instanceKey(status.ref), { status: 'active', drainStartedAt: null, drainedAt: null, holder: null, leaseExpiresAt: null }, { type: 'restored', at, details: { by: 'watch' } });
}
