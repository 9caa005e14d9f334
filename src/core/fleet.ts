import { GROUP_ROW_TARGET, type Holder, type InstanceRecord } from './ledger.js';
import { formatRef } from './refs.js';
import { LIFECYCLE_PROVIDER } from './lifecycle/claim.js';

/**
 * Where a drain the ledger knows stands right now, across every runner: the fleet view.
 * Pure: the caller reads the rows (Ledger.fleet) and says what time it is.
 *
 * - `draining`: status draining and its holder's lease runs into the future: a live runner follows it.
 * - `abandoned`: status draining and the lease ran out: its runner stopped renewing (it died).
 * - `released`: status draining and no lease: the runner let go on purpose (`--no-wait`, a timeout,
 *   an interrupt); the load balancer carries on, nobody records the end.
 * - `drained`: status stopped: drained and not restored.
 */
export type FleetState = 'draining' | 'abandoned' | 'released' | 'drained';

/** Every fleet state, in the order a summary lists them. */
export const FLEET_STATES: readonly FleetState[] = ['draining', 'abandoned', 'released', 'drained'];

/** What someone can run next about a drain nobody follows: follow it to its end, or put the target back. */
export type FleetAction = 'watch' | 'restore';

/** One drain of the fleet view. */
export interface FleetEntry {
  /** The target's canonical reference, as `history` prints it. */
  readonly ref: string;
  readonly state: FleetState;
  readonly record: InstanceRecord;
  /** What to run about it, most useful first; empty while a live runner holds it. */
  readonly actions: readonly FleetAction[];
}

/** What `fleetView` keeps; every filter left out keeps everything. */
export interface FleetFilter {
  readonly provider?: string;
  /** Exact provider and canonical group. */
  readonly group?: { readonly provider: string; readonly group: string };
  /** Keeps rows in any of these states. */
  readonly states?: readonly FleetState[];
}

const ACTIONS: Record<FleetState, readonly FleetAction[]> = {
  draining: [],
  abandoned: ['watch', 'restore'],
  released: ['watch', 'restore'],
  drained: ['restore'],
};

/**
 * The fleet state of one instance row at `nowMs`, or undefined for a row that is not a drain
 * (active, or a group's own row, which records group events and never drains).
 * A lease that ends exactly now has ended: the runner had until then to renew it.
 */
export function classifyDrain(record: InstanceRecord, nowMs: number, holderGone?: (holder: Holder) => boolean): FleetState | undefined {
  if (record.target === GROUP_ROW_TARGET) return undefined;
  if (record.status === 'stopped') return 'drained';
  if (record.status !== 'draining') return undefined;
  if (record.leaseExpiresAt === null) return 'released';
  const lease = Date.parse(record.leaseExpiresAt);
  // An unreadable lease cannot prove a live runner: treat it as run out rather than hide the drain.
  // A holder known to be dead (a process of this host that is gone) abandoned its drain before its lease ran out.
  if (record.holder && holderGone?.(record.holder)) return 'abandoned';
  return Number.isFinite(lease) && lease > nowMs ? 'draining' : 'abandoned';
}

/** The drains among `records` (as Ledger.fleet returns them, order kept) that pass `filter`, classified at `nowMs`. */
export function fleetView(records: readonly InstanceRecord[], nowMs: number, filter: FleetFilter = {}, holderGone?: (holder: Holder) => boolean): FleetEntry[] {
  const entries: FleetEntry[] = [];
  for (const record of records) {
    // An app's record of its own drain (provider `app`) is history, not a load-balancer drain to restore.
    // Nor is a lifecycle hook's record of an action it claimed (provider `aws-asg`).
    if (record.provider === 'app' || record.provider === LIFECYCLE_PROVIDER) continue;
    const state = classifyDrain(record, nowMs, holderGone);
    if (state === undefined || !passes(record, state, filter)) continue;
    entries.push({ ref: formatRef({ kind: 'target', provider: record.provider, group: record.group, target: record.target }), state, record, actions: ACTIONS[state] });
  }
  return entries;
}

/** How many entries are in each state (every state present, zero included). */
export function countByState(entries: readonly FleetEntry[]): Record<FleetState, number> {
  const counts = Object.fromEntries(FLEET_STATES.map((s) => [s, 0])) as Record<FleetState, number>;
  for (const e of entries) counts[e.state] += 1;
  return counts;
}

function passes(record: InstanceRecord, state: FleetState, filter: FleetFilter): boolean {
  if (filter.provider !== undefined && record.provider !== filter.provider) return false;
  if (filter.group && (record.provider !== filter.group.provider || record.group !== filter.group.group)) return false;
  return filter.states === undefined || filter.states.includes(state);
}
