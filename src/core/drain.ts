import { type AppIdlePlan, type AppIdleRequest, appIdleWatch, planAppIdle } from './app-idle-plan.js';
import { withDeadline } from './call.js';
import { DEFAULT_LEASE_MS } from './lease.js';
import { type CapacityPolicy, type CapacityView, LeaseKeeper, type MinHealthy, type Reservation } from './capacity.js';
import { checkBeforeAnnouncing, confirmOrUndo, reservationFor, reserve, waitWhileHeld } from './drain-guard.js';
import { currentHolder, isHolderGone } from './holder.js';
import type { Holder } from './ledger.js';
import { isoTime, systemClock } from './clock.js';
import { countdown, timeoutDrainMs } from './countdown.js';
import { DrainctlError } from './errors.js';
import type { GroupWork } from './groups.js';
import type { Observation } from './observe.js';
import { type Command, type GroupOperation, type InspectedGroup, inspectGroups, type Settling, type TargetsRequest, type WaitSpec, providerCall, runOperation } from './pipeline.js';
import { type DrainDecision, planDrain } from './preflight.js';
import type { TimeoutSetting } from './provider.js';
import { drainStarts, exactRecord, instanceKey, recordFailure, recordFor } from './records.js';
import { formatRef, type GroupRef } from './refs.js';
import type { OperationReport, TargetResult } from './report.js';
import { result } from './results.js';
import { isDrainFinished, type TargetStatus } from './state.js';
import { drainWindow, type DrainWindow } from './window.js';

export type { TargetsRequest } from './pipeline.js';

/** Everything drain needs. The CLI, the lifecycle hook and library callers all build one of these. Default wait: each group's drain timeout plus a margin. */
export interface DrainRequest extends TargetsRequest {
  /** Skip safety checks (the capacity guard, draining disabled). */
  readonly force?: boolean;
  /** When the wait runs out: leave targets draining (fail, the default) or cut what is left (force). */
  readonly onTimeout?: 'fail' | 'force';
  /** How many targets must stay in service (default: never the last one): one value, or one per group as the command named it. */
  readonly minHealthy?: MinHealthy | ((group: GroupRef) => MinHealthy | undefined);
  /** How long to wait for capacity, or for another runner's drain of a target to end (default: refuse at once). */
  readonly waitForCapacityMs?: number;
  /** Who runs this drain (default: this process, with its CI job read from `env`). */
  readonly holder?: Holder;
  /** Where the CI job is read from (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** How long a drain in progress stays reserved after its runner stops renewing it (default 30 s). */
  readonly leaseMs?: number;
  /** `--until app-idle`: a target is drained once its application says nothing is in flight (see app-idle.ts). */
  readonly appIdle?: AppIdleRequest;
  /**
   * A named target the group does not have counts as drained instead of failing the call (exit 3).
   * The lifecycle hook names the instance in every group that may route to it; one that Auto
   * Scaling (or an earlier run) already deregistered is simply no longer there.
   */
  readonly absentIsDrained?: boolean;
}

interface DrainPlan {
  readonly group: InspectedGroup;
  readonly timeout: TimeoutSetting;
  readonly decisions: readonly DrainDecision[];
  readonly reservation: Reservation;
  /** The capacity rules for this group. */
  readonly policy: CapacityPolicy;
  /** When the provider accepted this run's drain of each target (filled in by the act phase). */
  readonly accepted: Map<string, number>;
  /** Set by the reserve phase: whether it recorded anything, and what was in service when it decided. */
  readonly reserved: { done: boolean; decided: CapacityView | undefined };
  /** Undefined with --no-wait. */
  readonly window: DrainWindow | undefined;
  /** With --until app-idle: each target's status URL and how long routing takes to stop. */
  readonly appIdle: AppIdlePlan | undefined;
}

/**
 * Takes targets out of rotation and, unless told not to, waits until the provider says
 * they are drained. Every decision is made for every group before the first change.
 */
export async function drainTargets(request: DrainRequest): Promise<OperationReport> {
  const policy: CapacityPolicy = {
    minHealthy: undefined,
    waitMs: request.waitForCapacityMs ?? 0,
    holder: request.holder ?? currentHolder(request.env),
    leaseMs: request.leaseMs ?? DEFAULT_LEASE_MS,
    holderGone: isHolderGone,
  };
  const leases = new LeaseKeeper({ ledger: request.ledger, clock: request.clock ?? systemClock }, policy);
  try {
    return await runOperation(drainOperation(request, policy, leases), request);
  } finally {
    await leases.stop();
  }
}

function drainOperation(request: DrainRequest, policy: CapacityPolicy, leases: LeaseKeeper): GroupOperation<DrainPlan> {
  const force = request.force ?? false;
  return {
    name: 'drain',
    readsTimeout: true,
    check: (work) => {
      if (request.onTimeout === 'force') checkCanForce(work);
    },
    decide: (group, cmd) => decide(group, cmd, force, { ...policy, minHealthy: minHealthyOf(request, group) }, request.appIdle, request.absentIsDrained ?? false),
    planned: (plan) => plan.decisions.map((d) => formatRef(d.status.ref)),
    dryRun,
    reserve: (plan, cmd) => reservePlan(plan, cmd, force, leases),
    release: releasePlan,
    act: requestDrain,
    watch: drainWait,
    settle: (plan, seen, how, cmd) => settleDrain(plan, seen!, how, cmd, request.onTimeout ?? 'fail'),
    interrupted: interruptedWhileDraining,
    resumeHint: (_plan, pending) => resumeHint(pending),
    groupOf: (plan) => plan.group,
  };
}

function minHealthyOf(request: DrainRequest, group: InspectedGroup): MinHealthy | undefined {
  return typeof request.minHealthy === 'function' ? request.minHealthy(group.work.group) : request.minHealthy;
}

async function decide(inspected: InspectedGroup, cmd: Command, force: boolean, policy: CapacityPolicy, appIdle: AppIdleRequest | undefined, absentIsDrained: boolean): Promise<DrainPlan> {
  const first = planGroup(inspected, force, policy, absentIsDrained);
  const again = async (): Promise<InspectedGroup> => (await inspectGroups(cmd, [inspected.work], { timeout: true }))[0]!;
  const group = force ? inspected : await waitWhileHeld(cmd, inspected, first.reservation, policy, again);
  const { decisions, reservation } = group === inspected ? first : planGroup(group, force, policy, absentIsDrained);
  const { work } = group;
  const timeout = group.timeout!;
  const toDrain = reservation.toDrain;
  if (!force) checkBeforeAnnouncing(cmd, group, reservation, policy);
  if (toDrain.length > 0 && work.provider.checkDrain) {
    await providerCall(cmd, work.groupText, 'check the drain of', (call) => work.provider.checkDrain!(work.group, toDrain, call));
  }
  // Decided before any change: a provider without its own timeout may need the caller's.
  const window = cmd.wait ? drainWindow(timeout, work.provider.descriptor.completion, cmd.timeoutMs, work.groupText) : undefined;
  const app = appIdle && cmd.wait ? await planAppIdle(cmd, group, decisions.map((d) => d.status), appIdle) : undefined;
  return { group, timeout, decisions, reservation, policy, window, appIdle: app, accepted: new Map(), reserved: { done: false, decided: undefined } };
}

function planGroup(group: InspectedGroup, force: boolean, policy: CapacityPolicy, absentIsDrained = false): { decisions: readonly DrainDecision[]; reservation: Reservation } {
  const decisions = planDrain(group.work, group.snapshot, group.timeout!, (s) => recordFor(group.records, group.work, s.ref), force, absentIsDrained);
  const already = decisions.filter((d) => d.kind === 'already').map((d) => d.status);
  return { decisions, reservation: reservationFor(group, drained(decisions), already, policy) };
}

function drained(decisions: readonly DrainDecision[]): TargetStatus[] {
  return decisions.filter((d) => d.kind === 'drain').map((d) => d.status);
}

function dryRun(plan: DrainPlan, cmd: Command): TargetResult[] {
  return plan.decisions.map((d) => {
    const target = formatRef(d.status.ref);
    const detail = d.kind === 'drain' ? `would stop new traffic${plan.timeout.seconds === undefined ? '' : ` (drain timeout ${plan.timeout.seconds}s)`}` : d.detail;
    cmd.emit({ type: 'action', action: d.kind === 'drain' ? 'deregister' : 'skip', target, dryRun: true, detail });
    return result(d.status, d.kind === 'drain' ? 'would_drain' : 'unchanged', 0);
  });
}

/** Announces what is already draining, and reserves capacity for the rest (recorded, under the group's lock). */
async function reservePlan(plan: DrainPlan, cmd: Command, force: boolean, leases: LeaseKeeper): Promise<void> {
  for (const d of plan.decisions) {
    if (d.kind === 'already') cmd.emit({ type: 'action', action: 'skip', target: formatRef(d.status.ref), dryRun: false, detail: d.detail });
  }
  const { toDrain, following } = plan.reservation;
  if (toDrain.length === 0 && following.length === 0) return;
  plan.reserved.decided = await reserve(cmd, plan.group, plan.reservation, plan.policy, force, leases, plan.timeout.seconds);
  plan.reserved.done = true;
}

/** Another group was refused: this group's reservation is given back, nothing having changed. */
async function releasePlan(plan: DrainPlan, cmd: Command): Promise<void> {
  if (!plan.reserved.done) return;
  const at = isoTime(cmd.clock.now());
  for (const status of plan.reservation.toDrain) {
    await cmd.recorder.write(instanceKey(status.ref), { status: 'active', drainStartedAt: null, holder: null, leaseExpiresAt: null }, { type: 'failed', at, details: { message: 'another group of the same drain was refused', changed: false } });
  }
  for (const status of plan.reservation.following) await cmd.recorder.write(instanceKey(status.ref), { leaseExpiresAt: null }, { type: 'state_changed', at, details: { from: status.state, to: status.state, released: true } });
}

/** Sends one group's drain call, then checks the group still has enough in service. */
async function requestDrain(plan: DrainPlan, cmd: Command): Promise<void> {
  const { work } = plan.group;
  const { recorder, clock, emit } = cmd;
  const seconds = plan.timeout.seconds;
  const toDrain = plan.reservation.toDrain;
  if (toDrain.length === 0) return;
  try {
    await providerCall(cmd, work.groupText, 'drain', (call) => work.provider.drain(work.group, toDrain, call));
  } catch (error) {
    for (const status of toDrain) recordFailure(recorder, status, clock, error);
    throw error;
  }
  // The drain runs from when the provider accepted it (a GCP operation reached DONE), not from when it was asked.
  const acceptedAt = isoTime(clock.now());
  for (const status of toDrain) {
    plan.accepted.set(formatRef(status.ref), clock.now());
    // With --no-wait nobody follows the drain from here, so this runner holds it no longer.
    recorder.note(instanceKey(status.ref), { drainStartedAt: acceptedAt, ...(!cmd.wait && { leaseExpiresAt: null }) }, { type: 'drain_started', at: acceptedAt, details: {} });
    emit({ type: 'action', action: 'deregister', target: formatRef(status.ref), dryRun: false, detail: `stopped new traffic${seconds === undefined ? '' : `; drain timeout ${seconds}s`}` });
  }
  const decided = plan.reserved.decided;
  if (decided === undefined) return;
  try {
    await confirmOrUndo(cmd, plan.group, toDrain, plan.policy, decided);
  } catch (error) {
    // Ctrl-C right after the change: say what is draining and how to carry on, as during the wait.
    if (error instanceof DrainctlError && error.kind === 'interrupted') throw interruptedAfterChange(toDrain, error, cmd);
    throw error;
  }
}

/** What to watch after the drain call: one look with --no-wait, else every named target until drained. */
function drainWait(plan: DrainPlan, cmd: Command): WaitSpec {
  const { work } = plan.group;
  const { window } = plan;
  const watched = plan.decisions.map((d) => d.status);
  // This run's own drains run from when the provider accepted them; others' from what the ledger recorded.
  const starts = new Map([...drainStarts(watched, plan.group.records, cmd.clock.now()), ...plan.accepted]);
  // When --timeout is itself the drain, the countdown runs from the command's start so it ends inside the bound.
  if (window?.drainIsCallerBound) for (const [key, at] of starts) starts.set(key, Math.min(at, cmd.startedAt));
  const drainMs = window ? window.drainMs : timeoutDrainMs(plan.timeout);
  const completion = work.provider.descriptor.completion;
  const common = {
    targets: watched,
    announced: true,
    isSettled: (s: TargetStatus) => isDrainFinished(s.state),
    relabel: completion === 'countdown' ? countdown(starts, drainMs, cmd.clock) : undefined,
    onChange: (s: TargetStatus, prev: TargetStatus | undefined) => {
      cmd.recorder.note(instanceKey(s.ref), { inFlight: s.inFlight ?? null }, { type: 'state_changed', at: isoTime(cmd.clock.now()), details: { from: prev?.state ?? null, to: s.state, raw: s.raw } });
    },
  };
  if (!window) return { ...common, mode: 'once', waitMs: 0 };
  return {
    ...common,
    mode: 'wait',
    waitMs: window.waitMs,
    since: Math.min(...starts.values()),
    expectedDoneAt: drainMs === undefined ? undefined : Math.max(...starts.values()) + drainMs,
    drainTimeoutSeconds: plan.timeout.seconds,
    countdownEndsAt: window.drainIsCallerBound && drainMs !== undefined ? Math.max(...starts.values()) + drainMs : undefined,
    // Every target was just deregistered from a provider that reports draining for the whole timeout:
    // nothing can have finished yet, so the first look can wait a moment.
    firstPollDelayMs: completion === 'reported' && drained(plan.decisions).length === watched.length ? 500 : undefined,
    evidence: plan.appIdle && appIdleWatch(plan.appIdle, starts, cmd),
  };
}

function settleDrain(plan: DrainPlan, seen: Observation, how: Settling, cmd: Command, onTimeout: 'fail' | 'force'): Promise<TargetResult[]> | TargetResult[] {
  const final = seen.final();
  if (how.kind === 'once') {
    // Not waiting: a target drained now is 'drained' if the drain already finished (a zero delay), else left 'draining'.
    const changed = new Set(drained(plan.decisions).map((s) => formatRef(s.ref)));
    return final.map((s) => (changed.has(formatRef(s.ref)) ? settleOne(s, false, cmd, plan) : unchanged(s, cmd)));
  }
  const timedOut = how.kind === 'waited' && how.timedOut;
  if (timedOut && onTimeout === 'force') return forceRemaining(plan, final, cmd);
  return final.map((s) => settleOne(s, timedOut, cmd, plan));
}

/** A target this command did not change, reported as the provider now shows it. */
function unchanged(status: TargetStatus, cmd: Command): TargetResult {
  const outcome = isDrainFinished(status.state) ? 'unchanged' : 'draining';
  const elapsedMs = cmd.clock.now() - cmd.startedAt;
  cmd.emit({ type: 'target_done', target: formatRef(status.ref), outcome, state: status.state, elapsedMs });
  return result(status, outcome, elapsedMs);
}

function settleOne(status: TargetStatus, timedOut: boolean, cmd: Command, plan: DrainPlan): TargetResult {
  const { recorder, clock, emit } = cmd;
  const at = isoTime(clock.now());
  const elapsedMs = clock.now() - cmd.startedAt;
  const target = formatRef(status.ref);
  const key = instanceKey(status.ref);
  if (isDrainFinished(status.state)) {
    // A target already recorded as drained before this run is not drained again.
    if (drainedByThisRun(plan, status) || exactRecord(plan.group.records, status.ref)?.status !== 'stopped') {
      recorder.note(key, { status: 'stopped', drainedAt: at, inFlight: status.inFlight ?? null, leaseExpiresAt: null }, { type: 'drained', at, details: { raw: status.raw, elapsedMs, evidence: status.evidence ?? 'load-balancer' } });
    }
    const evidence = status.evidence ? { kind: status.evidence, detail: status.raw.description ?? '' } : undefined;
    emit({ type: 'target_done', target, outcome: 'drained', state: status.state, elapsedMs, ...(evidence && { evidence }) });
    return result(status, 'drained', elapsedMs);
  }
  const outcome = timedOut ? 'timed_out' : 'draining';
  // The runner lets go of the drain: it is no longer watching it.
  if (timedOut) recorder.note(key, { leaseExpiresAt: null }, { type: 'timed_out', at, details: { state: status.state, raw: status.raw, elapsedMs } });
  emit({ type: 'target_done', target, outcome, state: status.state, elapsedMs });
  return result(status, outcome, elapsedMs);
}

function drainedByThisRun(plan: DrainPlan, status: TargetStatus): boolean {
  const name = formatRef(status.ref);
  return plan.decisions.some((d) => d.kind === 'drain' && formatRef(d.status.ref) === name);
}

/** --on-timeout force needs a provider that can cut connections; say so before changing anything. */
function checkCanForce(work: readonly GroupWork[]): void {
  const unable = work.find((w) => !w.provider.forceClose);
  if (unable) {
    throw new DrainctlError('usage', `--on-timeout force: ${unable.provider.descriptor.name} cannot cut open connections (${unable.groupText})`, {
      hint: 'use --on-timeout fail (the default) and restore or watch the targets afterwards',
    });
  }
}

/** The wait ran out and the caller asked to force: cut what is still open, then report each target as forced. */
async function forceRemaining(plan: DrainPlan, final: readonly TargetStatus[], cmd: Command): Promise<TargetResult[]> {
  const { work } = plan.group;
  const { recorder, clock, emit } = cmd;
  const pending = final.filter((s) => !isDrainFinished(s.state));
  const { cut } = await withDeadline(cmd.call, `cut open connections in ${work.groupText}`, (call) => work.provider.forceClose!(work.group, pending, call));
  const at = isoTime(clock.now());
  for (const status of pending) {
    recorder.note(instanceKey(status.ref), { status: 'stopped', drainedAt: at, inFlight: 0, leaseExpiresAt: null }, { type: 'forced', at, details: { cut, raw: status.raw } });
  }
  emit({ type: 'warning', target: undefined, message: `${work.groupText}: the wait ran out; cut ${cut} open session${cut === 1 ? '' : 's'} on ${pending.map((s) => formatRef(s.ref)).join(', ')}` });
  return final.map((s) => {
    if (isDrainFinished(s.state)) return settleOne(s, false, cmd, plan);
    const elapsedMs = clock.now() - cmd.startedAt;
    emit({ type: 'target_done', target: formatRef(s.ref), outcome: 'forced', state: 'drained', elapsedMs });
    return { ...result(s, 'forced', elapsedMs), state: 'drained' };
  });
}

function resumeHint(names: readonly string[]): string {
  return `follow with: drainctl watch ${names.join(' ')}; put back with: drainctl restore ${names.join(' ')}; running drain again is safe`;
}

/** Records the interrupt for every target still draining and says how to carry on. */
function interruptedWhileDraining(_plan: DrainPlan, seen: Observation, error: DrainctlError, cmd: Command): DrainctlError {
  return interruptedAfterChange(seen.seen().filter((s) => !isDrainFinished(s.state)), error, cmd);
}

function interruptedAfterChange(pending: readonly TargetStatus[], error: DrainctlError, cmd: Command): DrainctlError {
  for (const status of pending) {
    cmd.recorder.note(instanceKey(status.ref), { leaseExpiresAt: null }, { type: 'interrupted', at: isoTime(cmd.clock.now()), details: { state: status.state, raw: status.raw } });
  }
  if (pending.length === 0) return error;
  const names = pending.map((s) => formatRef(s.ref));
  return new DrainctlError('interrupted', `${error.message}: ${names.join(' ')} ${pending.length === 1 ? 'is' : 'are'} still draining (no new traffic)`, {
    hint: resumeHint(names),
    details: { pending: names },
    cause: error,
  });
}
