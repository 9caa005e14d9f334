import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditFlags, auditCommand } from '../../src/cli/commands/audit.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { type AwsEmulator, startAwsEmulator } from '../../src/emulators/aws/index.js';
import { runCommand, tempFile } from './helpers.js';

/** A Deployment whose timers fit an ALB with a 30 s health check × 2 and a 60 s delay, for an app that drains in 20 s. */
const FITS = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  template:
    spec:
      terminationGracePeriodSeconds: 90
      containers:
        - name: app
          image: example/web:1
          lifecycle: { preStop: { sleep: { seconds: 65 } } }
          readinessProbe: { httpGet: { path: /ready, port: 8080 }, periodSeconds: 5, failureThreshold: 3 }
`;

/** The usual misfit: default grace, a 5 s preStop, ALB default 300 s delay. */
const MISFIT = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  template:
    spec:
      containers:
        - name: app
          image: example/web:1
          lifecycle: { preStop: { exec: { command: ["sleep", "5"] } } }
`;

let emulator: AwsEmulator;
beforeAll(async () => {
  emulator = await startAwsEmulator({
    throttle: 'off',
    seed: {
      targetGroups: [
        { name: 'web', protocol: 'HTTP', port: 80, targetType: 'instance', attributes: { 'deregistration_delay.timeout_seconds': '300' }, targets: [] },
        { name: 'tcp-api', protocol: 'TCP', port: 9000, targetType: 'ip', attributes: { 'deregistration_delay.timeout_seconds': '30' }, targets: [] },
      ],
      classicLoadBalancers: [{ name: 'legacy', connectionDraining: { enabled: false, timeout: 300 }, instances: [] }],
    },
  });
});
afterAll(() => emulator.stop());

const audit = (flags: AuditFlags) => runCommand((ctx) => auditCommand(ctx, flags), { endpointUrl: emulator.url, region: 'us-east-1', env: { NO_COLOR: '1' } });
type Check = { rule: string; subject: string; result: string; detail: string; fix: string | null };
const checks = (run: Awaited<ReturnType<typeof audit>>) => run.result!.data.checks as Check[];
const resultOf = (run: Awaited<ReturnType<typeof audit>>, rule: string) => checks(run).filter((c) => c.rule === rule).map((c) => c.result);

describe('drainctl audit', () => {
  it('timers that fit: exit 0, a table of pass and skipped', async () => {
    const run = await audit({ k8s: tempFile('fits.yaml', FITS), lbTimeout: '90s', healthInterval: '30s', unhealthyThreshold: '2', appTimeout: '20s' });
    expect(run.code).toBe(EXIT.ok);
    expect(run.result!.data.counts).toEqual({ pass: 6, warn: 0, fail: 0, skipped: 1 });
    expect(resultOf(run, 'nlb-drain-minimum')).toEqual(['skipped']);
    expect(run.result!.text).toMatch(/^RULE\s+SUBJECT\s+RESULT\s+DETAIL/);
    expect(run.result!.text).toContain('6 passed, 0 warnings, 0 failed, 1 skipped');
    expect(run.result!.problem).toBeUndefined();
  });

  it('the usual misfit, live from the load balancer: exit 5 with the fixes', async () => {
    const run = await audit({ k8s: tempFile('misfit.yaml', MISFIT), lb: 'elbv2:web', appTimeout: '22s' });
    expect(run.code).toBe(EXIT.refused);
    expect(run.result!.data.inputs).toMatchObject({
      lb: { group: 'elbv2:web', drain_timeout_seconds: 300, health_interval_seconds: 30, unhealthy_threshold: 2, load_balancer_type: 'application' },
      pods: [{ name: 'Deployment/web', termination_grace_period_seconds: 30, grace_defaulted: true, containers: [{ name: 'app', pre_stop: 'exec-sleep', pre_stop_seconds: 5 }] }],
      app_timeout_seconds: 22,
    });
    expect(resultOf(run, 'prestop-covers-health-detection')).toEqual(['fail']);
    expect(resultOf(run, 'lb-drain-within-grace')).toEqual(['fail']);
    expect(resultOf(run, 'grace-covers-prestop-and-app-drain')).toEqual(['warn']);
    expect(resultOf(run, 'lb-drain-covers-app-drain')).toEqual(['pass']);
    expect(run.result!.problem?.message).toBe('the shutdown timers do not fit: 2 checks failed');
    expect(run.result!.text).toContain('to fix:');
    expect(run.result!.text).toContain('sleep at least 65s in preStop');
  });

  it('a Network Load Balancer target group is recognised live; --strict fails on warnings', async () => {
    const lenient = await audit({ lb: 'elbv2:tcp-api' });
    expect(lenient.code).toBe(EXIT.ok);
    expect(resultOf(lenient, 'nlb-drain-minimum')).toEqual(['warn']);
    const strict = await audit({ lb: 'elbv2:tcp-api', strict: true });
    expect(strict.code).toBe(EXIT.refused);
    expect(strict.result!.problem?.message).toBe('the shutdown timers do not fit: 1 warning (--strict)');
  });

  it('a Classic ELB with draining off counts as a drain timeout of zero', async () => {
    const run = await audit({ lb: 'elb:legacy', appTimeout: '10s' });
    expect(run.result!.data.inputs).toMatchObject({ lb: { drain_timeout_seconds: 0, health_interval_seconds: 30, unhealthy_threshold: 2, load_balancer_type: 'classic' } });
    expect(resultOf(run, 'lb-drain-covers-app-drain')).toEqual(['fail']);
    expect(run.code).toBe(EXIT.refused);
  });

  it('flags override what the load balancer says ("what if")', async () => {
    const run = await audit({ lb: 'elbv2:web', lbTimeout: '25s', nlb: true });
    expect(run.result!.data.inputs).toMatchObject({ lb: { drain_timeout_seconds: 25, health_interval_seconds: 30, load_balancer_type: 'network' } });
    expect(resultOf(run, 'nlb-drain-minimum')).toEqual(['warn']);
  });

  it('only the app timeout: everything else skipped, exit 0', async () => {
    const run = await audit({ appTimeout: '20s' });
    expect(run.code).toBe(EXIT.ok);
    expect(run.result!.data.counts).toMatchObject({ pass: 0, fail: 0, warn: 0 });
  });

  it.each<[string, () => AuditFlags, RegExp]>([
    ['nothing to audit', () => ({}), /^nothing to audit: give --k8s <file>/],
    ['a manifest that does not exist', () => ({ k8s: '/nonexistent/deploy.yaml' }), /^manifest not found: \/nonexistent\/deploy\.yaml$/],
    ['a manifest that is not a Kubernetes object', () => ({ k8s: tempFile('x.yaml', 'hello: world\n') }), /document 1 is not a Kubernetes object: it has no kind and apiVersion$/],
    ['a workload without containers', () => ({ k8s: tempFile('x.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { containers: [] }\n') }), /^Pod\/p \(.*document 1\) has no containers$/],
    ['a manifest of Services only', () => ({ k8s: tempFile('svc.yaml', 'apiVersion: v1\nkind: Service\nmetadata: { name: s }\n') }), /has no Pod, Deployment, StatefulSet/],
    ['a bad --unhealthy-threshold', () => ({ unhealthyThreshold: 'three' }), /^invalid --unhealthy-threshold "three"/],
    ['a negative --app-timeout', () => ({ appTimeout: '-5s' }), /^invalid --app-timeout "-5s"/],
    ['a bad --lb reference', () => ({ lb: 'web' }), /^invalid reference "web"/],
  ])('%s: exit 2, one line', async (_what, flags, message) => {
    const run = await audit(flags());
    expect(run.code).toBe(EXIT.usage);
    expect(run.error?.message).toMatch(message);
    expect(run.error?.message).not.toContain('\n');
  });

  it('a group that does not exist is exit 3', async () => {
    const run = await audit({ lb: 'elbv2:nope' });
    expect(run.code).toBe(EXIT.notFound);
  });
});
