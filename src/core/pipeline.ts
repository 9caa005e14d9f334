import { type CallContext, sleepWithin, withDeadline } from './call.js';
import { canonicalSnapshot, withRecordedNames } from './canonical.js';
import { groupRows, recordFor } from './records.js';
import { Recorder } from './recorder.js';
import { type Clock, isoTime, systemClock } from './clock.js';
import { commandBound, waitDeadline } from './deadline.js';
import { DrainctlError, StalePlan, throwIfAborted } from './errors.js';
import type { EventSink, Operation } from './events.js';
import { forEachGroup, groupTargets, type GroupWork } from './groups.js';
import type { InstanceRecord, Ledger } from './ledger.js';
import { Observation, observeGroup } from './observe.js';
import type { GroupSnapshot, ProviderResolver, TimeoutSetting } from './provider.js';
import { formatRef, type GroupRef, type TargetRef } from './refs.js';
import type { OperationReport, TargetResult, UnrecordedEvent } from './report.js';
import { finish } from './results.js';
import { type RetryPolicy, retrying } from './retry.js';
import type { TargetStatus } from './state.js';

/**
 * The one group-operation pipeline that drain, restore, watch and status share:
 * group the references → inspect each group (timeout and describe) → let the operation
 * decide → act → observe → settle into results, ledger rows and events. Each operation is a
 * thin GroupOperation that supplies its decisions and actions; timing, retries, deadlines,
 * canonical references and the group's identity in events live here, once.
 */

/** What every operation on targets takes; drain and restore add their own settings. */
export interface TargetsRequest {
  readonly targets: readonly TargetRef[];
  readonly providers: ProviderResolver;
  readonly ledger: Ledger;
  /** Wait until done (default true). */
  readonly wait?: boolean;
  /** Bounds the whole command: every provider call and every wait (each operation documents its default wait). */
  readonly timeoutMs?: number;
  /** Decide and report, change nothing. */
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly onEvent?: EventSink;
}

/** One command in progress: what every phase of every operation shares. */
export interface Command {
  readonly operation: Operation;
  readonly ledger: Ledger;
  /** The writes made once a change is under way: kept and retried when the ledger is unreachable. */
  readonly recorder: Recorder;
  readonly clock: Clock;
  /** The command's call context: its signal, clock and deadline (--timeout), given to every provider call. */
  readonly call: CallContext;
  readonly startedAt: number;
  readonly emit: EventSink;
  readonly random: (() => number) | undefined;
  readonly timeoutMs: number | undefined;
  readonly dryRun: boolean;
  readonly wait: boolean;
}

/** Starts a command: checks its bound and makes its call context. */
export function startCommand(operation: Operation, request: Omit<TargetsRequest, 'targets' | 'providers'>): Command {
  const clock = request.clock ?? systemClock;
  const startedAt = clock.now();
  return {
    operation,
    ledger: request.ledger,
    recorder: new Recorder(request.ledger, clock),
    clock,
    call: commandBound(request, clock, startedAt),
    startedAt,
    emit: request.onEvent ?? (() => {}),
    random: request.random,
    timeoutMs: request.timeoutMs,
    dryRun: request.dryRun ?? false,
    wait: request.wait ?? true,
  };
}

/** One group after inspection, every reference in it canonical. */
export interface InspectedGroup {
  /** The provider and the group as the command named it (provider calls use that), `groupText` canonical. */
  readonly work: GroupWork;
  /** The group as the provider identifies it: the ledger's and the events' name for it. */
  readonly canonical: GroupRef;
  readonly snapshot: GroupSnapshot;
  /** The group's ledger rows as they were at inspection (under its canonical name and the spelling used). */
  readonly records: readonly InstanceRecord[];
  /** Undefined when the operation does not read it (restore). */
  readonly timeout: TimeoutSetting | undefined;
  /** When the snapshot was taken, ms epoch. */
  readonly inspectedAt: number;
}

/** The retry policy of one group's calls: retries are announced as events under the group's name. */
export function retryPolicy(cmd: Command, groupText: string): RetryPolicy {
  return { group: groupText, random: cmd.random, onRetry: cmd.emit };
}

/** Calls a provider for one group: bounded by the command's deadline, retried under the one retry policy. */
export function providerCall<T>(cmd: Command, groupText: string, what: string, task: (call: CallContext) => Promise<T>): Promise<T> {
  return retrying(cmd.call, `${what} ${groupText}`, task, retryPolicy(cmd, groupText));
}

/** One describe of a group's targets, canonicalised. */
export async function describeGroup(work: GroupWork, targets: readonly TargetRef[] | 'all', call: CallContext): Promise<GroupSnapshot> {
  return canonicalSnapshot(await work.provider.describe(work.group, targets, call));
}

/** Reads each group's timeout (when asked) and describes its targets, concurrently per group. */
export async function inspectGroups(cmd: Command, work: readonly GroupWork[], options: { readonly timeout: boolean; readonly targets?: (work: GroupWork) => readonly TargetRef[] | 'all' }): Promise<InspectedGroup[]> {
  return forEachGroup(work, async (w) => {
    const [timeout, snapshot] = await Promise.all([
      options.timeout ? providerCall(cmd, w.groupText, 'read the drain timeout of', (call) => w.provider.getTimeout(w.group, call)) : Promise.resolve(undefined),
      providerCall(cmd, w.groupText, 'describe', (call) => describeGroup(w, options.targets?.(w) ?? w.targets, call)),
    ]);
    const canonical = snapshot.group;
    const records = await groupRows(cmd.ledger, canonical, w);
    const named = withRecordedNames(snapshot, (s) => recordFor(records, w, s.ref));
    return { work: { ...w, groupText: formatRef(canonical) }, canonical, snapshot: named, records, timeout, inspectedAt: cmd.clock.now() };
  });
}

/** What to wait for after acting on one group. */
export interface WaitSpec {
  /** 'once': one look, no waiting (drain --no-wait); 'wait': poll until settled or the deadline. */
  readonly mode: 'once' | 'wait';
  /** The targets to watch, as last seen before acting. */
  readonly targets: readonly TargetStatus[];
  /** Whether the states in `targets` were already announced (drain), so only changes are. */
  readonly announced: boolean;
  readonly isSettled: (status: TargetStatus) => boolean;
  /** How long the wait may last (see deadline.ts for where it is counted from). */
  readonly waitMs: number;
  /** The earliest drain start of these targets, when known. */
  readonly since?: number;
  /** When the provider is expected to be done, ms epoch. */
  readonly expectedDoneAt?: number;
  /** The drain timeout to show in the group event. */
  readonly drainTimeoutSeconds?: number;
  readonly relabel?: (status: TargetStatus) => TargetStatus;
  readonly onChange?: (status: TargetStatus, previous: TargetStatus | undefined) => void;
  readonly firstPollDelayMs?: number;
  /**
   * When the caller's --timeout is itself the drain of a provider that shows nothing (a
   * countdown ending at the command's bound): if the wait runs out first, the pipeline waits
   * the countdown out on the clock and judges the targets with `relabel`, asking nothing more.
   */
  readonly countdownEndsAt?: number;
  /** Evidence besides the provider's (the app's own status), read while waiting; it can end the wait early. */
  readonly evidence?: WaitEvidence;
}

/** A second source of truth for a wait: see AppIdleWatch. */
export interface WaitEvidence {
  /** Applied after the provider's word (and after `relabel`). */
  readonly relabel: (status: TargetStatus) => TargetStatus;
  /** Resolves when the evidence may have changed a verdict. */
  changed(): Promise<void>;
  /** Gathers evidence until the signal fires. */
  run(signal: AbortSignal): Promise<void>;
}

/** How a group's watch ended. */
export type Settling = { readonly kind: 'once' } | { readonly kind: 'waited'; readonly timedOut: boolean } | { readonly kind: 'not_waited' };

/** One operation's part: its decisions and actions. Everything else is the pipeline's. */
export interface GroupOperation<P> {
  readonly name: Operation;
  /** Whether inspection reads each group's drain timeout. */
  readonly readsTimeout: boolean;
  /** Checks that need only the grouped references, before any call. */
  check?(work: readonly GroupWork[]): void;
  /** Decides what to do with one inspected group; throws to refuse the whole command before any change. */
  decide(group: InspectedGroup, cmd: Command): Promise<P>;
  /** The targets the plan event announces. */
  planned(plan: P): readonly string[];
  /** The results of a dry run (nothing changed). */
  dryRun(plan: P, cmd: Command): TargetResult[];
  /**
   * Reserves what the change needs (drain: capacity, under the group's lock), for every group
   * before any group changes anything: one group refused means no change anywhere.
   */
  reserve?(plan: P, cmd: Command): Promise<void>;
  /** Gives back a reservation made by `reserve` when another group's was refused. */
  release?(plan: P, cmd: Command): Promise<void>;
  /** Makes the changes. */
  act(plan: P, cmd: Command): Promise<void>;
  /** What to watch after acting, or undefined to settle at once. */
  watch(plan: P, cmd: Command): WaitSpec | undefined;
  /** Turns what was seen into results, ledger rows and target_done events. */
  settle(plan: P, seen: Observation | undefined, how: Settling, cmd: Command): Promise<TargetResult[]> | TargetResult[];
  /** The error to raise when the wait was interrupted (drain records it and says how to carry on). */
  interrupted?(plan: P, seen: Observation, error: DrainctlError, cmd: Command): DrainctlError;
  /** How to carry on when the wait failed: "follow with: drainctl watch …". */
  resumeHint?(plan: P, pending: readonly string[]): string;
  /** The group each plan is about. */
  groupOf(plan: P): InspectedGroup;
}

/** Runs one operation over its targets, every group through the same phases. */
export async function runOperation<P>(op: GroupOperation<P>, request: TargetsRequest): Promise<OperationReport> {
  const cmd = startCommand(op.name, request);
  let report: OperationReport | undefined;
  try {
    report = await runPlanningAgainIfStale(op, request, cmd);
  } finally {
    // On success and failure alike: what happened must reach the ledger before the command ends.
    const unrecorded = await reportUnrecorded(cmd);
    if (report && unrecorded.length > 0) report = { ...report, unrecorded };
  }
  return report;
}

/** How many times an operation plans again when the group changed under it before it could reserve. */
const MAX_PLANS = 3;

async function runPlanningAgainIfStale<P>(op: GroupOperation<P>, request: TargetsRequest, cmd: Command): Promise<OperationReport> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runPhases(op, request, cmd);
    } catch (error) {
      if (!(error instanceof StalePlan)) throw error;
      if (attempt >= MAX_PLANS) {
        throw new DrainctlError('refused', `${error.message}, ${MAX_PLANS} times: the group keeps changing under this ${op.name}`, {
          hint: `look at it with: drainctl fleet, and run the ${op.name} again`,
        });
      }
      cmd.emit({ type: 'warning', target: undefined, message: `${error.message}: nothing was changed; planning again from a fresh look` });
    }
  }
}

async function runPhases<P>(op: GroupOperation<P>, request: TargetsRequest, cmd: Command): Promise<OperationReport> {
  const work = await groupTargets(request.targets, request.providers);
  op.check?.(work);
  const inspected = await inspectGroups(cmd, work, { timeout: op.readsTimeout });
  const plans = await forEachGroup(inspected, (g) => op.decide(g, cmd));
  throwIfAborted(cmd.call.signal);
  // Announced only once every group passed its checks: a refused call prints nothing but the refusal.
  cmd.emit({ type: 'plan', operation: op.name, dryRun: cmd.dryRun, targets: plans.flatMap((p) => op.planned(p)) });
  if (cmd.dryRun) return finish(op.name, true, cmd.startedAt, cmd.clock, plans.flatMap((p) => op.dryRun(p, cmd)));
  await reserveAll(op, plans, cmd);

  // Every group's change goes out before any group starts polling: on a fleet the calls that
  // stop traffic must not queue behind describes for the same API rate limit.
  const acted = barrier(plans.length);
  const results = await forEachGroup(plans, async (plan) => {
    try {
      await op.act(plan, cmd);
    } finally {
      acted.arrive();
    }
    await acted.passed;
    return observeAndSettle(op, plan, cmd);
  });
  return finish(op.name, false, cmd.startedAt, cmd.clock, results.flat());
}

/** Every group's reservation, or none: a refused group gives the others' back before the error is thrown. */
async function reserveAll<P>(op: GroupOperation<P>, plans: readonly P[], cmd: Command): Promise<void> {
  if (!op.reserve) return;
  const settled = await Promise.allSettled(plans.map((p) => op.reserve!(p, cmd)));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (!failure) return;
  await Promise.allSettled(plans.filter((_p, i) => settled[i]!.status === 'fulfilled').map((p) => op.release?.(p, cmd)));
  throw failure.reason;
}

/** Writes what is still queued; what cannot be written is announced, once, as a warning. */
async function reportUnrecorded(cmd: Command): Promise<UnrecordedEvent[]> {
  const missing = (await cmd.recorder.flush()).map((u) => ({
    target: formatRef({ kind: 'target', ...u.key }),
    event: u.event.type,
    at: u.event.at,
    reason: u.reason,
  }));
  if (missing.length === 0) return missing;
  const listed = missing.map((m) => `${m.event} ${m.target} at ${m.at}`).join('; ');
  cmd.emit({
    type: 'warning',
    target: undefined,
    message: `the ledger ${cmd.ledger.location} could not record ${missing.length} event${missing.length === 1 ? '' : 's'} (${missing[0]!.reason}): ${listed}; the load balancer has the changes, check them with drainctl status`,
  });
  return missing;
}

async function observeAndSettle<P>(op: GroupOperation<P>, plan: P, cmd: Command): Promise<TargetResult[]> {
  const spec = op.watch(plan, cmd);
  if (!spec) return op.settle(plan, undefined, { kind: 'not_waited' }, cmd);
  const group = op.groupOf(plan);
  const { work } = group;
  const seen = new Observation(spec.targets, group.inspectedAt, spec.announced);
  const refs = spec.targets.map((s) => s.ref);
  const describe = async (call: CallContext): Promise<readonly TargetStatus[]> => (await describeGroup(work, refs, call)).targets;
  if (spec.mode === 'once') {
    // Not waiting: one look at what the provider now says, so the result is its word, not a guess.
    const after = await providerCall(cmd, work.groupText, 'describe', describe);
    for (const status of after) seen.note(spec.relabel ? spec.relabel(status) : status, cmd.clock.now(), cmd.emit, spec.onChange);
    return op.settle(plan, seen, { kind: 'once' }, cmd);
  }
  const deadline = waitDeadline({ call: cmd.call, startedAt: cmd.startedAt, waitMs: spec.waitMs, callerBound: cmd.timeoutMs !== undefined, since: spec.since });
  cmd.emit({ type: 'group', group: work.groupText, providerId: group.snapshot.providerId, drainTimeoutSeconds: spec.drainTimeoutSeconds, deadline: isoTime(deadline) });
  const { evidence } = spec;
  const relabel = evidence ? (s: TargetStatus) => evidence.relabel(spec.relabel ? spec.relabel(s) : s) : spec.relabel;
  const stopEvidence = new AbortController();
  const gathering = evidence?.run(cmd.call.signal ? AbortSignal.any([stopEvidence.signal, cmd.call.signal]) : stopEvidence.signal);
  try {
    const outcome = await observeGroup({
      groupText: work.groupText,
      // Each poll is bounded by the command's deadline: a describe that hangs is cut there.
      describe: () => withDeadline(cmd.call, `describe ${work.groupText}`, describe),
      plan: { startedAt: spec.since ?? cmd.clock.now(), expectedDoneAt: spec.expectedDoneAt, completesEarly: work.provider.descriptor.completesEarly, steadyMs: work.provider.descriptor.pollIntervalMs },
      deadline,
      isSettled: spec.isSettled,
      relabel,
      wake: evidence && (() => evidence.changed()),
      seen,
      emit: cmd.emit,
      onChange: spec.onChange,
      signal: cmd.call.signal,
      clock: cmd.clock,
      retry: retryPolicy(cmd, work.groupText),
      firstPollDelayMs: spec.firstPollDelayMs,
    });
    const timedOut = outcome.state === 'timeout' && !(await waitOutCountdown(spec, seen, cmd));
    return await op.settle(plan, seen, { kind: 'waited', timedOut }, cmd);
  } catch (error) {
    if (error instanceof DrainctlError && error.kind === 'interrupted' && op.interrupted) throw op.interrupted(plan, seen, error, cmd);
    throw failedWhileWaiting(op, plan, seen, spec, error);
  } finally {
    stopEvidence.abort();
    await gathering;
  }
}

/** Sleeps until a countdown that is the caller's --timeout ends and judges by it; true when every target then settled. */
async function waitOutCountdown(spec: WaitSpec, seen: Observation, cmd: Command): Promise<boolean> {
  const endsAt = spec.countdownEndsAt;
  if (endsAt === undefined || !spec.relabel || seen.failure || endsAt > cmd.call.deadline) return false;
  await sleepWithin(cmd.call, Math.max(0, endsAt - cmd.clock.now()), 'the drain countdown');
  seen.rejudge(spec.relabel, cmd.clock.now(), cmd.emit, spec.onChange);
  return seen.seen().every(spec.isSettled);
}

/** A wait that failed says what was last seen of each pending target, and when, and how to carry on. */
function failedWhileWaiting<P>(op: GroupOperation<P>, plan: P, seen: Observation, spec: WaitSpec, error: unknown): unknown {
  if (!(error instanceof DrainctlError) || error.kind === 'interrupted') return error;
  const pending = seen.seen().filter((s) => !spec.isSettled(s));
  if (pending.length === 0) return error;
  const lastSeen = pending.map((s) => `${formatRef(s.ref)} ${seen.lastSeen(s)}`);
  const resume = op.resumeHint?.(plan, pending.map((s) => formatRef(s.ref)));
  return new DrainctlError(error.kind, `${error.message} (${lastSeen.join('; ')})`, {
    hint: [error.hint, resume].filter(Boolean).join('; ') || undefined,
    cause: error,
    details: { ...error.details, lastSeen },
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
