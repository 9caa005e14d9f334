import { type CallContext, sleepWithin, withDeadline } from './call.js';
import { isoTime } from './clock.js';
import { formatDuration } from './duration.js';
import { DrainctlError, StalePlan } from './errors.js';
import { type MinHealthy, formatMinHealthy } from './min-healthy.js';
import type { CapacityHolder } from './events.js';
import { describeHolder, sameOwner } from './holder.js';
import { GROUP_ROW_TARGET, type GroupKey, type Holder, type InstanceRecord, type LockHeld, isGroupLock } from './ledger.js';
import { type Command, type InspectedGroup, describeGroup, providerCall } from './pipeline.js';
import { groupRows } from './records.js';
import { formatRef } from './refs.js';
import type { TargetStatus } from './state.js';

/**
 * The capacity guard: how many of a group's targets must stay in service, and the protocol
 * that keeps it true when many runners drain one group at once.
 *
 * Before any change a runner takes the group's lock in the ledger, describes the group afresh,
 * subtracts the drains other runners have reserved and not yet finished (their leases are
 * live), decides, and records its own reservation before letting go of the lock. Runners that
 * share no ledger meet only at the load balancer: after its change a runner describes the
 * group again and, if a concurrent drain took it below the minimum, puts its own targets back
 * (both doing so is safe; both staying is what must never happen).
 */

export { type MinHealthy, formatMinHealthy, parseMinHealthy } from './min-healthy.js';

/** How one drain command treats capacity. */
export interface CapacityPolicy {
  /** Undefined: the default rule, never drain the last target in service. */
  readonly minHealthy: MinHealthy | undefined;
  /** How long to wait for capacity (or for another runner's drain of the same target); 0 refuses at once. */
  readonly waitMs: number;
  readonly holder: Holder;
  /** How long a reservation counts after its runner stops renewing it. */
  readonly leaseMs: number;
  /** True when a holder is known to be dead (a process on this host that no longer exists): its lease is not waited out. */
  readonly holderGone?: (holder: Holder) => boolean;
}

export { DEFAULT_LEASE_MS } from './lease.js';
/** A SQLite lock row lapses after this (its holder died while holding it); the hold itself takes one describe. */
export const LOCK_TTL_MS = 30_000;
/** The describe made under the lock must end well inside the lock's life. */
const LOCKED_DESCRIBE_MS = 10_000;
/** Locks are held for one describe, so waiting for one is short: poll often. */
const LOCK_POLL_MS = 25;
/** How often a runner waiting for capacity looks again (jittered, so waiters do not move in step). */
export const CAPACITY_POLL_MS = 200;

/** A target the load balancer sends new traffic to: registered, in rotation, and not failing its checks. */
export function isInService(status: TargetStatus): boolean {
  return status.state === 'active' && (status.health === 'healthy' || status.health === 'unknown');
}

/** How many targets must stay in service in a group of `total` registered targets. */
export function neededInService(min: MinHealthy | undefined, total: number): number {
  if (!min) return 1;
  return min.kind === 'count' ? min.value : Math.ceil((min.value / 100) * total);
}

/** What the group looks like to one runner under the lock. */
export interface CapacityView {
  /** In service now and not reserved by another runner. */
  readonly serving: readonly TargetStatus[];
  /** Other runners' live drains in this group. */
  readonly reserved: readonly InstanceRecord[];
  /**
   * Of this run's targets, those another live runner is draining, or another owner drained and
   * has not put back: taking them would mean two owners, each putting it back on its own schedule.
   */
  readonly held: readonly InstanceRecord[];
  readonly needed: number;
  /** In service after this run's drains. */
  readonly after: number;
  /** The group's ledger rows this view was made from. */
  readonly rows: readonly InstanceRecord[];
  /** Targets in rotation again (whatever their health) that the ledger does not record as out: put back. */
  readonly inRotation: readonly string[];
}

/** Why a drain cannot go ahead yet. */
export type Shortfall =
  | { readonly kind: 'capacity' | 'held'; readonly view: CapacityView }
  | { readonly kind: 'lock'; readonly held: LockHeld }
  /** The describe under the lock ran past its bound (a throttled or slow API): the lock was let go, to try again. */
  | { readonly kind: 'slow'; readonly reason: string };


/** The targets a drain changes, and those it only follows (already draining, maybe someone else's). */
export interface Reservation {
  readonly toDrain: readonly TargetStatus[];
  readonly following: readonly TargetStatus[];
  /** Already drained, followed without taking anything over; held while another owner has them drained. */
  readonly settled?: readonly TargetStatus[];
}

/**
 * Waits until the group can spare `toDrain` and no other live runner holds any of these
 * targets, then records the reservation (status draining, the holder, a lease) while holding
 * the group's lock. Throws a refusal (exit 5) naming who holds the capacity when the wait runs out.
 */
export async function reserveCapacity(cmd: Command, group: InspectedGroup, reservation: Reservation, policy: CapacityPolicy, record: (status: TargetStatus, lease: string) => Promise<void>): Promise<CapacityView> {
  const started = cmd.clock.now();
  const until = Math.min(started + policy.waitMs, cmd.call.deadline);
  for (let announced = ''; ; ) {
    const short = await tryReserve(cmd, group, reservation, policy, record);
    if (short.kind === 'reserved') return short.view;
    const pause = CAPACITY_POLL_MS * (0.75 + 0.5 * (cmd.random ?? Math.random)());
    if (cmd.clock.now() + pause > until) throw refusal(group, reservation, policy, short, cmd.clock.now() - started);
    if (short.kind === 'capacity' || short.kind === 'held') announced = announce(cmd, group, reservation, short.view, until, announced);
    await sleepWithin(cmd.call, pause, `wait for capacity in ${group.work.groupText}`);
  }
}

async function tryReserve(cmd: Command, group: InspectedGroup, reservation: Reservation, policy: CapacityPolicy, record: (status: TargetStatus, lease: string) => Promise<void>): Promise<Shortfall | { readonly kind: 'reserved'; readonly view: CapacityView }> {
  const key: GroupKey = { provider: group.canonical.provider, group: group.canonical.group };
  const lock = await takeLock(cmd, key, policy.holder);
  if (!isGroupLock(lock)) return { kind: 'lock', held: lock };
  try {
    let view: CapacityView;
    try {
      view = await viewUnderLock(cmd, group, reservation, policy);
    } catch (error) {
      // Many drains of one group (a scale-in of fifty instances) share the API's describe budget:
      // with --wait-for-capacity, a describe that outlived its bound under the lock is tried again
      // rather than failing the drain, while the command itself has time left.
      if (error instanceof DrainctlError && error.kind === 'timeout' && policy.waitMs > 0 && cmd.clock.now() < cmd.call.deadline - LOCKED_DESCRIBE_MS) return { kind: 'slow', reason: error.message };
      throw error;
    }
    if (view.held.length > 0) return { kind: 'held', view };
    const backInService = followedButServing(reservation, view);
    if (backInService.length > 0) throw new StalePlan(backInService);
    if (reservation.toDrain.length > 0 && !leavesEnough(view, policy)) return { kind: 'capacity', view };
    const lease = isoTime(cmd.clock.now() + policy.leaseMs);
    for (const status of [...reservation.toDrain, ...reservation.following]) await record(status, lease);
    return { kind: 'reserved', view };
  } finally {
    await lock.release();
  }
}

/** Takes the group's lock, waiting a little for a runner that holds it for its one describe. */
async function takeLock(cmd: Command, key: GroupKey, holder: Holder): Promise<Awaited<ReturnType<Command['ledger']['tryLockGroup']>>> {
  const until = Math.min(cmd.clock.now() + LOCK_TTL_MS, cmd.call.deadline);
  for (;;) {
    const lock = await cmd.ledger.tryLockGroup(key, holder, { now: isoTime(cmd.clock.now()), ttlMs: LOCK_TTL_MS });
    if (isGroupLock(lock) || cmd.clock.now() + LOCK_POLL_MS > until) return lock;
    await sleepWithin(cmd.call, LOCK_POLL_MS * (0.5 + (cmd.random ?? Math.random)()), `wait for the capacity lock of ${key.provider}:${key.group}`);
  }
}

/** The group as one runner sees it under the lock: one describe and the ledger's rows, together. */
async function viewUnderLock(cmd: Command, group: InspectedGroup, reservation: Reservation, policy: CapacityPolicy): Promise<CapacityView> {
  const { work } = group;
  // Bounded well inside the lock's life, so a slow describe cannot outlive the lock it runs under.
  const call: CallContext = { ...cmd.call, deadline: Math.min(cmd.call.deadline, cmd.clock.now() + LOCKED_DESCRIBE_MS) };
  const refs = [...reservation.toDrain, ...reservation.following].map((s) => s.ref);
  const read = () => groupRows(cmd.ledger, group.canonical, work);
  const [snapshot, rows] = await Promise.all([providerCall({ ...cmd, call }, work.groupText, 'describe', (c) => describeGroup(work, refs, c)), read()]);
  const now = isoTime(cmd.clock.now());
  return capacityView(snapshot.registered ?? snapshot.targets, await notStale(rows, read, policy, now), reservation, policy, now);
}

/**
 * A holder whose process ended after `rows` were read wrote its last word ('stopped', not
 * 'draining') before exiting: read the rows again rather than judge it by a stale row (it would
 * read as a dead runner's void lease, and its drained target as free to follow).
 */
export async function notStale(rows: readonly InstanceRecord[], read: () => Promise<readonly InstanceRecord[]>, policy: CapacityPolicy, now: string): Promise<readonly InstanceRecord[]> {
  const liveButGone = (r: InstanceRecord): boolean => r.status === 'draining' && r.leaseExpiresAt !== null && r.leaseExpiresAt > now && r.holder !== null && policy.holderGone?.(r.holder) === true;
  return rows.some(liveButGone) ? read() : rows;
}

/** Targets the reservation only follows that the view shows in rotation again (put back while this run waited). */
function followedButServing(reservation: Reservation, view: CapacityView): string[] {
  const back = new Set(view.inRotation);
  return [...reservation.following, ...(reservation.settled ?? [])].map((s) => formatRef(s.ref)).filter((name) => back.has(name));
}

/** The group's capacity from one describe and the ledger's rows, as seen by `policy.holder` at `now`. */
export function capacityView(registered: readonly TargetStatus[], rows: readonly InstanceRecord[], reservation: Reservation, policy: CapacityPolicy, now: string): CapacityView {
  const name = (r: InstanceRecord): string => formatRef({ kind: 'target', provider: r.provider, group: r.group, target: r.target });
  const mine = new Set([...reservation.toDrain, ...reservation.following, ...(reservation.settled ?? [])].map((s) => formatRef(s.ref)));
  const live = rows.filter(
    (r) => r.status === 'draining' && r.leaseExpiresAt !== null && r.leaseExpiresAt > now && r.holder !== null && r.holder.runner !== policy.holder.runner && !policy.holderGone?.(r.holder),
  );
  const reservedNames = new Set(live.map(name));
  // What drainctl recorded as drained and not restored is out, whatever the describe says: a
  // provider can show a drained target in service for a moment (an NGINX file another runner
  // edited and has not reloaded yet). Counting too few is the safe side. A drain that never
  // finished is not counted here: once its lease lapsed, the load balancer's word holds.
  // So is a drain its runner let go of once the load balancer had it (--no-wait, timed out,
  // interrupted, a call that may have applied): lease NULL, still 'draining'. A describe made a
  // moment before that change can still show it in service.
  const recordedOut = new Set(rows.filter((r) => r.status === 'stopped' || (r.status === 'draining' && r.leaseExpiresAt === null)).map(name));
  const notOut = registered.filter((s) => !reservedNames.has(formatRef(s.ref)) && !recordedOut.has(formatRef(s.ref)));
  const serving = notOut.filter(isInService);
  const claimed = rows.filter((r) => r.status === 'stopped' && r.holder !== null && !sameOwner(r.holder, policy.holder));
  const held = [...live, ...claimed].filter((r) => mine.has(name(r)));
  const draining = new Set(reservation.toDrain.map((s) => formatRef(s.ref)));
  // A percentage is of the whole group: targets drained and deregistered (absent from the
  // describe, recorded as not active) still count, or each drain would lower the bar for the next.
  const listed = new Set(registered.map((s) => formatRef(s.ref)));
  const outOfGroup = rows.filter((r) => r.status !== 'active' && r.target !== GROUP_ROW_TARGET && !listed.has(name(r))).length;
  return {
    serving,
    reserved: live.filter((r) => !mine.has(name(r))),
    held,
    needed: neededInService(policy.minHealthy, registered.length + outOfGroup),
    after: serving.filter((s) => !draining.has(formatRef(s.ref))).length,
    rows,
    inRotation: notOut.filter((s) => s.state === 'active').map((s) => formatRef(s.ref)),
  };
}

/**
 * The check made before anything is announced, from what inspection saw: refuses at once when
 * the caller would not wait anyway. The same check runs again under the lock before the change.
 */
export function refuseIfShort(group: InspectedGroup, reservation: Reservation, policy: CapacityPolicy, now: string): void {
  const view = capacityView(group.snapshot.registered ?? group.snapshot.targets, group.records, reservation, policy, now);
  if (view.held.length > 0) throw refusal(group, reservation, policy, { kind: 'held', view }, 0);
  if (reservation.toDrain.length > 0 && !leavesEnough(view, policy)) throw refusal(group, reservation, policy, { kind: 'capacity', view }, 0);
}

/** The default rule only protects a group that has something in service; an explicit minimum always holds. */
function leavesEnough(view: CapacityView, policy: CapacityPolicy): boolean {
  if (!policy.minHealthy) return view.serving.length === 0 || view.after >= 1;
  return view.after >= view.needed;
}

export function announce(cmd: Command, group: InspectedGroup, reservation: Reservation, view: CapacityView, until: number, last: string): string {
  const event = {
    type: 'capacity' as const,
    group: group.work.groupText,
    serving: view.serving.length,
    needed: view.needed,
    targets: [...reservation.toDrain, ...reservation.following, ...(reservation.settled ?? [])].map((s) => formatRef(s.ref)),
    heldBy: holders([...view.held, ...view.reserved]),
    until: isoTime(until),
  };
  // Said again only when something changed, so a long wait does not flood the output.
  const key = JSON.stringify({ ...event, until: undefined });
  if (key !== last) cmd.emit(event);
  return key;
}

function holders(rows: readonly InstanceRecord[]): CapacityHolder[] {
  return rows.map((r) => ({ target: formatRef({ kind: 'target', provider: r.provider, group: r.group, target: r.target }), by: r.holder ? describeHolder(r.holder) : 'an unknown runner', since: r.drainStartedAt }));
}

/** Names each held target and its owner; the hint fits what holds it (a live drain, or a drain not put back). */
export function heldRefusal(held: readonly InstanceRecord[], waited: string): DrainctlError {
  const name = (r: InstanceRecord): string => formatRef({ kind: 'target', provider: r.provider, group: r.group, target: r.target });
  const by = (r: InstanceRecord): string => (r.holder ? describeHolder(r.holder) : 'an unknown runner');
  const list = held
    .map((r) => (r.status === 'stopped' ? `${name(r)} was drained by ${by(r)}${r.drainedAt ? ` at ${r.drainedAt}` : ''} and is not restored yet` : `${name(r)} is being drained by ${by(r)}${r.drainStartedAt ? ` since ${r.drainStartedAt}` : ''}`))
    .join('; ');
  const draining = held.filter((r) => r.status !== 'stopped');
  const lapse = draining.map((r) => r.leaseExpiresAt).sort().at(-1);
  const hint = draining.length > 0
    ? `wait for it with --wait-for-capacity <duration>; if that runner is gone, its lease lapses at ${lapse} and drain then takes the target over`
    : `wait until its owner puts it back with --wait-for-capacity <duration>; if that owner is gone, restore it first (drainctl restore ${held.map(name).join(' ')}) or take it over with --force`;
  return new DrainctlError('refused', `${list}${waited}`, { hint, details: { heldBy: holders(held) } });
}

function refusal(group: InspectedGroup, reservation: Reservation, policy: CapacityPolicy, short: Shortfall, waitedMs: number): DrainctlError {
  const waited = policy.waitMs > 0 ? ` (waited ${formatDuration(waitedMs)})` : '';
  const names = reservation.toDrain.map((s) => formatRef(s.ref)).join(', ');
  const group_ = group.work.groupText;
  if (short.kind === 'slow') {
    return new DrainctlError('refused', `${group_} could not be described under its capacity lock in time (${short.reason})${waited}`, {
      hint: 'the load balancer API is throttled or slow; retry, or allow longer with --wait-for-capacity',
    });
  }
  if (short.kind === 'lock') {
    const by = short.held.heldBy ? `${describeHolder(short.held.heldBy)}${short.held.since ? ` since ${short.held.since}` : ''}` : 'another runner';
    return new DrainctlError('refused', `the capacity lock of ${group_} is held by ${by}${waited}`, {
      hint: 'retry; a lock whose holder died lapses on its own',
    });
  }
  const { view } = short;
  if (short.kind === 'held') return heldRefusal(view.held, waited);
  const others = holders(view.reserved);
  const otherText = others.length > 0 ? `; in progress: ${others.map((h) => `${h.target} by ${h.by}${h.since ? ` since ${h.since}` : ''}`).join('; ')}` : '';
  if (!policy.minHealthy) {
    return new DrainctlError('refused', `draining ${names} would leave ${group_} with no healthy target${otherText}${waited}`, {
      hint: 'restore or add another target first, or pass --force to drain anyway',
      details: { heldBy: others },
    });
  }
  return new DrainctlError('refused', `draining ${names} would leave ${group_} with ${view.after} target${view.after === 1 ? '' : 's'} in service, below --min-healthy ${formatMinHealthy(policy.minHealthy)} (${view.needed} needed)${otherText}${waited}`, {
    hint: 'wait for capacity with --wait-for-capacity <duration>, lower --min-healthy, or pass --force',
    details: { heldBy: others, inService: view.serving.length, needed: view.needed },
  });
}

/**
 * After the change: describes the group again and, if it now has fewer targets in service than
 * the minimum (a runner that shares no ledger drained at the same moment), reports the shortfall
 * so the caller can put its own targets back. Undefined when the group is fine.
 */
export async function checkAfterChange(cmd: Command, group: InspectedGroup, drained: readonly TargetStatus[], policy: CapacityPolicy, decided: CapacityView): Promise<{ inService: number; needed: number } | undefined> {
  const servingBefore = decided.serving.length;
  const { work } = group;
  // One look, not retried: if the load balancer does not answer now, the wait that follows retries and reports.
  const call: CallContext = { ...cmd.call, deadline: Math.min(cmd.call.deadline, cmd.clock.now() + LOCKED_DESCRIBE_MS) };
  const snapshot = await withDeadline(call, `describe ${work.groupText}`, (c) => describeGroup(work, drained.map((s) => s.ref), c));
  const registered = snapshot.registered ?? snapshot.targets;
  const mine = new Set(drained.map((s) => formatRef(s.ref)));
  // The load balancer's word alone: rows read before the change may since have been restored.
  const inService = registered.filter((s) => isInService(s) && !mine.has(formatRef(s.ref))).length;
  const listed = new Set(registered.map((s) => formatRef(s.ref)));
  const outOfGroup = decided.rows.filter((r) => r.status !== 'active' && r.target !== GROUP_ROW_TARGET && !listed.has(formatRef({ kind: 'target', provider: r.provider, group: r.group, target: r.target }))).length;
  const needed = neededInService(policy.minHealthy, registered.length + outOfGroup);
  const enough = policy.minHealthy ? inService >= needed : servingBefore === 0 || inService >= 1;
  return enough ? undefined : { inService, needed };
}

/**
 * Renews this runner's leases while it follows its drains: every third of the lease, so two
 * missed renewals (a database that blips) do not let a live drain lapse.
 */
export class LeaseKeeper {
  private readonly stopper = new AbortController();
  private running: Promise<void> | undefined;
  /** Why the last renewal failed, if it did; said at the end. */
  lastFailure: string | undefined;

  constructor(
    private readonly cmd: Pick<Command, 'ledger' | 'clock'>,
    private readonly policy: CapacityPolicy,
  ) {}

  /** Starts renewing (once; later calls do nothing). */
  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { clock, ledger } = this.cmd;
    for (;;) {
      try {
        await clock.sleep(this.policy.leaseMs / 3, this.stopper.signal);
      } catch {
        return; // stopped
      }
      try {
        await ledger.renewLeases(this.policy.holder.runner, isoTime(clock.now() + this.policy.leaseMs));
        this.lastFailure = undefined;
      } catch (error) {
        this.lastFailure = error instanceof Error ? error.message : String(error);
      }
    }
  }
}
