import { isoTime } from './clock.js';
import { DrainctlError } from './errors.js';
import { describeHolder, isHolderGone } from './holder.js';
import { DEFAULT_RESTORE_WAIT_MS } from './deadline.js';
import type { Observation } from './observe.js';
import { type Command, type GroupOperation, type InspectedGroup, type Settling, type TargetsRequest, type WaitSpec, providerCall, runOperation } from './pipeline.js';
import type { RestoreRequest } from './provider.js';
import { exactRecord, instanceKey, RESTORED_UPDATE } from './records.js';
import { formatRef, targetCovers } from './refs.js';
import type { OperationReport, TargetResult } from './report.js';
import { result } from './results.js';
import type { InstanceRecord } from './ledger.js';
import { isServing, type Registration, type TargetStatus } from './state.js';

export { DEFAULT_RESTORE_WAIT_MS } from './deadline.js';

/** What restore needs; the default wait for health is DEFAULT_RESTORE_WAIT_MS. */
export type RestoreTargetsRequest = TargetsRequest;

interface RestorePlan {
  readonly group: InspectedGroup;
  readonly serving: TargetStatus[];
  readonly requests: RestoreRequest[];
  /** Each request's target as seen before restoring, by canonical reference. */
  readonly before: Map<string, TargetStatus>;
  /** Targets whose registration comes from the reference, not from a record. */
  readonly fromReference: Set<string>;
}

/**
 * Puts targets back exactly as drainctl recorded them (same port, same Availability
 * Zone…) and, unless told not to, waits until the load balancer calls them healthy.
 */
export function restoreTargets(request: RestoreTargetsRequest): Promise<OperationReport> {
  return runOperation(restoreOperation, request);
}

const restoreOperation: GroupOperation<RestorePlan> = {
  name: 'restore',
  readsTimeout: false,
  decide: async (group, cmd) => refuseHeldDrains(planRestore(group, cmd), cmd),
  planned: (plan) => [...plan.serving.map((s) => formatRef(s.ref)), ...plan.requests.map((r) => formatRef(r.ref))],
  dryRun: (plan, cmd) => {
    announce(plan, cmd, true);
    return [...plan.serving.map((s) => result(s, 'unchanged', 0)), ...plan.requests.map((r) => result(plan.before.get(formatRef(r.ref))!, 'would_restore', 0))];
  },
  act: restoreGroup,
  watch: restoreWait,
  settle: settleRestore,
  resumeHint: (_plan, pending) => `check health with: drainctl status ${pending.join(' ')}`,
  groupOf: (plan) => plan.group,
};

function planRestore(group: InspectedGroup, cmd: Command): RestorePlan {
  const { work, snapshot } = group;
  const records = group.records;
  const serving: TargetStatus[] = [];
  const requests: RestoreRequest[] = [];
  const before = new Map<string, TargetStatus>();
  const fromReference = new Set<string>();
  for (const status of snapshot.targets) {
    if (status.state === 'active' && !drainedNotYetServing(status, records)) {
      serving.push(status);
      continue;
    }
    for (const found of requestsFor(group, status, records)) {
      if (before.has(formatRef(found.ref))) continue; // named twice (`i-0a` and `i-0a:8080`)
      const req = found.registration === undefined ? { ...found, registration: work.provider.registrationFor?.(found.ref) } : found;
      requests.push(req);
      before.set(formatRef(req.ref), { ...status, ref: req.ref });
      if (found.registration === undefined) {
        fromReference.add(formatRef(req.ref));
        cmd.emit({ type: 'warning', target: formatRef(req.ref), message: `no recorded registration for ${formatRef(req.ref)}; registering it as the reference names it` });
      }
    }
  }
  return { group, serving, requests, before, fromReference };
}

/**
 * Registered but not yet taking traffic while the ledger says drainctl drained it: put back
 * again rather than taken as in service (an NGINX server marked down in a file another runner
 * edited and has not reloaded yet reads as registered; the registration is idempotent elsewhere).
 */
function drainedNotYetServing(status: TargetStatus, records: readonly InstanceRecord[]): boolean {
  return status.health === 'initial' && exactRecord(records, status.ref)?.status === 'stopped';
}

/**
 * A target another runner is still draining (its lease is live) is not put back under it: that
 * runner would go on waiting for a drain that no longer happens, and report it as done.
 */
function refuseHeldDrains(plan: RestorePlan, cmd: Command): RestorePlan {
  const now = isoTime(cmd.clock.now());
  const held = plan.requests
    .map((r) => exactRecord(plan.group.records, r.ref))
    .filter((row): row is InstanceRecord => row?.status === 'draining' && row.holder !== null && row.leaseExpiresAt !== null && row.leaseExpiresAt > now && !isHolderGone(row.holder));
  if (held.length === 0) return plan;
  const list = held.map((r) => `${formatRef({ kind: 'target', provider: r.provider, group: r.group, target: r.target })} is being drained by ${describeHolder(r.holder!)} since ${r.drainStartedAt}`).join('; ');
  const lapse = held.map((r) => r.leaseExpiresAt).sort().at(-1);
  throw new DrainctlError('refused', list, {
    hint: `let that drain finish first (drainctl fleet shows it); if that runner is gone, its lease lapses at ${lapse}`,
    details: { heldBy: held.map((r) => ({ target: r.target, by: describeHolder(r.holder!), since: r.drainStartedAt })) },
  });
}

/**
 * The registrations to put back for one named target. What drainctl recorded before
 * draining wins: the current registration may be the drained one (an Azure LB address
 * with its admin state Down). Without a record, a target still registered goes back as
 * it is, and an absent one as the reference names it.
 */
function requestsFor(group: InspectedGroup, status: TargetStatus, records: readonly InstanceRecord[]): RestoreRequest[] {
  const syntax = group.work.provider.descriptor.syntax;
  const recorded = records.filter((r) => r.registration && r.target !== '*' && targetCovers(syntax, status.ref.target, r.target));
  // Keyed by the canonical group, whichever spelling the row was recorded under.
  if (recorded.length > 0) return recorded.map((r) => ({ ref: { ...status.ref, target: r.target }, registration: r.registration as Registration }));
  return [{ ref: status.ref, registration: status.registration }];
}

function announce(plan: RestorePlan, cmd: Command, dryRun: boolean): void {
  for (const s of plan.serving) cmd.emit({ type: 'action', action: 'skip', target: formatRef(s.ref), dryRun, detail: 'already in service' });
  for (const r of plan.requests) cmd.emit({ type: 'action', action: 'register', target: formatRef(r.ref), dryRun, detail: describeRegistration(r, plan.fromReference.has(formatRef(r.ref))) });
}

async function restoreGroup(plan: RestorePlan, cmd: Command): Promise<void> {
  const { work } = plan.group;
  const { ledger, recorder, clock } = cmd;
  announce(plan, cmd, false);
  for (const s of plan.serving) {
    // Put back by someone else (or a restore whose wait was cut short): the ledger should say so too.
    const row = exactRecord(plan.group.records, s.ref);
    if (row && row.status !== 'active') {
      recorder.note(instanceKey(s.ref), RESTORED_UPDATE, { type: 'restored', at: isoTime(clock.now()), details: { alreadyInService: true } });
    }
  }
  if (plan.requests.length === 0) return;
  const at = isoTime(clock.now());
  for (const r of plan.requests) await ledger.record(instanceKey(r.ref), {}, { type: 'restore_requested', at, details: { registration: r.registration ?? null } });
  await providerCall(cmd, work.groupText, 'restore', (call) => work.provider.restore(work.group, plan.requests, call));
}

function restoreWait(plan: RestorePlan, cmd: Command): WaitSpec | undefined {
  if (!cmd.wait || plan.requests.length === 0) return undefined;
  return {
    mode: 'wait',
    targets: plan.requests.map((r) => plan.before.get(formatRef(r.ref))!),
    announced: false,
    isSettled: isServing,
    waitMs: cmd.timeoutMs ?? DEFAULT_RESTORE_WAIT_MS,
  };
}

function settleRestore(plan: RestorePlan, seen: Observation | undefined, how: Settling, cmd: Command): TargetResult[] {
  const { recorder, clock, emit } = cmd;
  const unchanged = plan.serving.map((s) => result(s, 'unchanged', 0));
  if (!seen) {
    const at = isoTime(clock.now());
    for (const r of plan.requests) recorder.note(instanceKey(r.ref), RESTORED_UPDATE, { type: 'restored', at, details: { waited: false } });
    return [...unchanged, ...plan.requests.map((r) => result(plan.before.get(formatRef(r.ref))!, 'restoring', clock.now() - cmd.startedAt))];
  }
  const timedOut = how.kind === 'waited' && how.timedOut;
  const done = seen.final().map((s) => {
    const elapsedMs = clock.now() - cmd.startedAt;
    const ok = isServing(s);
    const now = isoTime(clock.now());
    if (ok) recorder.note(instanceKey(s.ref), RESTORED_UPDATE, { type: 'restored', at: now, details: { elapsedMs } });
    else recorder.note(instanceKey(s.ref), {}, { type: 'timed_out', at: now, details: { waitingFor: 'healthy', state: s.state, raw: s.raw } });
    const outcome = ok ? 'restored' : timedOut ? 'timed_out' : 'restoring';
    emit({ type: 'target_done', target: formatRef(s.ref), outcome, state: s.state, elapsedMs });
    return result(s, outcome, elapsedMs);
  });
  return [...unchanged, ...done];
}

function describeRegistration(request: RestoreRequest, fromReference: boolean): string {
  if (!request.registration) return 'register as named (no recorded registration)';
  const fields = Object.entries(request.registration).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => `${k}=${String(v)}`);
  return `${fromReference ? 'register as the reference names it' : 'register as recorded'}: ${fields.join(', ')}`;
}
