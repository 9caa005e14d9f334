import { isoTime, type Clock } from '../clock.js';
import { isHolderGone } from '../holder.js';
import { type Holder, type InstanceKey, type InstanceRecord, isGroupLock, type Ledger } from '../ledger.js';
import type { LifecycleAction } from './ports.js';

/**
 * Exactly once, across redeliveries and consumers: each lifecycle action has one ledger row
 * (provider `aws-asg`, the group, the instance) naming the action's token. A consumer claims
 * the row under the group's ledger lock before any work; a second delivery of the same
 * action finds it claimed by a live consumer (and is left on the queue) or completed (and is
 * acknowledged without a second completion call). A consumer killed mid-drain stops renewing
 * its lease; once that lapses, the next delivery claims the action again and finishes it.
 */

/** The ledger provider name of lifecycle action rows: never a load balancer, kept out of fleet and capacity. */
export const LIFECYCLE_PROVIDER = 'aws-asg';

/** What the row's `registration` holds for a lifecycle action. */
export interface ActionRecord {
  readonly token: string;
  readonly hook: string;
  readonly transition: string;
  readonly result?: 'CONTINUE' | 'ABANDON';
  readonly completion?: string;
  readonly reason?: string;
}

export type Claim =
  | { readonly kind: 'claimed'; readonly key: InstanceKey; readonly resumed: boolean }
  | { readonly kind: 'done'; readonly record: ActionRecord; readonly at: string | null }
  | { readonly kind: 'busy'; readonly holder: Holder; readonly leaseExpiresAt: string };

/** The identity that keys an action: its token, or (named by instance alone) the hook and instance. */
export function actionToken(action: LifecycleAction): string {
  return action.token ?? `no-token:${action.lifecycleHookName}:${action.instanceId}`;
}

export function actionKey(action: LifecycleAction): InstanceKey {
  return { provider: LIFECYCLE_PROVIDER, group: action.autoScalingGroupName, target: action.instanceId };
}

const LOCK_TTL_MS = 30_000;
const LOCK_TRIES = 80;

/** Claims the action for `holder`, or says why not; the lease is `leaseMs` long and renewed by the caller's lease keeper. */
export async function claimAction(ledger: Ledger, action: LifecycleAction, holder: Holder, clock: Clock, leaseMs: number, signal?: AbortSignal): Promise<Claim> {
  const key = actionKey(action);
  const groupKey = { provider: key.provider, group: key.group };
  for (let attempt = 1; ; attempt++) {
    const lock = await ledger.tryLockGroup(groupKey, holder, { now: isoTime(clock.now()), ttlMs: LOCK_TTL_MS });
    if (isGroupLock(lock)) {
      try {
        return await decide(ledger, key, action, holder, clock, leaseMs);
      } finally {
        await lock.release();
      }
    }
    // Held for one read and one write by another consumer: a short, bounded wait.
    if (attempt >= LOCK_TRIES) throw new Error(`the ledger lock of ${key.provider}:${key.group} stayed held by ${lock.heldBy?.host ?? 'another consumer'}`);
    await clock.sleep(25 + Math.random() * 50, signal);
  }
}

async function decide(ledger: Ledger, key: InstanceKey, action: LifecycleAction, holder: Holder, clock: Clock, leaseMs: number): Promise<Claim> {
  const token = actionToken(action);
  const row = await ledger.find(key);
  const recorded = recordOf(row);
  const now = isoTime(clock.now());
  if (row && recorded?.token === token) {
    if (row.status === 'stopped') return { kind: 'done', record: recorded, at: row.drainedAt };
    const live = row.status === 'draining' && row.holder !== null && row.leaseExpiresAt !== null && row.leaseExpiresAt > now && row.holder.runner !== holder.runner && !isHolderGone(row.holder);
    if (live) return { kind: 'busy', holder: row.holder!, leaseExpiresAt: row.leaseExpiresAt! };
  }
  const resumed = row !== undefined && recorded?.token === token && row.status === 'draining';
  const registration: ActionRecord = { token, hook: action.lifecycleHookName, transition: action.transition };
  await ledger.record(
    key,
    { status: 'draining', drainStartedAt: resumed ? row!.drainStartedAt : now, drainedAt: null, registration, holder, leaseExpiresAt: isoTime(clock.now() + leaseMs) },
    { type: 'lifecycle_claimed', at: now, details: { token, hook: action.lifecycleHookName, transition: action.transition, resumed, ...(resumed && row!.holder && { from: row!.holder.host + ' pid ' + row!.holder.pid }) } },
  );
  return { kind: 'claimed', key, resumed };
}

/** Records how the action ended at Auto Scaling; the row is then `stopped`, and a redelivery is acknowledged. */
export async function recordCompletion(ledger: Ledger, action: LifecycleAction, clock: Clock, ended: { result: 'CONTINUE' | 'ABANDON'; completion: string; reason: string }): Promise<void> {
  const at = isoTime(clock.now());
  const registration: ActionRecord = { token: actionToken(action), hook: action.lifecycleHookName, transition: action.transition, ...ended };
  await ledger.record(actionKey(action), { status: 'stopped', drainedAt: at, registration, leaseExpiresAt: null }, { type: 'lifecycle_completed', at, details: { ...registration } });
}

/** Lets go of a claim without completing (nothing could be decided): the next delivery tries again. */
export async function releaseClaim(ledger: Ledger, action: LifecycleAction, clock: Clock, reason: string): Promise<void> {
  const at = isoTime(clock.now());
  await ledger.record(actionKey(action), { status: 'active', holder: null, leaseExpiresAt: null }, { type: 'lifecycle_released', at, details: { token: actionToken(action), reason } });
}

function recordOf(row: InstanceRecord | undefined): ActionRecord | undefined {
  const value = row?.registration as Partial<ActionRecord> | null | undefined;
  return value && typeof value.token === 'string' ? (value as ActionRecord) : undefined;
}
