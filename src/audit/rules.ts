import type { ContainerTimers, PodTimers } from './manifest.js';

/**
 * The shutdown timer chain, checked rule by rule. Each rule says why it exists, how to fix a
 * failure, and where the reasoning comes from (docs/timeouts.md#audit-rules). A rule whose
 * inputs were not given is skipped, never failed.
 */

export type Verdict = 'pass' | 'warn' | 'fail' | 'skipped';

/** The load balancer side of the chain, live (--lb) or from flags. */
export interface LoadBalancerTimers {
  /** Where the values came from: a group reference, "flags", or both. */
  readonly source: string;
  readonly drainTimeoutSeconds: number | undefined;
  readonly healthIntervalSeconds: number | undefined;
  readonly unhealthyThreshold: number | undefined;
  /** Known from a live ELBv2 target group's protocol, or --nlb. */
  readonly loadBalancerType: 'application' | 'network' | 'gateway' | 'classic' | undefined;
}

export interface AuditInputs {
  readonly pods: readonly PodTimers[];
  readonly lb: LoadBalancerTimers | undefined;
  /** The app's own drain timeout (how long it finishes in-flight work after SIGTERM). */
  readonly appTimeoutSeconds: number | undefined;
  /**
   * How long the app keeps serving after SIGTERM with its health check failing (@drainctl/server's
   * shutdownDelay): it does what a preStop sleep does, from inside the app.
   */
  readonly appShutdownDelaySeconds?: number;
  /** Time for a routing change to reach every load balancer node (default 5 s). */
  readonly propagationSeconds?: number;
  /** Room left in the grace period for cleanup after the app's drain (default 5 s). */
  readonly cleanupSeconds?: number;
}

export interface CheckResult {
  readonly rule: string;
  /** What was checked: `Deployment/web container app`, or the load balancer. */
  readonly subject: string;
  readonly verdict: Verdict;
  /** The numbers, or why the rule was skipped. */
  readonly detail: string;
  /** How to fix a warn or fail. */
  readonly fix: string | undefined;
}

export interface AuditRule {
  readonly id: string;
  readonly title: string;
  /** Why the rule exists, one sentence. */
  readonly why: string;
  evaluate(inputs: AuditInputs): CheckResult[];
}

export const DEFAULT_PROPAGATION_SECONDS = 5;
export const DEFAULT_CLEANUP_SECONDS = 5;
export const NLB_MIN_DRAIN_SECONDS = 120;

interface ContainerSubject {
  readonly pod: PodTimers;
  readonly container: ContainerTimers;
  readonly subject: string;
}

function containers(inputs: AuditInputs): ContainerSubject[] {
  return inputs.pods.flatMap((pod) => pod.containers.map((container) => ({ pod, container, subject: `${pod.name} (${container.name})` })));
}

function s(seconds: number): string {
  return `${Number(seconds.toFixed(3))}s`;
}

function skipped(rule: string, subject: string, detail: string): CheckResult {
  return { rule, subject, verdict: 'skipped', detail, fix: undefined };
}

/** The verdict for one subject: fail when `fail`, warn when `warn`, else pass (a pass needs no fix). */
function judge(rule: string, subject: string, detail: string, fix: string, when: { fail?: boolean; warn?: boolean }): CheckResult {
  if (when.fail) return { rule, subject, verdict: 'fail', detail, fix };
  if (when.warn) return { rule, subject, verdict: 'warn', detail, fix };
  return { rule, subject, verdict: 'pass', detail, fix: undefined };
}

/**
 * How long a container keeps serving once shutdown starts: its preStop sleep plus the app's own
 * shutdown delay. Undefined when the preStop runs for an unknown time.
 */
function holdOf(inputs: AuditInputs, c: ContainerTimers): { readonly seconds: number; readonly text: string } | undefined {
  if (c.preStopSeconds === undefined) return undefined;
  const delay = inputs.appShutdownDelaySeconds ?? 0;
  if (delay === 0) return { seconds: c.preStopSeconds, text: `preStop ${s(c.preStopSeconds)}` };
  const text = c.preStopSeconds > 0 ? `preStop ${s(c.preStopSeconds)} + app shutdown delay ${s(delay)}` : `app shutdown delay ${s(delay)}`;
  return { seconds: c.preStopSeconds + delay, text };
}

/** Where the hold can be lengthened: the preStop sleep, or the app's shutdownDelay when it has one. */
function holdFix(inputs: AuditInputs, seconds: number): string {
  return inputs.appShutdownDelaySeconds ? `set the app's shutdownDelay to at least ${seconds}s (no preStop sleep needed)` : `sleep at least ${seconds}s in preStop (lifecycle.preStop.sleep.seconds)`;
}

function unknownPreStop(c: ContainerTimers): string {
  return `its preStop (${c.preStop}) runs for an unknown time`;
}

const LB = 'load balancer';

export const RULES: readonly AuditRule[] = [
  {
    id: 'prestop-covers-health-detection',
    title: 'preStop sleep ≥ health-check detection + propagation',
    why: 'SIGTERM comes when preStop returns; until the load balancer has seen enough failed health checks (interval × unhealthy threshold) and spread the change, it still sends new requests to a pod that is shutting down.',
    evaluate(inputs) {
      const id = this.id;
      const lb = inputs.lb;
      if (inputs.pods.length === 0) return [skipped(id, LB, 'needs --k8s')];
      if (lb?.healthIntervalSeconds === undefined || lb.unhealthyThreshold === undefined) return containers(inputs).map((c) => skipped(id, c.subject, 'needs the health check: --lb, or --health-interval and --unhealthy-threshold'));
      const detection = lb.healthIntervalSeconds * lb.unhealthyThreshold;
      const propagation = inputs.propagationSeconds ?? DEFAULT_PROPAGATION_SECONDS;
      return containers(inputs).map(({ container, subject }) => {
        const hold = holdOf(inputs, container);
        if (hold === undefined) return skipped(id, subject, unknownPreStop(container));
        const numbers = `${hold.text}; detection ${s(lb.healthIntervalSeconds!)} × ${lb.unhealthyThreshold} = ${s(detection)} + propagation ${s(propagation)}`;
        const fix = `${holdFix(inputs, Math.ceil(detection + propagation))}, or shorten the health-check interval or threshold`;
        return judge(id, subject, numbers, fix, { fail: hold.seconds < detection, warn: hold.seconds < detection + propagation });
      });
    },
  },
  {
    id: 'prestop-within-grace',
    title: 'preStop < terminationGracePeriodSeconds',
    why: 'The grace period counts from before preStop; a hook that uses all of it leaves the app no time to drain, and Kubernetes kills it 2 s after the period ends.',
    evaluate(inputs) {
      const id = this.id;
      if (inputs.pods.length === 0) return [skipped(id, LB, 'needs --k8s')];
      return containers(inputs).map(({ pod, container, subject }) => {
        const hold = holdOf(inputs, container);
        if (hold === undefined) return skipped(id, subject, unknownPreStop(container));
        const grace = pod.terminationGracePeriodSeconds;
        const numbers = `${hold.text}; grace ${s(grace)}${pod.graceDefaulted ? ' (default)' : ''}`;
        const fix = `raise terminationGracePeriodSeconds above ${Math.ceil(hold.seconds)}s plus the app's drain timeout, or shorten the ${inputs.appShutdownDelaySeconds ? "app's shutdownDelay" : 'preStop sleep'}`;
        return judge(id, subject, numbers, fix, { fail: hold.seconds >= grace });
      });
    },
  },
  {
    id: 'grace-covers-prestop-and-app-drain',
    title: 'terminationGracePeriodSeconds ≥ preStop + app drain timeout + cleanup',
    why: 'Kubernetes sends SIGKILL when the grace period ends; if preStop plus the app\'s own drain does not fit in it, requests still in flight are killed.',
    evaluate(inputs) {
      const id = this.id;
      if (inputs.pods.length === 0) return [skipped(id, LB, 'needs --k8s')];
      const app = inputs.appTimeoutSeconds;
      if (app === undefined) return containers(inputs).map((c) => skipped(id, c.subject, 'needs --app-timeout'));
      const cleanup = inputs.cleanupSeconds ?? DEFAULT_CLEANUP_SECONDS;
      return containers(inputs).map(({ pod, container, subject }) => {
        const hold = holdOf(inputs, container);
        if (hold === undefined) return skipped(id, subject, unknownPreStop(container));
        const grace = pod.terminationGracePeriodSeconds;
        const need = hold.seconds + app;
        const numbers = `grace ${s(grace)}${pod.graceDefaulted ? ' (default)' : ''}; ${hold.text} + app drain ${s(app)} = ${s(need)} + cleanup ${s(cleanup)}`;
        const fix = `set terminationGracePeriodSeconds to at least ${Math.ceil(need + cleanup)}`;
        return judge(id, subject, numbers, fix, { fail: grace < need, warn: grace < need + cleanup });
      });
    },
  },
  {
    id: 'lb-drain-covers-app-drain',
    title: 'LB drain timeout ≥ preStop + app drain timeout',
    why: 'The load balancer starts draining when the pod starts terminating and closes what is left when its timeout ends; if the app is still finishing requests then (after preStop and its own drain), those requests are cut.',
    evaluate(inputs) {
      const id = this.id;
      const lbTimeout = inputs.lb?.drainTimeoutSeconds;
      const app = inputs.appTimeoutSeconds;
      if (lbTimeout === undefined || app === undefined) return [skipped(id, LB, `needs ${lbTimeout === undefined ? 'the LB drain timeout (--lb or --lb-timeout)' : ''}${lbTimeout === undefined && app === undefined ? ' and ' : ''}${app === undefined ? '--app-timeout' : ''}`)];
      const check = (subject: string, hold: { seconds: number; text: string }): CheckResult => {
        const need = hold.seconds + app;
        const numbers = `LB drain ${s(lbTimeout)}; ${hold.seconds > 0 ? `${hold.text} + ` : ''}app drain ${s(app)}${hold.seconds > 0 ? ` = ${s(need)}` : ''}`;
        const fix = `raise the LB drain timeout to at least ${Math.ceil(need)}s (drainctl timeout set ${inputs.lb!.source} ${Math.ceil(need)}s), or shorten the app's drain`;
        return judge(id, subject, numbers, fix, { fail: lbTimeout < need });
      };
      if (inputs.pods.length === 0) return [check(LB, { seconds: inputs.appShutdownDelaySeconds ?? 0, text: `app shutdown delay ${s(inputs.appShutdownDelaySeconds ?? 0)}` })];
      return containers(inputs).map(({ container, subject }) => {
        const hold = holdOf(inputs, container);
        return hold === undefined ? skipped(id, subject, unknownPreStop(container)) : check(subject, hold);
      });
    },
  },
  {
    id: 'lb-drain-within-grace',
    title: 'LB drain timeout ≤ terminationGracePeriodSeconds',
    why: 'If the load balancer keeps a target draining longer than the pod may live, the pod is killed while the load balancer still sends it in-flight traffic (NLB keeps existing connections flowing until the delay ends).',
    evaluate(inputs) {
      const id = this.id;
      const lbTimeout = inputs.lb?.drainTimeoutSeconds;
      if (inputs.pods.length === 0 || lbTimeout === undefined) return [skipped(id, LB, `needs ${inputs.pods.length === 0 ? '--k8s' : ''}${inputs.pods.length === 0 && lbTimeout === undefined ? ' and ' : ''}${lbTimeout === undefined ? 'the LB drain timeout (--lb or --lb-timeout)' : ''}`)];
      return inputs.pods.map((pod) => {
        const grace = pod.terminationGracePeriodSeconds;
        const numbers = `LB drain ${s(lbTimeout)}; grace ${s(grace)}${pod.graceDefaulted ? ' (default)' : ''}`;
        const fix = `raise terminationGracePeriodSeconds to at least ${Math.ceil(lbTimeout)}, or lower the LB drain timeout (drainctl timeout recommend sizes it from p99)`;
        return judge(id, pod.name, numbers, fix, { fail: lbTimeout > grace });
      });
    },
  },
  {
    id: 'readiness-detection-within-prestop',
    title: 'readiness periodSeconds × failureThreshold ≤ preStop',
    why: 'Where traffic follows readiness (readiness gates, ingress controllers) and the app reports unready when shutdown starts, the probe needs period × failure threshold to notice; preStop should cover it before SIGTERM.',
    evaluate(inputs) {
      const id = this.id;
      if (inputs.pods.length === 0) return [skipped(id, LB, 'needs --k8s')];
      return containers(inputs).map(({ container, subject }) => {
        if (container.readiness === undefined || container.readinessDetectionSeconds === undefined) return skipped(id, subject, 'no readinessProbe');
        const hold = holdOf(inputs, container);
        if (hold === undefined) return skipped(id, subject, unknownPreStop(container));
        const detection = container.readinessDetectionSeconds;
        const numbers = `readiness ${s(container.readiness.periodSeconds)} × ${container.readiness.failureThreshold} = ${s(detection)}; ${hold.text}`;
        const fix = `${holdFix(inputs, Math.ceil(detection))}, or lower readinessProbe periodSeconds × failureThreshold`;
        return judge(id, subject, numbers, fix, { warn: detection > hold.seconds });
      });
    },
  },
  {
    id: 'nlb-drain-minimum',
    title: 'NLB drain timeout ≥ 120 s',
    why: 'AWS recommends a deregistration delay of at least 120 s for Network Load Balancers; users see NLB deregistration take about 2 minutes whatever the delay.',
    evaluate(inputs) {
      const id = this.id;
      const lb = inputs.lb;
      if (lb?.drainTimeoutSeconds === undefined) return [skipped(id, LB, 'needs the LB drain timeout (--lb or --lb-timeout)')];
      if (lb.loadBalancerType === undefined) return [skipped(id, LB, 'the load balancer type is unknown (pass --nlb for a Network Load Balancer)')];
      if (lb.loadBalancerType !== 'network') return [skipped(id, LB, `applies to Network Load Balancers; this is ${lb.loadBalancerType === 'classic' ? 'a Classic' : `an ${lb.loadBalancerType}`} load balancer`)];
      const numbers = `NLB drain ${s(lb.drainTimeoutSeconds)}; recommended ≥ ${NLB_MIN_DRAIN_SECONDS}s`;
      const fix = `drainctl timeout set ${lb.source} ${NLB_MIN_DRAIN_SECONDS}s (and size preStop and the grace period to match)`;
      return [judge(id, LB, numbers, fix, { warn: lb.drainTimeoutSeconds < NLB_MIN_DRAIN_SECONDS })];
    },
  },
];

export interface AuditReport {
  readonly checks: readonly CheckResult[];
  readonly counts: Readonly<Record<Verdict, number>>;
}

/** Runs every rule. */
export function runAudit(inputs: AuditInputs, rules: readonly AuditRule[] = RULES): AuditReport {
  const checks = rules.flatMap((rule) => rule.evaluate(inputs));
  const counts: Record<Verdict, number> = { pass: 0, warn: 0, fail: 0, skipped: 0 };
  for (const c of checks) counts[c.verdict] += 1;
  return { checks, counts };
}
