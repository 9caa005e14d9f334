import type { PodTimers } from './manifest.js';
import { type AuditInputs, DEFAULT_CLEANUP_SECONDS, DEFAULT_PROPAGATION_SECONDS, NLB_MIN_DRAIN_SECONDS } from './rules.js';

/**
 * One set of shutdown timers that satisfies every audit rule at once. Each rule's own fix
 * moves one number and can break another rule (a longer preStop needs a longer grace period,
 * which a longer LB timeout needs too), so the values are worked out together, in the order
 * the chain depends on them: preStop, then the LB drain timeout, then the grace period.
 * A value the inputs do not mention is left out (undefined), never guessed.
 */
export interface TimerSet {
  /** The preStop sleep for every container, in whole seconds. */
  readonly preStopSeconds: number | undefined;
  readonly terminationGracePeriodSeconds: number | undefined;
  /** The app's own drain timeout: kept as given (it is what the app's requests need). */
  readonly appTimeoutSeconds: number | undefined;
  readonly lbDrainTimeoutSeconds: number | undefined;
}

/**
 * The smallest change to the given timers that passes every rule: values that already fit are
 * kept, the others raised just enough. Nothing is lowered, so no request that fits today is cut.
 */
export function consistentTimers(inputs: AuditInputs): TimerSet {
  const app = inputs.appTimeoutSeconds;
  const preStop = inputs.pods.length === 0 ? undefined : preStopNeeded(inputs);
  const lb = inputs.lb?.drainTimeoutSeconds === undefined ? undefined : lbNeeded(inputs, preStop ?? 0);
  const grace = inputs.pods.length === 0 ? undefined : graceNeeded(inputs, preStop!, lb);
  return { preStopSeconds: preStop, terminationGracePeriodSeconds: grace, appTimeoutSeconds: app, lbDrainTimeoutSeconds: lb };
}

/** The longest preStop already set, raised to cover health-check detection plus propagation and readiness detection. */
function preStopNeeded(inputs: AuditInputs): number {
  const containers = inputs.pods.flatMap((p) => p.containers);
  const floors = containers.map((c) => c.preStopSeconds ?? 0);
  const lb = inputs.lb;
  if (lb?.healthIntervalSeconds !== undefined && lb.unhealthyThreshold !== undefined) {
    floors.push(lb.healthIntervalSeconds * lb.unhealthyThreshold + (inputs.propagationSeconds ?? DEFAULT_PROPAGATION_SECONDS));
  }
  for (const c of containers) if (c.readinessDetectionSeconds !== undefined) floors.push(c.readinessDetectionSeconds);
  return Math.ceil(Math.max(0, ...floors));
}

/** The LB drain timeout as given, raised to cover preStop plus the app's drain (and the NLB minimum). */
function lbNeeded(inputs: AuditInputs, preStop: number): number {
  const floors = [inputs.lb!.drainTimeoutSeconds!, preStop + (inputs.appTimeoutSeconds ?? 0)];
  if (inputs.lb!.loadBalancerType === 'network') floors.push(NLB_MIN_DRAIN_SECONDS);
  return Math.ceil(Math.max(...floors));
}

/** The longest grace period given, raised to hold preStop, the app's drain and cleanup, and the LB drain timeout. */
function graceNeeded(inputs: AuditInputs, preStop: number, lb: number | undefined): number {
  const floors = inputs.pods.map((p) => p.terminationGracePeriodSeconds);
  // preStop must end strictly before the grace period does.
  floors.push(preStop + 1);
  if (inputs.appTimeoutSeconds !== undefined) floors.push(preStop + inputs.appTimeoutSeconds + (inputs.cleanupSeconds ?? DEFAULT_CLEANUP_SECONDS));
  if (lb !== undefined) floors.push(lb);
  return Math.ceil(Math.max(...floors));
}

/** The inputs with a timer set applied: every container sleeps `preStopSeconds` in preStop, every pod gets the grace period. */
export function applyTimers(inputs: AuditInputs, set: TimerSet): AuditInputs {
  const pods = inputs.pods.map((pod): PodTimers => ({
    ...pod,
    terminationGracePeriodSeconds: set.terminationGracePeriodSeconds ?? pod.terminationGracePeriodSeconds,
    graceDefaulted: set.terminationGracePeriodSeconds === undefined && pod.graceDefaulted,
    containers: pod.containers.map((c) => (set.preStopSeconds === undefined ? c : { ...c, preStop: 'sleep', preStopSeconds: set.preStopSeconds })),
  }));
  const lb = inputs.lb && set.lbDrainTimeoutSeconds !== undefined ? { ...inputs.lb, drainTimeoutSeconds: set.lbDrainTimeoutSeconds } : inputs.lb;
  return { ...inputs, pods, lb, appTimeoutSeconds: set.appTimeoutSeconds ?? inputs.appTimeoutSeconds };
}

/** The set as one line: `preStop sleep 35s, terminationGracePeriodSeconds 300, …`; `lbSource` names the group for `timeout set`. */
export function describeTimers(set: TimerSet, lbSource: string | undefined): string {
  const parts: string[] = [];
  if (set.preStopSeconds !== undefined) parts.push(`preStop sleep ${set.preStopSeconds}s (lifecycle.preStop.sleep.seconds: ${set.preStopSeconds})`);
  if (set.terminationGracePeriodSeconds !== undefined) parts.push(`terminationGracePeriodSeconds: ${set.terminationGracePeriodSeconds}`);
  if (set.appTimeoutSeconds !== undefined) parts.push(`app drain timeout ${set.appTimeoutSeconds}s`);
  if (set.lbDrainTimeoutSeconds !== undefined) parts.push(`LB drain timeout ${set.lbDrainTimeoutSeconds}s (drainctl timeout set ${lbSource ?? '<group-ref>'} ${set.lbDrainTimeoutSeconds}s)`);
  return parts.join(', ');
}
