import { type Clock, isoTime, systemClock } from './clock.js';
import { throwIfAborted } from './errors.js';
import type { EventSink } from './events.js';
import { checkWaitMs, forEachGroup, groupTargets, type GroupWork } from './groups.js';
import { finish, instanceKey, result, retryOptions, type TargetsRequest } from './drain.js';
import { retrying } from './retry.js';
import { commandCall } from './call.js';
import type { Bound } from './drain.js';
import type { InstanceRecord } from './ledger.js';
import { observeGroup } from './observe.js';
import type { RestoreRequest } from './provider.js';
import { formatRef, targetCovers } from './refs.js';
import type { OperationReport, TargetResult } from './report.js';
import { isServing, type Registration, type TargetStatus } from './state.js';

/** How long restore waits for health when the caller gives no bound. */
export const DEFAULT_RESTORE_WAIT_MS = 5 * 60_000;

/** What restore needs; the default wait for health is DEFAULT_RESTORE_WAIT_MS. */
export type RestoreTargetsRequest = TargetsRequest;

interface RestorePlan {
  readonly work: GroupWork;
  readonly serving: TargetStatus[];
  readonly requests: RestoreRequest[];
  readonly before: Map<string, TargetStatus>;
  /** Targets whose registration comes from the reference, not from a record. */
  readonly fromReference: Set<string>;
}

/**
 * Puts targets back exactly as drainctl recorded them (same port, same Availability
 * Zone…) and, unless told not to, waits until the load balancer calls them healthy.
 */
export async function restoreTargets(request: RestoreTargetsRequest): Promise<OperationReport> {
  const clock = request.clock ?? systemClock;
  const emit: EventSink = request.onEvent ?? (() => {});
  const dryRun = request.dryRun ?? false;
  checkWaitMs(request.timeoutMs);
  const startedAt = clock.now();
  const bound = { ...request, call: commandCall(request, clock, startedAt) };
  const work = await groupTargets(request.targets, request.providers);
  const plans = await forEachGroup(work, (w) => planRestore(w, bound, emit));
  throwIfAborted(request.signal);
  emit({ type: 'plan', operation: 'restore', dryRun, targets: request.targets.map(formatRef) });
  const results = await forEachGroup(plans, (plan) => restoreGroup(plan, bound, clock, emit, startedAt, dryRun));
  return finish('restore', dryRun, startedAt, clock, results.flat());
}

async function planRestore(work: GroupWork, request: Bound<RestoreTargetsRequest>, emit: EventSink): Promise<RestorePlan> {
  const snapshot = await retrying(() => work.provider.describe(work.group, work.targets, request.call), retryOptions(work, request, emit));
  const records = request.ledger.instances({ provider: work.group.provider, group: work.group.group });
  const serving: TargetStatus[] = [];
  const requests: RestoreRequest[] = [];
  const before = new Map<string, TargetStatus>();
  const fromReference = new Set<string>();
  for (const status of snapshot.targets) {
    if (status.state === 'active') {
      serving.push(status);
      continue;
    }
    for (const found of requestsFor(work, status, records)) {
      if (before.has(formatRef(found.ref))) continue; // named twice (`i-0a` and `i-0a:8080`)
      const req = found.registration === undefined ? { ...found, registration: work.provider.registrationFor?.(found.ref) } : found;
      requests.push(req);
      before.set(formatRef(req.ref), status);
      if (found.registration === undefined) {
        fromReference.add(formatRef(req.ref));
        emit({ type: 'warning', target: formatRef(req.ref), message: `no recorded registration for ${formatRef(req.ref)}; registering it as the reference names it` });
      }
    }
  }
  return { work, serving, requests, before, fromReference };
}

/**
 * The registrations to put back for one named target. What drainctl recorded before
 * draining wins: the current registration may be the drained one (an Azure LB address
 * with its admin state Down). Without a record, a target still registered goes back as
 * it is, and an absent one as the reference names it.
 */
function requestsFor(work: GroupWork, status: TargetStatus, records: readonly InstanceRecord[]): RestoreRequest[] {
  const syntax = work.provider.descriptor.syntax;
  const recorded = records.filter((r) => r.registration && targetCovers(syntax, status.ref.target, r.target));
  if (recorded.length > 0) return recorded.map((r) => ({ ref: { ...status.ref, target: r.target }, registration: r.registration as Registration }));
  return [{ ref: status.ref, registration: status.registration }];
}

async function restoreGroup(plan: RestorePlan, request: Bound<RestoreTargetsRequest>, clock: Clock, emit: EventSink, startedAt: number, dryRun: boolean): Promise<TargetResult[]> {
  const { work, serving, requests } = plan;
  const ledger = request.ledger;
  for (const s of serving) {
    emit({ type: 'action', action: 'skip', target: formatRef(s.ref), dryRun, detail: 'already in service' });
    // Put back by someone else (or a restore whose wait was cut short): the ledger should say so too.
    const row = ledger.find(instanceKey(s.ref));
    if (!dryRun && row && row.status !== 'active') {
      const at = isoTime(clock.now());
      ledger.record(instanceKey(s.ref), { status: 'active', drainStartedAt: null, drainedAt: null }, { type: 'restored', at, details: { alreadyInService: true } });
    }
  }
  const unchanged = serving.map((s) => result(s, 'unchanged', 0));
  for (const r of requests) emit({ type: 'action', action: 'register', target: formatRef(r.ref), dryRun, detail: describeRegistration(r, plan.fromReference.has(formatRef(r.ref))) });
  if (dryRun) return [...unchanged, ...requests.map((r) => result(plan.before.get(formatRef(r.ref))!, 'would_restore', 0))];
  if (requests.length === 0) return unchanged;

  const at = isoTime(clock.now());
  for (const r of requests) ledger.record(instanceKey(r.ref), {}, { type: 'restore_requested', at, details: { registration: r.registration ?? null } });
  await retrying(() => work.provider.restore(work.group, requests, request.call), retryOptions(work, request, emit));
  const refs = requests.map((r) => r.ref);
  if (request.wait === false) {
    for (const r of requests) ledger.record(instanceKey(r.ref), { status: 'active', drainStartedAt: null, drainedAt: null }, { type: 'restored', at, details: { waited: false } });
    return [...unchanged, ...requests.map((r) => result(plan.before.get(formatRef(r.ref))!, 'restoring', clock.now() - startedAt))];
  }

  const lastSeen = new Map<string, TargetStatus>();
  const deadline = startedAt + (request.timeoutMs ?? DEFAULT_RESTORE_WAIT_MS);
  emit({ type: 'group', group: work.groupText, providerId: work.group.group, drainTimeoutSeconds: undefined, deadline: isoTime(deadline) });
  const outcome = await observeGroup({
    work, targets: refs, lastSeen, emit, clock, call: request.call, signal: request.signal, random: request.random, deadline,
    plan: { startedAt: clock.now(), expectedDoneAt: undefined, completesEarly: true },
    isSettled: isServing,
  });
  const done = [...lastSeen.values()].map((s) => {
    const elapsedMs = clock.now() - startedAt;
    const target = formatRef(s.ref);
    const ok = isServing(s);
    const now = isoTime(clock.now());
    if (ok) ledger.record(instanceKey(s.ref), { status: 'active', drainStartedAt: null, drainedAt: null }, { type: 'restored', at: now, details: { elapsedMs } });
    else ledger.record(instanceKey(s.ref), {}, { type: 'timed_out', at: now, details: { waitingFor: 'healthy', state: s.state, raw: s.raw } });
    const outcomeName = ok ? 'restored' : outcome.state === 'timeout' ? 'timed_out' : 'restoring';
    emit({ type: 'target_done', target, outcome: outcomeName, state: s.state, elapsedMs });
    return result(s, outcomeName, elapsedMs);
  });
  return [...unchanged, ...done];
}

function describeRegistration(request: RestoreRequest, fromReference: boolean): string {
  if (!request.registration) return 'register as named (no recorded registration)';
  const fields = Object.entries(request.registration).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => `${k}=${String(v)}`);
  return `${fromReference ? 'register as the reference names it' : 'register as recorded'}: ${fields.join(', ')}`;
}

