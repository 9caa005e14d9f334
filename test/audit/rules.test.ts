import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { ContainerTimers, PodTimers } from '../../src/audit/manifest.js';
import { type AuditInputs, type LoadBalancerTimers, RULES, runAudit, type Verdict } from '../../src/audit/rules.js';

function pod(grace: number, preStop: number | undefined, readiness?: [number, number]): PodTimers {
  const container: ContainerTimers = {
    name: 'app',
    preStop: preStop === undefined ? 'httpGet' : preStop === 0 ? 'none' : 'sleep',
    preStopSeconds: preStop,
    readiness: readiness ? { periodSeconds: readiness[0], failureThreshold: readiness[1] } : undefined,
    readinessDetectionSeconds: readiness ? readiness[0] * readiness[1] : undefined,
  };
  return { name: 'Deployment/web', terminationGracePeriodSeconds: grace, graceDefaulted: false, containers: [container] };
}

function lb(timers: Partial<LoadBalancerTimers>): LoadBalancerTimers {
  return { source: 'elbv2:web', drainTimeoutSeconds: undefined, healthIntervalSeconds: undefined, unhealthyThreshold: undefined, loadBalancerType: undefined, ...timers };
}

function verdicts(rule: string, inputs: AuditInputs): Verdict[] {
  return runAudit(inputs, RULES.filter((r) => r.id === rule)).checks.map((c) => c.verdict);
}

const CASES: [string, AuditInputs, Verdict][] = [
  // preStop ≥ interval × threshold (+ 5 s propagation)
  ['prestop-covers-health-detection', { pods: [pod(60, 40)], lb: lb({ healthIntervalSeconds: 10, unhealthyThreshold: 3 }), appTimeoutSeconds: undefined }, 'pass'],
  ['prestop-covers-health-detection', { pods: [pod(60, 32)], lb: lb({ healthIntervalSeconds: 10, unhealthyThreshold: 3 }), appTimeoutSeconds: undefined }, 'warn'],
  ['prestop-covers-health-detection', { pods: [pod(60, 5)], lb: lb({ healthIntervalSeconds: 10, unhealthyThreshold: 3 }), appTimeoutSeconds: undefined }, 'fail'],
  ['prestop-covers-health-detection', { pods: [pod(60, 5)], lb: lb({ drainTimeoutSeconds: 30 }), appTimeoutSeconds: undefined }, 'skipped'],
  ['prestop-covers-health-detection', { pods: [pod(60, undefined)], lb: lb({ healthIntervalSeconds: 10, unhealthyThreshold: 3 }), appTimeoutSeconds: undefined }, 'skipped'],
  // preStop < grace
  ['prestop-within-grace', { pods: [pod(30, 10)], lb: undefined, appTimeoutSeconds: undefined }, 'pass'],
  ['prestop-within-grace', { pods: [pod(30, 30)], lb: undefined, appTimeoutSeconds: undefined }, 'fail'],
  ['prestop-within-grace', { pods: [pod(30, undefined)], lb: undefined, appTimeoutSeconds: undefined }, 'skipped'],
  // grace ≥ preStop + app + 5 s cleanup
  ['grace-covers-prestop-and-app-drain', { pods: [pod(60, 15)], lb: undefined, appTimeoutSeconds: 30 }, 'pass'],
  ['grace-covers-prestop-and-app-drain', { pods: [pod(48, 15)], lb: undefined, appTimeoutSeconds: 30 }, 'warn'],
  ['grace-covers-prestop-and-app-drain', { pods: [pod(30, 15)], lb: undefined, appTimeoutSeconds: 30 }, 'fail'],
  ['grace-covers-prestop-and-app-drain', { pods: [pod(30, 15)], lb: undefined, appTimeoutSeconds: undefined }, 'skipped'],
  // LB drain ≥ preStop + app
  ['lb-drain-covers-app-drain', { pods: [], lb: lb({ drainTimeoutSeconds: 30 }), appTimeoutSeconds: 30 }, 'pass'],
  ['lb-drain-covers-app-drain', { pods: [], lb: lb({ drainTimeoutSeconds: 20 }), appTimeoutSeconds: 30 }, 'fail'],
  ['lb-drain-covers-app-drain', { pods: [pod(90, 15)], lb: lb({ drainTimeoutSeconds: 40 }), appTimeoutSeconds: 30 }, 'fail'],
  ['lb-drain-covers-app-drain', { pods: [pod(90, 15)], lb: lb({ drainTimeoutSeconds: 45 }), appTimeoutSeconds: 30 }, 'pass'],
  ['lb-drain-covers-app-drain', { pods: [], lb: lb({ drainTimeoutSeconds: 30 }), appTimeoutSeconds: undefined }, 'skipped'],
  // LB drain ≤ grace
  ['lb-drain-within-grace', { pods: [pod(30, 5)], lb: lb({ drainTimeoutSeconds: 30 }), appTimeoutSeconds: undefined }, 'pass'],
  ['lb-drain-within-grace', { pods: [pod(30, 5)], lb: lb({ drainTimeoutSeconds: 300 }), appTimeoutSeconds: undefined }, 'fail'],
  ['lb-drain-within-grace', { pods: [], lb: lb({ drainTimeoutSeconds: 300 }), appTimeoutSeconds: undefined }, 'skipped'],
  // readiness period × threshold ≤ preStop
  ['readiness-detection-within-prestop', { pods: [pod(60, 15, [5, 3])], lb: undefined, appTimeoutSeconds: undefined }, 'pass'],
  ['readiness-detection-within-prestop', { pods: [pod(60, 15, [10, 3])], lb: undefined, appTimeoutSeconds: undefined }, 'warn'],
  ['readiness-detection-within-prestop', { pods: [pod(60, 15)], lb: undefined, appTimeoutSeconds: undefined }, 'skipped'],
  // NLB ≥ 120 s
  ['nlb-drain-minimum', { pods: [], lb: lb({ drainTimeoutSeconds: 300, loadBalancerType: 'network' }), appTimeoutSeconds: undefined }, 'pass'],
  ['nlb-drain-minimum', { pods: [], lb: lb({ drainTimeoutSeconds: 30, loadBalancerType: 'network' }), appTimeoutSeconds: undefined }, 'warn'],
  ['nlb-drain-minimum', { pods: [], lb: lb({ drainTimeoutSeconds: 30, loadBalancerType: 'application' }), appTimeoutSeconds: undefined }, 'skipped'],
  ['nlb-drain-minimum', { pods: [], lb: lb({ drainTimeoutSeconds: 30 }), appTimeoutSeconds: undefined }, 'skipped'],
];

const NONE: AuditInputs = { pods: [], lb: undefined, appTimeoutSeconds: undefined };

describe('audit rules', () => {
  it('the rules are the ones docs/timeouts.md documents, each once', async () => {
    const docs = await readFile(new URL('../../docs/timeouts.md', import.meta.url), 'utf8');
    const section = docs.slice(docs.indexOf('## Audit rules'));
    const documented = [...section.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    expect(RULES.map((r) => r.id)).toEqual(documented);
  });

  it('with no inputs every rule is skipped, none failed', () => {
    const report = runAudit(NONE);
    expect(report.counts).toEqual({ pass: 0, warn: 0, fail: 0, skipped: RULES.length });
    expect(report.checks.map((c) => c.rule)).toEqual(RULES.map((r) => r.id));
    for (const c of report.checks) expect(c.detail).toMatch(/needs/);
  });

  it('every rule has cases below that pass it and that do not', () => {
    for (const rule of RULES) {
      const verdicts = new Set(CASES.filter(([id]) => id === rule.id).map(([, , v]) => v));
      expect(verdicts, rule.id).toContain('pass');
      expect(verdicts.has('fail') || verdicts.has('warn'), `${rule.id} has no failing case`).toBe(true);
    }
  });

  it.each<[string, AuditInputs, Verdict]>(CASES)('%s → %s (case %#)', (rule, inputs, verdict) => {
    expect(verdicts(rule, inputs)).toEqual([verdict]);
  });


  it('warnings and failures carry a fix with the number to use; passes and skips do not', () => {
    const report = runAudit({ pods: [pod(30, 5, [10, 3])], lb: lb({ drainTimeoutSeconds: 300, healthIntervalSeconds: 10, unhealthyThreshold: 3, loadBalancerType: 'network' }), appTimeoutSeconds: 30 });
    const byRule = Object.fromEntries(report.checks.map((c) => [c.rule, c]));
    expect(byRule['prestop-covers-health-detection']?.fix).toContain('sleep at least 35s');
    expect(byRule['grace-covers-prestop-and-app-drain']?.fix).toContain('at least 40');
    expect(byRule['lb-drain-within-grace']?.fix).toContain('at least 300');
    for (const c of report.checks) expect(c.fix === undefined).toBe(c.verdict === 'pass' || c.verdict === 'skipped');
    expect(report.counts.fail).toBeGreaterThan(0);
  });

  it('checks each container of each pod', () => {
    const two: PodTimers = { ...pod(60, 15), containers: [pod(60, 15).containers[0]!, { ...pod(60, 70).containers[0]!, name: 'sidecar' }] };
    const checks = runAudit({ pods: [two], lb: undefined, appTimeoutSeconds: undefined }, RULES.filter((r) => r.id === 'prestop-within-grace')).checks;
    expect(checks.map((c) => [c.subject, c.verdict])).toEqual([
      ['Deployment/web (app)', 'pass'],
      ['Deployment/web (sidecar)', 'fail'],
    ]);
  });
});
