import { describe, expect, it } from 'vitest';
import { applyTimers, consistentTimers, describeTimers } from '../../src/audit/consistent.js';
import type { PodTimers } from '../../src/audit/manifest.js';
import { type AuditInputs, runAudit } from '../../src/audit/rules.js';
import { runInProcess } from '../support/in-process.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function pod(grace: number, preStop: number | undefined, readiness: [number, number] | undefined): PodTimers {
  return {
    name: 'Deployment/web',
    terminationGracePeriodSeconds: grace,
    graceDefaulted: false,
    containers: [{
      name: 'app',
      preStop: preStop === undefined ? 'httpGet' : preStop === 0 ? 'none' : 'sleep',
      preStopSeconds: preStop,
      readiness: readiness ? { periodSeconds: readiness[0], failureThreshold: readiness[1] } : undefined,
      readinessDetectionSeconds: readiness ? readiness[0] * readiness[1] : undefined,
    }],
  };
}

/** A small grid over every timer the rules read, the NLB type and an unknown preStop included. */
function grid(): AuditInputs[] {
  const out: AuditInputs[] = [];
  for (const grace of [10, 30, 120])
    for (const preStop of [0, 5, 40, undefined])
      for (const readiness of [undefined, [10, 3] as [number, number]])
        for (const lbTimeout of [undefined, 10, 60, 300])
          for (const health of [undefined, [5, 2], [30, 3]] as const)
            for (const app of [undefined, 2.5, 30])
              for (const type of [undefined, 'network'] as const) {
                const lb = lbTimeout === undefined && health === undefined ? undefined : {
                  source: 'elbv2:web', drainTimeoutSeconds: lbTimeout, healthIntervalSeconds: health?.[0], unhealthyThreshold: health?.[1], loadBalancerType: type,
                };
                out.push({ pods: [pod(grace, preStop, readiness)], lb, appTimeoutSeconds: app });
              }
  return out;
}

describe('one set of timers that passes every rule', () => {
  it('for every failing or warning input of the grid, applying the set leaves no failure and no warning', () => {
    const inputs = grid().filter((i) => runAudit(i).counts.fail + runAudit(i).counts.warn > 0);
    expect(inputs.length).toBeGreaterThan(100);
    const wrong = inputs.flatMap((i) => {
      const after = runAudit(applyTimers(i, consistentTimers(i)));
      const bad = after.checks.filter((c) => c.verdict === 'fail' || c.verdict === 'warn');
      return bad.length === 0 ? [] : [`${JSON.stringify(i)} → ${bad.map((c) => `${c.rule}: ${c.detail}`).join('; ')}`];
    });
    expect(wrong).toEqual([]);
  });

  it('keeps what already fits and raises only what must move (nothing is lowered)', () => {
    for (const i of grid()) {
      const set = consistentTimers(i);
      expect(set.appTimeoutSeconds).toBe(i.appTimeoutSeconds);
      if (i.lb?.drainTimeoutSeconds !== undefined) expect(set.lbDrainTimeoutSeconds!).toBeGreaterThanOrEqual(i.lb.drainTimeoutSeconds);
      expect(set.terminationGracePeriodSeconds!).toBeGreaterThanOrEqual(i.pods[0]!.terminationGracePeriodSeconds);
    }
    const lbShort: AuditInputs = { pods: [pod(90, 65, [5, 3])], lb: { source: 'elbv2:web', drainTimeoutSeconds: 60, healthIntervalSeconds: 30, unhealthyThreshold: 2, loadBalancerType: undefined }, appTimeoutSeconds: 20 };
    expect(runAudit(lbShort).checks.filter((c) => c.verdict === 'fail').map((c) => c.rule)).toEqual(['lb-drain-covers-app-drain']);
    // 65 s of preStop + 20 s of app drain need an LB drain of at least 85 s: only that moves, then the grace period with it.
    expect(consistentTimers(lbShort)).toEqual({ preStopSeconds: 65, terminationGracePeriodSeconds: 90, appTimeoutSeconds: 20, lbDrainTimeoutSeconds: 85 });
  });

  it('leaves out what the inputs do not mention', () => {
    expect(consistentTimers({ pods: [], lb: { source: 'elbv2:web', drainTimeoutSeconds: 10, healthIntervalSeconds: undefined, unhealthyThreshold: undefined, loadBalancerType: undefined }, appTimeoutSeconds: 30 }))
      .toEqual({ preStopSeconds: undefined, terminationGracePeriodSeconds: undefined, appTimeoutSeconds: 30, lbDrainTimeoutSeconds: 30 });
    expect(describeTimers({ preStopSeconds: undefined, terminationGracePeriodSeconds: undefined, appTimeoutSeconds: 30, lbDrainTimeoutSeconds: 30 }, 'elbv2:web')).toBe('app drain timeout 30s, LB drain timeout 30s (drainctl timeout set elbv2:web 30s)');
  });
});

/** The printed set, read back as numbers. */
function printedSet(text: string): { preStop?: number; grace?: number; lb?: number } {
  const line = text.split('\n').find((l) => l.includes('a set that passes every rule:'));
  expect(line, text).toBeDefined();
  const num = (re: RegExp) => (re.exec(line!) ? Number(re.exec(line!)![1]) : undefined);
  return { preStop: num(/preStop sleep (\d+)s/), grace: num(/terminationGracePeriodSeconds: (\d+)/), lb: num(/LB drain timeout (\d+)s/) };
}

function manifest(grace: number, preStop: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  template:
    spec:
      terminationGracePeriodSeconds: ${grace}
      containers:
        - name: app
          image: example/web:1
          lifecycle: { preStop: { sleep: { seconds: ${preStop} } } }
          readinessProbe: { httpGet: { path: /ready, port: 8080 }, periodSeconds: 10, failureThreshold: 3 }
`;
}

describe('drainctl audit prints one set, and applying it converges', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drainctl-audit-'));
  it.each([
    // grace, preStop, LB timeout, health interval, threshold, app timeout, --nlb
    [30, 5, 300, 10, 3, 30, false],
    [30, 0, 10, 5, 2, 20, true],
    [20, 25, 60, 30, 2, 45, false],
    [600, 5, 5, 10, 5, 2, false],
  ] as const)('grace %i, preStop %i, LB %is, health %is × %i, app %is, nlb %s', async (grace, preStop, lb, interval, threshold, app, nlb) => {
    const file = join(dir, `m-${grace}-${preStop}-${lb}.yaml`);
    writeFileSync(file, manifest(grace, preStop));
    const flags = (lbSeconds: number) => ['--lb-timeout', `${lbSeconds}s`, '--health-interval', `${interval}s`, '--unhealthy-threshold', String(threshold), '--app-timeout', `${app}s`, ...(nlb ? ['--nlb'] : [])];
    const first = await runInProcess(['audit', '--k8s', file, ...flags(lb)]);
    expect(first.code, first.stdout + first.stderr).toBe(5);
    const set = printedSet(first.stdout);
    writeFileSync(file, manifest(set.grace!, set.preStop!));
    const second = await runInProcess(['audit', '--k8s', file, ...flags(set.lb!), '--strict']);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(/0 warnings, 0 failed/);
  });
});
