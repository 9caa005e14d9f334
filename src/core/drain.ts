import { type Clock, isoTime, systemClock } from './clock.js';
import { DrainctlError, throwIfAborted } from './errors.js';
import type { EventSink } from './events.js';
import { checkWaitMs, forEachGroup, groupTargets, type GroupWork } from './groups.js';
import type { InstanceKey, InstanceRecord, Ledger } from './ledger.js';
import { noteStatus, observeGroup } from './observe.js';
import { type DrainDecision, planDrain } from './preflight.js';
import type { ProviderResolver, TimeoutSetting } from './provider.js';
import { formatRef, targetCovers, type TargetRef } from './refs.js';
import type { OperationReport, TargetResult } from './report.js';
import { isDrainFinished, type TargetStatus } from './state.js';
import { drainWindow, type DrainWindow } from './window.js';
import { retrying, type RetryOptions } from './retry.js';
import { type CallContext, commandCall } from './call.js';

/** What every operation on targets takes; drain and restore add their own settings. */
export interface TargetsRequest {
  readonly targets: readonly TargetRef[];
  readonly providers: ProviderResolver;
  readonly ledger: Ledger;
  /** Wait until done (default true). */
  readonly wait?: boolean;
  /** Bound on the wait; each operation documents its default. */
  readonly timeoutMs?: number;
  /** Decide and report, change nothing. */
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly onEvent?: EventSink;
}

/** A request with its command's call context (signal, clock, deadline), made once when the command starts. */
export type Bound<R> = R & { readonly call: CallContext };

/** Everything drain needs. The CLI, the lifecycle hook and library callers all build one of these. Default wait: each group's drain timeout plus a margin. */
export interface DrainRequest extends TargetsRequest {
  /** Skip safety checks (draining the last healthy target, draining disabled). */
  readonly force?: boolean;
  /** When the wait runs out: leave targets draining (fail, the default) or cut what is left (force). */
  readonly onTimeout?: 'fail' | 'force';
}

/** The ledger's key for a target reference. */
export function instanceKey(ref: TargetRef): InstanceKey {
  return { provider: ref.provider, group: ref.group, target: ref.target };
}

interface GroupPlan {
  readonly work: GroupWork;
  readonly timeout: TimeoutSetting;
  readonly decisions: DrainDecision[];
  /** Undefined with --no-wait. */
  readonly window: DrainWindow | undefined;
  readonly providerId: string;
}

/**
 * Takes targets out of rotation and, unless told not to, waits until the provider says
 * they are drained. Every decision is made for every group before the first change.
 */
export async function drainTargets(request: DrainRequest): Promise<OperationReport> {
  const clock = request.clock ?? systemClock;
  const emit: EventSink = request.onEvent ?? (() => {});
  const dryRun = request.dryRun ?? false;
  checkWaitMs(request.timeoutMs);
  const startedAt = clock.now();
  const bound = { ...request, call: commandCall(request, clock, startedAt) };
  const work = await groupTargets(request.targets, request.providers);
  if (request.onTimeout === 'force') checkCanForce(work);
  const plans = await forEachGroup(work, (w) => inspect(w, bound, emit));
  throwIfAborted(request.signal);
  // Announced only once every group passed its checks: a refused call prints nothing but the refusal.
  emit({ type: 'plan', operation: 'drain', dryRun, targets: plans.flatMap((p) => p.decisions.map((d) => formatRef(d.status.ref))) });
  if (dryRun) return finish('drain', true, startedAt, clock, plans.flatMap((p) => dryRunResults(p, emit)));

  // Every group's drain call goes out before any group starts polling: on a fleet the calls that
  // stop traffic must not queue behind describes for the same API rate limit.
  const drainCalls = barrier(plans.length);
  const results = await forEachGroup(plans, (plan) => drainGroup(plan, bound, clock, emit, startedAt, drainCalls));
  return finish('drain', false, startedAt, clock, results.flat());
}

async function inspect(work: GroupWork, request: Bound<DrainRequest>, emit: EventSink): Promise<GroupPlan> {
  const retry = retryOptions(work, request, emit);
  const [timeout, snapshot] = await Promise.all([
    retrying(() => work.provider.getTimeout(work.group, request.call), retry),
    retrying(() => work.provider.describe(work.group, work.targets, request.call), retry),
  ]);
  const decisions = planDrain(work, snapshot, timeout, (s) => recordFor(request.ledger, work, s.ref), request.force ?? false);
  const toDrain = decisions.filter((d) => d.kind === 'drain').map((d) => d.status);
  if (toDrain.length > 0 && work.provider.checkDrain) await retrying(() => work.provider.checkDrain!(work.group, toDrain, request.call), retry);
  // Decided before any change: a provider without its own timeout may need the caller's.
  const window = request.wait === false ? undefined : drainWindow(timeout, work.provider.descriptor.completion, request.timeoutMs, work.groupText);
  return { work, timeout, decisions, window, providerId: snapshot.providerId };
}

function dryRunResults(plan: GroupPlan, emit: EventSink): TargetResult[] {
  return plan.decisions.map((d) => {
    const target = formatRef(d.status.ref);
    const detail = d.kind === 'drain' ? `would stop new traffic${plan.timeout.seconds === undefined ? '' : ` (drain timeout ${plan.timeout.seconds}s)`}` : d.detail;
    emit({ type: 'action', action: d.kind === 'drain' ? 'deregister' : 'skip', target, dryRun: true, detail });
    return result(d.status, d.kind === 'drain' ? 'would_drain' : 'unchanged', 0);
  });
}

/** Resolves once `count` parties have arrived (or failed: a failed group must not hold the others). */
function barrier(count: number): { arrive(): void; passed: Promise<void> } {
  let left = count;
  let open!: () => void;
  const passed = new Promise<void>((resolve) => (open = resolve));
  if (left === 0) open();
  return {
    arrive: () => {
      left -= 1;
      if (left === 0) open();
    },
    passed,
  };
}

async function drainGroup(plan: GroupPlan, request: Bound<DrainRequest>, clock: Clock, emit: EventSink, startedAt: number, drainCalls: ReturnType<typeof barrier>): Promise<TargetResult[]> {
  try {
    await requestDrain(plan, request, clock, emit);
  } finally {
    drainCalls.arrive();
  }
  await drainCalls.passed;
  return followDrain(plan, request, clock, emit, startedAt);
}

/** Records and sends one group's drain call. */
async function requestDrain(plan: GroupPlan, request: Bound<DrainRequest>, clock: Clock, emit: EventSink): Promise<void> {
  const { work, timeout } = plan;
  const ledger = request.ledger;
  const toDrain = plan.decisions.filter((d) => d.kind === 'drain').map((d) => d.status);

  for (const d of plan.decisions) {
    if (d.kind === 'already') emit({ type: 'action', action: 'skip', target: formatRef(d.status.ref), dryRun: false, detail: d.detail });
  }
  // Record how each target was registered before touching it, so a crash mid-call still leaves enough to restore.
  const requestedAt = isoTime(clock.now());
  for (const status of toDrain) {
    ledger.record(instanceKey(status.ref), { status: 'draining', drainStartedAt: requestedAt, drainedAt: null, registration: status.registration ?? null, inFlight: status.inFlight ?? null },
      { type: 'drain_requested', at: requestedAt, details: { drainTimeoutSeconds: timeout.seconds ?? null, raw: status.raw } });
  }
  if (toDrain.length > 0) {
    try {
      await retrying(() => work.provider.drain(work.group, toDrain, request.call), retryOptions(work, request, emit));
    } catch (error) {
      for (const status of toDrain) recordFailure(ledger, status, clock, error);
      throw error;
    }
    // The drain runs from when the provider accepted it (a GCP operation reached DONE), not from when it was asked.
    const acceptedAt = isoTime(clock.now());
    for (const status of toDrain) {
      ledger.record(instanceKey(status.ref), { drainStartedAt: acceptedAt }, { type: 'drain_started', at: acceptedAt, details: {} });
      emit({ type: 'action', action: 'deregister', target: formatRef(status.ref), dryRun: false, detail: `stopped new traffic${timeout.seconds === undefined ? '' : `; drain timeout ${timeout.seconds}s`}` });
    }
  }
}

/** Watches one group's targets until drained (or, with --no-wait, takes one look). */
async function followDrain(plan: GroupPlan, request: Bound<DrainRequest>, clock: Clock, emit: EventSink, startedAt: number): Promise<TargetResult[]> {
  const { work, timeout, window } = plan;
  const ledger = request.ledger;
  const toDrain = plan.decisions.filter((d) => d.kind === 'drain').map((d) => d.status);
  const completion = work.provider.descriptor.completion;
  const watched = plan.decisions.map((d) => d.status);
  const starts = drainStarts(watched, ledger, clock.now());
  const countdownMs = window?.drainMs ?? (timeout.enabled ? (timeout.seconds ?? 0) * 1000 : 0);
  const relabel = completion === 'countdown' ? countdown(starts, countdownMs, clock) : undefined;
  const lastSeen = new Map<string, TargetStatus>(watched.map((s) => [formatRef(s.ref), s]));
  const onChange = (s: TargetStatus, prev: TargetStatus | undefined): void => {
    ledger.record(instanceKey(s.ref), { inFlight: s.inFlight ?? null }, { type: 'state_changed', at: isoTime(clock.now()), details: { from: prev?.state ?? null, to: s.state, raw: s.raw } });
  };
  if (window === undefined) {
    // Not waiting: one look at what the provider now says, so the result is its word, not a guess.
    const after = await retrying(() => work.provider.describe(work.group, watched.map((s) => s.ref), request.call), retryOptions(work, request, emit));
    for (const status of after.targets) noteStatus(relabel ? relabel(status) : status, { lastSeen, emit, onChange });
    return [...lastSeen.values()].map((s) => result(s, isDrainFinished(s.state) ? 'unchanged' : 'draining', clock.now() - startedAt));
  }
  const earliestStart = Math.min(...starts.values());
  const expectedDoneAt = window.drainMs === undefined ? undefined : Math.max(...starts.values()) + window.drainMs;
  const deadline = request.timeoutMs !== undefined ? startedAt + window.waitMs : earliestStart + window.waitMs;
  emit({ type: 'group', group: work.groupText, providerId: plan.providerId, drainTimeoutSeconds: timeout.seconds, deadline: isoTime(deadline) });

  try {
    const outcome = await observeGroup({
      work, targets: watched.map((s) => s.ref), lastSeen, emit, clock, call: request.call, signal: request.signal, random: request.random, deadline,
      plan: { startedAt: earliestStart, expectedDoneAt, completesEarly: work.provider.descriptor.completesEarly, steadyMs: work.provider.descriptor.pollIntervalMs },
      isSettled: (s) => isDrainFinished(s.state),
      relabel,
      onChange,
      // Every target was just deregistered from a provider that reports draining for the whole timeout:
      // nothing can have finished yet, so the first look can wait a moment.
      firstPollDelayMs: completion === 'reported' && toDrain.length === watched.length ? 500 : undefined,
    });
    if (outcome.state === 'timeout' && request.onTimeout === 'force') return await forceRemaining(work, lastSeen, request, ledger, clock, emit, startedAt);
    return [...lastSeen.values()].map((s) => settle(s, outcome.state === 'timeout', ledger, clock, emit, startedAt));
  } catch (error) {
    if (error instanceof DrainctlError && error.kind === 'interrupted') throw interruptedWhileDraining(error, lastSeen, ledger, clock);
    throw error;
  }
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
async function forceRemaining(work: GroupWork, lastSeen: Map<string, TargetStatus>, request: Bound<DrainRequest>, ledger: Ledger, clock: Clock, emit: EventSink, startedAt: number): Promise<TargetResult[]> {
  const pending = [...lastSeen.values()].filter((s) => !isDrainFinished(s.state));
  const { cut } = await work.provider.forceClose!(work.group, pending, request.call);
  const at = isoTime(clock.now());
  for (const status of pending) {
    ledger.record(instanceKey(status.ref), { status: 'stopped', drainedAt: at, inFlight: 0 }, { type: 'forced', at, details: { cut, raw: status.raw } });
  }
  emit({ type: 'warning', target: undefined, message: `${work.groupText}: the wait ran out; cut ${cut} open session${cut === 1 ? '' : 's'} on ${pending.map((s) => formatRef(s.ref)).join(', ')}` });
  return [...lastSeen.values()].map((s) => {
    const elapsedMs = clock.now() - startedAt;
    if (isDrainFinished(s.state)) return settle(s, false, ledger, clock, emit, startedAt);
    emit({ type: 'target_done', target: formatRef(s.ref), outcome: 'forced', state: 'drained', elapsedMs });
    return { ...result(s, 'forced', elapsedMs), state: 'drained' };
  });
}

/** When each target's drain started, from the ledger (earlier runs included); now for any not recorded. */
export function drainStarts(statuses: readonly TargetStatus[], ledger: Ledger, now: number): Map<string, number> {
  const starts = new Map<string, number>();
  for (const s of statuses) {
    const started = ledger.find(instanceKey(s.ref))?.drainStartedAt;
    starts.set(formatRef(s.ref), started ? Date.parse(started) : now);
  }
  return starts;
}

/**
 * For providers that show no drain progress: a target is draining until its countdown
 * ends, then drained, whatever the provider lists (gone from an instance group, or
 * still present with its admin state down).
 */
export function countdown(starts: ReadonlyMap<string, number>, drainMs: number, clock: Clock): (status: TargetStatus) => TargetStatus {
  return (status) => {
    const started = starts.get(formatRef(status.ref));
    if (started === undefined || status.state === 'active') return status;
    const endsAt = started + drainMs;
    if (clock.now() < endsAt) return { ...status, state: 'draining', raw: { ...status.raw, description: `counting down the drain timeout until ${isoTime(endsAt)}` } };
    return status.state === 'draining' ? { ...status, state: 'drained' } : status;
  };
}

/**
 * The ledger row for a target, also when it is named without a detail the row has
 * (`i-0a` for the recorded `i-0a:8080`): the provider's naming rules decide.
 */
export function recordFor(ledger: Ledger, work: GroupWork, ref: TargetRef): InstanceRecord | undefined {
  const exact = ledger.find(instanceKey(ref));
  if (exact) return exact;
  const matches = ledger.instances({ provider: ref.provider, group: ref.group }).filter((r) => targetCovers(work.provider.descriptor.syntax, ref.target, r.target));
  return matches.length === 1 ? matches[0] : undefined;
}

/** Retry settings for one group's calls, reporting each retry as an event. */
export function retryOptions(work: GroupWork, request: { signal?: AbortSignal; clock?: Clock; random?: () => number }, emit: EventSink): RetryOptions {
  return {
    clock: request.clock,
    signal: request.signal,
    random: request.random,
    onRetry: (error, delayMs) => emit({ type: 'retry', group: work.groupText, reason: error.message, throttled: error.retryable === 'throttle', delayMs: Math.round(delayMs) }),
  };
}

function settle(status: TargetStatus, timedOut: boolean, ledger: Ledger, clock: Clock, emit: EventSink, startedAt: number): TargetResult {
  const at = isoTime(clock.now());
  const elapsedMs = clock.now() - startedAt;
  const target = formatRef(status.ref);
  if (isDrainFinished(status.state)) {
    const known = ledger.find(instanceKey(status.ref));
    if (!known || known.status !== 'stopped') {
      ledger.record(instanceKey(status.ref), { status: 'stopped', drainedAt: at, inFlight: status.inFlight ?? null }, { type: 'drained', at, details: { raw: status.raw, elapsedMs } });
    }
    emit({ type: 'target_done', target, outcome: 'drained', state: status.state, elapsedMs });
    return result(status, 'drained', elapsedMs);
  }
  const outcome = timedOut ? 'timed_out' : 'draining';
  if (timedOut) ledger.record(instanceKey(status.ref), {}, { type: 'timed_out', at, details: { state: status.state, raw: status.raw, elapsedMs } });
  emit({ type: 'target_done', target, outcome, state: status.state, elapsedMs });
  return result(status, outcome, elapsedMs);
}

/** Records the interrupt for every target still draining and says how to carry on. */
function interruptedWhileDraining(error: DrainctlError, lastSeen: Map<string, TargetStatus>, ledger: Ledger, clock: Clock): DrainctlError {
  const pending = [...lastSeen.values()].filter((s) => !isDrainFinished(s.state));
  for (const status of pending) {
    ledger.record(instanceKey(status.ref), {}, { type: 'interrupted', at: isoTime(clock.now()), details: { state: status.state, raw: status.raw } });
  }
  if (pending.length === 0) return error;
  const names = pending.map((s) => formatRef(s.ref)).join(' ');
  return new DrainctlError('interrupted', `${error.message}: ${names} ${pending.length === 1 ? 'is' : 'are'} still draining (no new traffic)`, {
    hint: `follow with: drainctl watch ${names}; put back with: drainctl restore ${names}; running drain again is safe`,
    details: { pending: pending.map((s) => formatRef(s.ref)) },
    cause: error,
  });
}

function recordFailure(ledger: Ledger, status: TargetStatus, clock: Clock, error: unknown): void {
  // A refusal or invalid input changed nothing, so the row goes back to active; so does a
  // failure the provider knows was not applied (`details.applied === false`: an NGINX reload
  // rolled back before NGINX acted on it). Anything else may have been applied before its
  // response was lost: the row stays 'draining', and a rerun describes the target again and
  // carries on from whatever is true.
  const rejected = error instanceof DrainctlError && (error.kind === 'refused' || error.kind === 'usage' || error.kind === 'not_found' || error.details.applied === false);
  const update = rejected ? { status: 'active' as const, drainStartedAt: null } : {};
  ledger.record(instanceKey(status.ref), update, { type: 'failed', at: isoTime(clock.now()), details: { message: error instanceof Error ? error.message : String(error), changed: !rejected } });
}

export function result(status: TargetStatus, outcome: TargetResult['outcome'], elapsedMs: number): TargetResult {
  return { target: formatRef(status.ref), outcome, state: status.state, health: status.health, raw: status.raw, elapsedMs };
}

export function finish(operation: OperationReport['operation'], dryRun: boolean, startedAt: number, clock: Clock, results: TargetResult[]): OperationReport {
  return { operation, dryRun, startedAt: isoTime(startedAt), finishedAt: isoTime(clock.now()), results };
}
