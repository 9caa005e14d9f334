/** The lifecycle state machine on a fake clock: scale-in, hook waits, heartbeats, timeouts, completion, launch. */
import {
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  RecordLifecycleActionHeartbeatCommand,
  type AutoScalingClient,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstanceHealthCommand } from '@aws-sdk/client-elastic-load-balancing';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it, vi } from 'vitest';
import type { AwsEmulator, InstanceTerminated } from '../../../src/emulators/aws/index.js';
import { FakeClock, emulatorHarness, rejectionOf } from './helpers.js';
import { TOKEN_PATTERN, WEB_1, WEB_2, asgSeed, autoScalingClients } from './autoscaling-fixtures.js';

const h = emulatorHarness();
const asgClient = autoScalingClients();
const HOOK = { AutoScalingGroupName: 'web', LifecycleHookName: 'drain' };

async function setUp(hook: Parameters<typeof asgSeed>[0] = {}) {
  const clock = new FakeClock();
  const emulator = await h.start({ seed: asgSeed(hook), clock });
  const terminated: InstanceTerminated[] = [];
  emulator.onInstanceTerminated((e) => terminated.push(e));
  return { emulator, client: asgClient(emulator), clock, terminated };
}

async function stateOf(client: AutoScalingClient, instanceId: string): Promise<string | undefined> {
  const out = await client.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
  return out.AutoScalingInstances?.[0]?.LifecycleState;
}

async function desiredCapacity(client: AutoScalingClient): Promise<number | undefined> {
  const out = await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web'] }));
  return out.AutoScalingGroups?.[0]?.DesiredCapacity;
}

/** Lets queued listener calls run. */
const flush = () => new Promise((r) => setImmediate(r));

async function scaleInWeb1(emulator: AwsEmulator): Promise<string> {
  const token = await emulator.scaleIn('web', WEB_1);
  expect(token).toMatch(TOKEN_PATTERN);
  return token!;
}

describe('scale-in with a terminating hook', () => {
  it('deregisters from the attached target group and Classic load balancer first, then waits on the hook', async () => {
    const { emulator, client } = await setUp();
    await scaleInWeb1(emulator);
    const elbv2 = h.elbv2(emulator);
    const health = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: emulator.targetGroupArn('web'), Targets: [{ Id: WEB_1, Port: 80 }] }));
    expect(health.TargetHealthDescriptions?.[0]?.TargetHealth?.State).toBe('draining');
    const classic = await h.elb(emulator).send(new DescribeInstanceHealthCommand({ LoadBalancerName: 'legacy', Instances: [{ InstanceId: WEB_1 }] }));
    expect(classic.InstanceStates?.[0]?.Description).toBe('Instance deregistration currently in progress.');
    expect(await stateOf(client, WEB_1)).toBe('Terminating:Wait');
    expect(emulator.instanceLifecycleState(WEB_1)).toBe('Terminating:Wait');
    expect(await desiredCapacity(client)).toBe(2);
    // The other instances stay registered.
    const other = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: emulator.targetGroupArn('web'), Targets: [{ Id: WEB_2, Port: 80 }] }));
    expect(other.TargetHealthDescriptions?.[0]?.TargetHealth?.State).toBe('healthy');
  });

  it('CONTINUE ends the wait: Terminated, gone from the group, listener called; a second completion is refused', async () => {
    const { emulator, client, clock, terminated } = await setUp();
    const token = await scaleInWeb1(emulator);
    clock.advance(5000);
    await client.send(new CompleteLifecycleActionCommand({ ...HOOK, LifecycleActionToken: token, LifecycleActionResult: 'CONTINUE' }));
    await flush();
    expect(terminated).toEqual([{ instanceId: WEB_1, groupName: 'web', at: clock.now() }]);
    expect(emulator.instanceLifecycleState(WEB_1)).toBe('Terminated');
    expect(await stateOf(client, WEB_1)).toBeUndefined();
    const group = await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web'] }));
    expect(group.AutoScalingGroups![0]!.Instances!.map((i) => i.InstanceId)).not.toContain(WEB_1);
    expect(group.AutoScalingGroups![0]!.DesiredCapacity).toBe(2);

    const again = await rejectionOf(client.send(new CompleteLifecycleActionCommand({ ...HOOK, InstanceId: WEB_1, LifecycleActionResult: 'CONTINUE' })));
    expect(again.name).toBe('ValidationError');
    expect(again.message).toBe(`No active Lifecycle Action found with instance ID ${WEB_1}`);
    const byToken = await rejectionOf(client.send(new CompleteLifecycleActionCommand({ ...HOOK, LifecycleActionToken: token, LifecycleActionResult: 'CONTINUE' })));
    expect(byToken.message).toBe(`No active Lifecycle Action found with token ${token}`);
    expect(emulator.callCount({ action: 'CompleteLifecycleAction' })).toBe(3);
  });

  it('refuses a wrong token, a wrong instance and a wrong hook while the action waits', async () => {
    const { emulator, client } = await setUp();
    const token = await scaleInWeb1(emulator);
    const wrongToken = token.replace(/^.{8}/, '00000000');
    const cases = [
      { input: { ...HOOK, LifecycleActionToken: wrongToken }, message: `No active Lifecycle Action found with token ${wrongToken}` },
      { input: { ...HOOK, InstanceId: WEB_2 }, message: `No active Lifecycle Action found with instance ID ${WEB_2}` },
      { input: { ...HOOK, LifecycleHookName: 'other', InstanceId: WEB_1 }, message: `No active Lifecycle Action found with instance ID ${WEB_1}` },
      { input: { ...HOOK, LifecycleActionToken: token, InstanceId: WEB_2 }, message: `No active Lifecycle Action found with token ${token}` },
    ];
    for (const c of cases) {
      const err = await rejectionOf(client.send(new CompleteLifecycleActionCommand({ ...c.input, LifecycleActionResult: 'CONTINUE' })));
      expect(err.message).toBe(c.message);
    }
    expect(emulator.instanceLifecycleState(WEB_1)).toBe('Terminating:Wait');
    // By instance id alone works.
    await client.send(new CompleteLifecycleActionCommand({ ...HOOK, InstanceId: WEB_1, LifecycleActionResult: 'ABANDON' }));
    expect(emulator.instanceLifecycleState(WEB_1)).toBe('Terminated');
  });

  it('the heartbeat timeout applies the DefaultResult at the deadline', async () => {
    const { emulator, client, clock, terminated } = await setUp({ heartbeatTimeout: 300, defaultResult: 'CONTINUE' });
    const started = clock.now();
    await scaleInWeb1(emulator);
    clock.advance(299_999);
    expect(await stateOf(client, WEB_1)).toBe('Terminating:Wait');
    clock.advance(1);
    expect(await stateOf(client, WEB_1)).toBeUndefined();
    await flush();
    expect(terminated).toEqual([{ instanceId: WEB_1, groupName: 'web', at: started + 300_000 }]);
    const late = await rejectionOf(client.send(new CompleteLifecycleActionCommand({ ...HOOK, InstanceId: WEB_1, LifecycleActionResult: 'CONTINUE' })));
    expect(late.message).toBe(`No active Lifecycle Action found with instance ID ${WEB_1}`);
  });

  it('a heartbeat restarts the heartbeat timeout', async () => {
    const { emulator, client, clock } = await setUp({ heartbeatTimeout: 300 });
    const token = await scaleInWeb1(emulator);
    clock.advance(200_000);
    await client.send(new RecordLifecycleActionHeartbeatCommand({ ...HOOK, LifecycleActionToken: token }));
    clock.advance(299_000); // 499 s after the start: past the first deadline, before the new one
    expect(emulator.instanceLifecycleState(WEB_1)).toBe('Terminating:Wait');
    clock.advance(1000);
    expect(emulator.instanceLifecycleState(WEB_1)).toBe('Terminated');
  });

  it('heartbeats never extend past the global timeout (100 x the heartbeat timeout)', async () => {
    const { emulator, client, clock, terminated } = await setUp({ heartbeatTimeout: 30 });
    const started = clock.now();
    await scaleInWeb1(emulator);
    // Global timeout 3000 s; a heartbeat every 20 s keeps it alive until then and no longer.
    for (let t = 20; t < 3000; t += 20) {
      clock.advance(20_000);
      await client.send(new RecordLifecycleActionHeartbeatCommand({ ...HOOK, InstanceId: WEB_1 }));
    }
    expect(emulator.instanceLifecycleState(WEB_1)).toBe('Terminating:Wait');
    clock.advance(20_000);
    expect(emulator.instanceLifecycleState(WEB_1)).toBe('Terminated');
    await flush();
    expect(terminated[0]?.at).toBe(started + 3_000_000);
  });

  it('fires onInstanceTerminated from the deadline timer, with no request or admin call', async () => {
    const { emulator, clock, terminated } = await setUp({ heartbeatTimeout: 30 });
    // Only the timer functions are faked, after the server is listening, and no HTTP is made until they are real again.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await scaleInWeb1(emulator);
      clock.advance(30_000);
      vi.advanceTimersByTime(29_999);
      await flush();
      expect(terminated).toEqual([]);
      vi.advanceTimersByTime(1);
      await flush();
      expect(terminated.map((e) => e.instanceId)).toEqual([WEB_1]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('scale-in without a hook, and launch', () => {
  it('terminates at once when the group has no terminating hook', async () => {
    const { emulator, client, terminated } = await setUp();
    expect(await emulator.scaleIn('batch', 'i-0b000000000000001')).toBeUndefined();
    await flush();
    expect(terminated.map((e) => e.instanceId)).toEqual(['i-0b000000000000001']);
    expect(await stateOf(client, 'i-0b000000000000001')).toBeUndefined();
    await expect(emulator.scaleIn('web', 'i-0fffffffffffffff0')).rejects.toThrow(/has no instance i-0fffffffffffffff0/);
  });

  it('refuses to scale in below minSize', async () => {
    const { emulator } = await setUp();
    await emulator.scaleIn('web', WEB_1);
    await emulator.scaleIn('web', WEB_2);
    await expect(emulator.scaleIn('web', 'i-0a1b2c3d4e5f60003')).rejects.toThrow(/at its minSize \(1\)/);
  });

  it('launches through Pending:Wait and registers the instance when it goes InService', async () => {
    const clock = new FakeClock();
    const emulator = await h.start({
      clock,
      seed: {
        targetGroups: [{ name: 'web', port: 80 }],
        autoScalingGroups: [
          { name: 'web', minSize: 0, maxSize: 2, targetGroups: ['web'], lifecycleHooks: [{ name: 'warm', transition: 'autoscaling:EC2_INSTANCE_LAUNCHING', heartbeatTimeout: 60, defaultResult: 'CONTINUE' }] },
        ],
      },
    });
    const client = asgClient(emulator);
    const elbv2 = h.elbv2(emulator);
    const token = await emulator.launch('web', { id: WEB_1 });
    expect(token).toMatch(TOKEN_PATTERN);
    expect(await stateOf(client, WEB_1)).toBe('Pending:Wait');
    const listed = async () => (await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: emulator.targetGroupArn('web') }))).TargetHealthDescriptions ?? [];
    expect(await listed()).toEqual([]);
    await client.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'web', LifecycleHookName: 'warm', LifecycleActionToken: token!, LifecycleActionResult: 'CONTINUE' }));
    expect(await stateOf(client, WEB_1)).toBe('InService');
    expect((await listed()).map((d) => `${d.Target?.Id}:${d.Target?.Port} ${d.TargetHealth?.State}`)).toEqual([`${WEB_1}:80 initial`]);

    // A second launch times out into its DefaultResult (CONTINUE) and is registered at the deadline.
    await emulator.launch('web', { id: WEB_2 });
    clock.advance(60_000);
    expect((await listed()).map((d) => d.Target?.Id)).toEqual([WEB_1, WEB_2]);
    expect(await desiredCapacity(client)).toBe(2);
  });

  it('an abandoned launch terminates the instance and never registers it', async () => {
    const clock = new FakeClock();
    const emulator = await h.start({
      clock,
      seed: {
        targetGroups: [{ name: 'web', port: 80 }],
        autoScalingGroups: [{ name: 'web', minSize: 0, maxSize: 2, targetGroups: ['web'], lifecycleHooks: [{ name: 'warm', transition: 'autoscaling:EC2_INSTANCE_LAUNCHING' }] }],
      },
    });
    await emulator.launch('web', { id: WEB_1 });
    await asgClient(emulator).send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'web', LifecycleHookName: 'warm', InstanceId: WEB_1, LifecycleActionResult: 'ABANDON' }));
    expect(emulator.instanceLifecycleState(WEB_1)).toBe('Terminated');
    const health = await h.elbv2(emulator).send(new DescribeTargetHealthCommand({ TargetGroupArn: emulator.targetGroupArn('web') }));
    expect(health.TargetHealthDescriptions).toEqual([]);
  });
});
