import { announce, CAPACITY_POLL_MS, notStale, type CapacityPolicy, type CapacityView, capacityView, checkAfterChange, formatMinHealthy, heldRefusal, type LeaseKeeper, refuseIfShort, type Reservation, reserveCapacity } from './capacity.js';
import { sleepWithin } from './call.js';
import { formatDuration } from './duration.js';
import { groupRows } from './records.js';
import { isoTime } from './clock.js';
import { DrainctlError } from './errors.js';
import { describeHolder } from './holder.js';
import { type Command, type InspectedGroup, providerCall } from './pipeline.js';
import { exactRecord, instanceKey, RESTORED_UPDATE } from './records.js';
import { formatRef } from './refs.js';
import type { TargetStatus } from './state.js';

/**
 * The capacity guard's part of a drain: which targets this run reserves or takes over, the
 * reservation under the group's lock, and the check after the change.
 */

/** What one group's drain reserves: the targets it changes, and already-draining ones another runner started. */
export function reservationFor(group: InspectedGroup, toDrain: readonly TargetStatus[], already: readonly TargetStatus[], policy: CapacityPolicy): Reservation {
  // A drain another runner started (and may still follow) is taken over explicitly: two owners
  // of one drain would each restore it on their own schedule.
  const following = already.filter((s) => {
    const row = exactRecord(group.records, s.ref);
    return row?.status === 'draining' && row.holder !== null && row.holder.runner !== policy.holder.runner;
  });
  const taken = new Set(following.map((s) => formatRef(s.ref)));
  return { toDrain, following, settled: already.filter((s) => !taken.has(formatRef(s.ref))) };
}

/**
 * A target this run would only follow (already drained or draining) while another owner holds
 * it is theirs until they put it back. With --wait-for-capacity the drain waits for that (reading
 * the ledger, not the load balancer), then looks at the group again: by then the target is in
 * service and this run drains it itself, instead of following someone else's drain that is about
 * to be undone. Returns the group to plan from; without a wait, the refusal comes from
 * checkBeforeAnnouncing.
 */
export async function waitWhileHeld(cmd: Command, group: InspectedGroup, reservation: Reservation, policy: CapacityPolicy, inspectAgain: () => Promise<InspectedGroup>): Promise<InspectedGroup> {
  const following: Reservation = { toDrain: [], following: reservation.following, settled: reservation.settled ?? [] };
  if (policy.waitMs <= 0 || cmd.dryRun || following.following.length + (following.settled?.length ?? 0) === 0) return group;
  const started = cmd.clock.now();
  const until = Math.min(started + policy.waitMs, cmd.call.deadline);
  const read = () => groupRows(cmd.ledger, group.canonical, group.work);
  let rows = await notStale(group.records, read, policy, isoTime(cmd.clock.now()));
  for (let announced = '', waited = false; ; waited = true) {
    const view = capacityView(group.snapshot.registered ?? group.snapshot.targets, rows, following, policy, isoTime(cmd.clock.now()));
    // A drain whose lease lapsed is not held: the reservation takes it over, as before.
    if (view.held.length === 0) return waited ? inspectAgain() : group;
    const pause = CAPACITY_POLL_MS * (0.75 + 0.5 * (cmd.random ?? Math.random)());
    if (cmd.clock.now() + pause > until) throw heldRefusal(view.held, ` (waited ${formatDuration(cmd.clock.now() - started)})`);
    announced = announce(cmd, group, following, view, until, announced);
    await sleepWithin(cmd.call, pause, `wait for ${view.held.length === 1 ? 'a target' : 'targets'} another runner holds in ${group.work.groupText}`);
    rows = await notStale(await read(), read, policy, isoTime(cmd.clock.now()));
  }
}

/** Refuses before anything is announced when the caller will not wait: same words as under the lock. */
export function checkBeforeAnnouncing(cmd: Command, group: InspectedGroup, reservation: Reservation, policy: CapacityPolicy): void {
  if (policy.waitMs > 0 && !cmd.dryRun) return; // the reservation loop waits and decides
  refuseIfShort(group, reservation, policy, isoTime(cmd.clock.now()));
}

/**
 * Records the reservation of every target (awaited: a drain that cannot be recorded does not
 * start), under the group's lock unless forced, and starts renewing the leases. Returns what the
 * decision was made from (undefined when forced).
 */
export async function reserve(cmd: Command, group: InspectedGroup, reservation: Reservation, policy: CapacityPolicy, force: boolean, leases: LeaseKeeper, drainTimeoutSeconds: number | undefined): Promise<CapacityView | undefined> {
  const draining = new Set(reservation.toDrain.map((s) => formatRef(s.ref)));
  const record = async (status: TargetStatus, lease: string): Promise<void> => {
    const key = instanceKey(status.ref);
    // When the reservation was made, after any wait for capacity.
    const requestedAt = isoTime(cmd.clock.now());
    if (draining.has(formatRef(status.ref))) {
      // How the target was registered is recorded before touching it, so a crash mid-call still leaves enough to restore.
      await cmd.ledger.record(key, { status: 'draining', drainStartedAt: requestedAt, drainedAt: null, registration: status.registration ?? null, inFlight: status.inFlight ?? null, holder: policy.holder, leaseExpiresAt: lease },
        { type: 'drain_requested', at: requestedAt, details: { drainTimeoutSeconds: drainTimeoutSeconds ?? null, raw: status.raw } });
      return;
    }
    const previous = exactRecord(group.records, status.ref)?.holder;
    // With --no-wait this run does not follow the drain it takes over: it holds no lease on it.
    await cmd.ledger.record(key, { holder: policy.holder, leaseExpiresAt: cmd.wait ? lease : null },
      { type: 'state_changed', at: isoTime(cmd.clock.now()), details: { from: status.state, to: status.state, takenOverFrom: previous ? describeHolder(previous) : null } });
  };
  let decided: CapacityView | undefined;
  if (force) {
    const lease = isoTime(cmd.clock.now() + policy.leaseMs);
    for (const status of [...reservation.toDrain, ...reservation.following]) await record(status, lease);
  } else {
    decided = await reserveCapacity(cmd, group, reservation, policy, record);
  }
  if (cmd.wait) leases.start();
  return decided;
}

/**
 * The check after the change, for runners that share no ledger: if the group now has fewer
 * targets in service than the minimum, this run puts its own targets back and refuses (exit 5).
 */
export async function confirmOrUndo(cmd: Command, group: InspectedGroup, drained: readonly TargetStatus[], policy: CapacityPolicy, decided: CapacityView): Promise<void> {
  const { work } = group;
  let short: Awaited<ReturnType<typeof checkAfterChange>>;
  try {
    short = await checkAfterChange(cmd, group, drained, policy, decided);
  } catch (error) {
    if (error instanceof DrainctlError && error.kind === 'interrupted') throw error;
    const reason = error instanceof Error ? error.message : String(error);
    cmd.emit({ type: 'warning', target: undefined, message: `${work.groupText}: could not look at the group again after the change (${reason}); the capacity check made under the ledger's lock stands` });
    return;
  }
  if (!short) return;
  const names = drained.map((s) => formatRef(s.ref)).join(', ');
  const what = policy.minHealthy ? `below --min-healthy ${formatMinHealthy(policy.minHealthy)} (${short.inService} in service after this drain, ${short.needed} needed)` : 'with no healthy target';
  try {
    await providerCall(cmd, work.groupText, 'put back', (call) => work.provider.restore(work.group, drained.map((s) => ({ ref: s.ref, registration: s.registration })), call));
  } catch (error) {
    throw new DrainctlError('refused', `a concurrent drain left ${work.groupText} ${what}, and putting ${names} back failed: ${error instanceof Error ? error.message : String(error)}`, {
      hint: `put it back with: drainctl restore ${names}`,
      cause: error,
    });
  }
  const at = isoTime(cmd.clock.now());
  for (const s of drained) cmd.recorder.note(instanceKey(s.ref), RESTORED_UPDATE, { type: 'restored', at, details: { undone: 'capacity', inService: short.inService, needed: short.needed } });
  throw new DrainctlError('refused', `a concurrent drain left ${work.groupText} ${what}: put ${names} back`, {
    hint: 'let runners share one ledger (--ledger postgres://…) so they wait for each other, or retry with --wait-for-capacity <duration>',
    details: { undone: drained.map((s) => formatRef(s.ref)), inService: short.inService, needed: short.needed },
  });
}
