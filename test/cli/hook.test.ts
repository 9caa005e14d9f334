/**
 * `drainctl hook aws-asg --event` and the flags, as a script calls them, against the AWS emulator's
 * Auto Scaling: each way in completes an action once, and every bad input is one line, its exit
 * code, and no CompleteLifecycleAction (nothing is ever completed on guesswork).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from '../../src/emulators/aws/index.js';
import { endpointArgs, nonEmptyLines, runCli, scratchDir } from '../support/cli.js';

const [A, B, C] = ['i-0000000000000a001', 'i-0000000000000a002', 'i-0000000000000a003'];
const ASG = 'api-asg';
const HOOK = 'drain-on-scale-in';

let emulator: AwsEmulator;
let dir: string;
beforeEach(async () => {
  emulator = await startAwsEmulator({
    healthyAfterMs: 0,
    minHeartbeatTimeoutSeconds: 1,
    seed: {
      targetGroups: [{ name: 'api', port: 8080, attributes: { 'deregistration_delay.timeout_seconds': '1' }, targets: [{ id: A }, { id: B }, { id: C }] }],
      autoScalingGroups: [{ name: ASG, minSize: 1, maxSize: 3, instances: [{ id: A }, { id: B }, { id: C }], targetGroups: ['api'], lifecycleHooks: [{ name: HOOK, transition: 'autoscaling:EC2_INSTANCE_TERMINATING', heartbeatTimeout: 30 }] }],
    },
  });
  dir = scratchDir('drainctl-hook-');
});
afterEach(() => emulator.stop());

const hook = (args: string[], input?: string) => runCli([...endpointArgs(emulator.url), '--ledger', join(dir, 'ledger.db'), 'hook', 'aws-asg', ...args], { input, timeoutMs: 60_000 });
const completions = () => emulator.requestLog.filter((e) => e.action === 'CompleteLifecycleAction');

/** Scales `instance` in and returns the notification Auto Scaling would have sent (the emulator has no queue here). */
async function scaleIn(instance: string): Promise<{ body: string; token: string }> {
  const token = (await emulator.scaleIn(ASG, instance))!;
  return { body: emulator.notificationsSent().find((n) => n.body.includes(token))!.body, token };
}

describe('drainctl hook aws-asg: one action', () => {
  it('--event <file>: drains the instance, completes CONTINUE once, exit 0; the same notification again is already done', async () => {
    const { body, token } = await scaleIn(A);
    const file = join(dir, 'notification.json');
    writeFileSync(file, body);
    const run = await hook(['--event', file, '--no-scan'].concat([]), undefined);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^${ASG}/${A}: completed \\(CONTINUE\\): drained from 1 route\\n$`));
    expect(completions().map((e) => [e.params.LifecycleActionToken, e.params.LifecycleActionResult, e.status])).toEqual([[token, 'CONTINUE', 200]]);
    expect(emulator.instanceLifecycleState(A)).toBe('Terminated');

    const again = await runCli([...endpointArgs(emulator.url), '--ledger', join(dir, 'ledger.db'), '-o', 'json', 'hook', 'aws-asg', '--event', file], { timeoutMs: 60_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'already_done', result: 'CONTINUE' });
    expect(completions()).toHaveLength(1);
  });

  it('--event - reads an EventBridge event from standard input; the flags name an action by instance alone', async () => {
    const { body } = await scaleIn(A);
    const detail = JSON.parse(body) as Record<string, string>;
    const event = { version: '0', id: 'e', 'detail-type': 'EC2 Instance-terminate Lifecycle Action', source: 'aws.autoscaling', account: '123456789012', time: detail.Time, region: 'us-east-1', resources: [], detail };
    const run = await hook(['--event', '-', '--no-scan'], JSON.stringify(event));
    expect(run.code, run.stderr).toBe(0);

    await scaleIn(B);
    const byFlags = await hook(['--asg', ASG, '--hook', HOOK, '--instance', B, '--no-scan']);
    expect(byFlags.code, byFlags.stderr).toBe(0);
    expect(completions().map((e) => [e.params.InstanceId ?? e.params.LifecycleActionToken?.slice(0, 0), e.status])).toEqual([['', 200], [B, 200]]);
  });

  it.each([
    [[], 2, /^drainctl: say which lifecycle action to handle: --event <file\|->, --queue-url <url>, or --asg, --hook and --instance;/],
    [['--event', '-', '--queue-url', 'https://sqs.us-east-1.amazonaws.com/123456789012/q'], 2, /^drainctl: --event and --queue-url cannot be used together;/],
    [['--asg', ASG, '--hook', HOOK], 2, /^drainctl: an action named by flags needs --instance too;/],
    [['--asg', ASG, '--hook', HOOK, '--instance', 'web-1'], 2, /^drainctl: invalid --instance "web-1": not an EC2 instance ID;/],
    [['--queue-url', 'sqs://nope'], 2, /^drainctl: invalid --queue-url "sqs:\/\/nope": not an SQS queue URL;/],
    [['--asg', ASG, '--hook', 'nope', '--instance', A], 3, /^drainctl: Auto Scaling group api-asg has no lifecycle hook nope \(hooks: drain-on-scale-in\); list them with: aws autoscaling describe-lifecycle-hooks/],
    [['--asg', 'nope-asg', '--hook', HOOK, '--instance', A], 3, /^drainctl: Auto Scaling group nope-asg not found in us-east-1;/],
  ])('bad flags %j: one line, exit %i, nothing completed', async (args, code, line) => {
    await scaleIn(A);
    const run = await hook(args as string[]);
    expect(run.code, run.stderr).toBe(code);
    expect(nonEmptyLines(run.stderr)[0]).toMatch(line);
    expect(completions()).toEqual([]);
  });

  it.each([
    ['not JSON', 'oops', /^drainctl: the notification is not JSON;/],
    ['missing fields', JSON.stringify({ AutoScalingGroupName: ASG, LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' }), /^drainctl: the notification is missing LifecycleHookName, EC2InstanceId;/],
  ])('a notification that is %s: exit 2, nothing completed', async (_what, body, line) => {
    await scaleIn(A);
    const run = await hook(['--event', '-'], body);
    expect(run.code).toBe(2);
    expect(nonEmptyLines(run.stderr)[0]).toMatch(line);
    expect(completions()).toEqual([]);
  });

  it('a token for an action that already ended: exit 0, said so, and no completion sent', async () => {
    const { body } = await scaleIn(A);
    await emulator.scaleIn(ASG, B); // another action, left alone
    const first = await hook(['--event', '-', '--no-scan'], body);
    expect(first.code).toBe(0);
    // The ledger of another machine knows nothing: the action is found ended at Auto Scaling.
    const elsewhere = await runCli([...endpointArgs(emulator.url), '--ledger', join(dir, 'other.db'), 'hook', 'aws-asg', '--event', '-', '--no-scan'], { input: body, timeoutMs: 60_000 });
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    expect(elsewhere.stdout).toMatch(/already done: the instance is (no longer in the group|Terminated[^:]*): its lifecycle action already ended/);
    expect(completions()).toHaveLength(1);
  });

  it('a hook section with an unknown key, and a configured HAProxy socket nobody listens on: one line, no completion', async () => {
    const { body } = await scaleIn(A);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'hook:\n  target:\n    - "haproxy:/run/x.sock/be/{id}"\n');
    const unknown = await runCli([...endpointArgs(emulator.url), '--config', bad, '--ledger', join(dir, 'ledger.db'), 'hook', 'aws-asg', '--event', '-'], { input: body, timeoutMs: 60_000 });
    expect(unknown.code).toBe(2);
    expect(nonEmptyLines(unknown.stderr)[0]).toBe(`drainctl: unknown key "target" in ${bad}:2 (the hook section); known keys there: targets, scan, scan-cache, app-status-url, app-drain, on-failure, concurrency (docs/configuration.md)`);

    const unreachable = join(dir, 'unreachable.yaml');
    writeFileSync(unreachable, `hook:\n  targets:\n    - "haproxy:${join(dir, 'nobody.sock')}/be_app/{id}"\n`);
    const run = await runCli([...endpointArgs(emulator.url), '--config', unreachable, '--ledger', join(dir, 'ledger.db'), 'hook', 'aws-asg', '--event', '-', '--no-scan'], { input: body, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(1);
    // Said as it happened (the claim given back), then once as the command's error.
    expect(nonEmptyLines(run.stderr).filter((l) => l.startsWith('drainctl: ')), run.stderr).toEqual([expect.stringMatching(/^drainctl: HAProxy runtime API at .*nobody\.sock: no such socket/)]);
    expect(run.stderr).toMatch(/not completed: HAProxy runtime API at .*nobody\.sock/);
    expect(completions()).toEqual([]);
  });
});

describe('drainctl hook aws-asg: a launch', () => {
  it('puts back where drainctl drained the instance (from the ledger), waits until healthy, then CONTINUE', async () => {
    await emulator.stop();
    const [D, E] = ['i-0000000000000b001', 'i-0000000000000b002'];
    emulator = await startAwsEmulator({
      healthyAfterMs: 300,
      seed: {
        targetGroups: [
          { name: 'web', port: 8080, targets: [{ id: E }] },
          { name: 'ecs-tasks', port: 9090, attributes: { 'deregistration_delay.timeout_seconds': '0' }, targets: [{ id: D, port: 9091 }, { id: E }] },
        ],
        autoScalingGroups: [{ name: 'web-asg', minSize: 1, maxSize: 3, instances: [{ id: E }], targetGroups: ['web'], lifecycleHooks: [{ name: 'warm-up', transition: 'autoscaling:EC2_INSTANCE_LAUNCHING', heartbeatTimeout: 60 }] }],
      },
    });
    const ledger = ['--ledger', join(dir, 'ledger.db')];
    // Drained earlier (before the instance went to the warm pool, say): recorded with its port.
    const drained = await runCli([...endpointArgs(emulator.url), ...ledger, 'drain', `elbv2:ecs-tasks/${D}`], { timeoutMs: 60_000 });
    expect(drained.code, drained.stderr).toBe(0);
    const token = (await emulator.launch('web-asg', { id: D }))!;
    const body = emulator.notificationsSent().find((n) => n.body.includes(token))!.body;
    const run = await runCli([...endpointArgs(emulator.url), ...ledger, '-o', 'json', 'hook', 'aws-asg', '--event', '-'], { input: body, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'completed', result: 'CONTINUE', results: [{ target: `elbv2:ecs-tasks/${D}:9091`, outcome: 'restored' }] });
    expect(emulator.instanceLifecycleState(D)).toBe('InService');
    const registrations = emulator.requestLog.filter((e) => e.action === 'RegisterTargets').map((e) => e.params['Targets.member.1.Port']);
    expect(registrations).toEqual(['9091']); // as recorded, on its own port
  });
});

describe('drainctl hook aws-asg: an ip target group', () => {
  it('finds the instance by its private address (EC2 DescribeInstances) in an ip target group nobody attached, and drains it there too', async () => {
    await emulator.stop();
    const [F, G] = ['i-0000000000000d001', 'i-0000000000000d002'];
    emulator = await startAwsEmulator({
      healthyAfterMs: 0,
      seed: {
        targetGroups: [
          { name: 'web', port: 8080, attributes: { 'deregistration_delay.timeout_seconds': '1' }, targets: [{ id: F }, { id: G }] },
          { name: 'tasks-ip', port: 9000, targetType: 'ip', attributes: { 'deregistration_delay.timeout_seconds': '1' }, targets: [{ id: '10.0.1.11' }, { id: '10.0.1.12' }] },
        ],
        autoScalingGroups: [{ name: 'web-asg', minSize: 1, maxSize: 2, instances: [{ id: F, privateIp: '10.0.1.11' }, { id: G, privateIp: '10.0.1.12' }], targetGroups: ['web'], lifecycleHooks: [{ name: 'drain', transition: 'autoscaling:EC2_INSTANCE_TERMINATING', heartbeatTimeout: 60 }] }],
      },
    });
    const token = (await emulator.scaleIn('web-asg', F))!;
    const body = emulator.notificationsSent().find((n) => n.body.includes(token))!.body;
    const run = await runCli([...endpointArgs(emulator.url), '--ledger', join(dir, 'ledger.db'), '-o', 'json', 'hook', 'aws-asg', '--event', '-'], { input: body, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { routes: { found: string[] }; results: { target: string; outcome: string }[] };
    expect(result.routes.found).toEqual([expect.stringMatching(/targetgroup\/tasks-ip\/[0-9a-f]+\/10\.0\.1\.11:9000$/)]);
    expect(result.results.find((r) => r.target === 'elbv2:tasks-ip/10.0.1.11:9000')).toMatchObject({ outcome: 'drained' });
    expect(emulator.requestLog.filter((e) => e.action === 'DescribeInstances').map((e) => e.params['InstanceId.1'])).toEqual([F]);
  });
});
