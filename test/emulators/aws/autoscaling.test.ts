import {
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  DescribeLoadBalancerTargetGroupsCommand,
  DescribeLoadBalancersCommand,
  DescribeTrafficSourcesCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { FakeClock, emulatorHarness, postForm, rejectionOf } from './helpers.js';
import { TOKEN_PATTERN, WEB_1, WEB_2, WEB_3, asgSeed, autoScalingClients } from './autoscaling-fixtures.js';

const h = emulatorHarness();
const asgClient = autoScalingClients();

async function setUp() {
  const clock = new FakeClock();
  const emulator = await h.start({ seed: asgSeed(), clock });
  return { emulator, client: asgClient(emulator), clock };
}

describe('DescribeAutoScalingGroups', () => {
  it('describes a group with its instances, attachments and sizes', async () => {
    const { emulator, client, clock } = await setUp();
    const out = await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web'] }));
    expect(out.AutoScalingGroups).toHaveLength(1);
    const group = out.AutoScalingGroups![0]!;
    expect(group).toMatchObject({
      AutoScalingGroupName: 'web',
      AutoScalingGroupARN: emulator.autoScalingGroupArn('web'),
      MinSize: 1,
      MaxSize: 5,
      DesiredCapacity: 3,
      DefaultCooldown: 300,
      HealthCheckType: 'EC2',
      AvailabilityZones: ['us-east-1a', 'us-east-1b'],
      LoadBalancerNames: ['legacy'],
      TargetGroupARNs: [emulator.targetGroupArn('web')],
      TrafficSources: [
        { Identifier: emulator.targetGroupArn('web'), Type: 'elbv2' },
        { Identifier: 'legacy', Type: 'elb' },
      ],
    });
    expect(group.CreatedTime).toEqual(new Date(clock.now()));
    expect(group.AutoScalingGroupARN).toMatch(/^arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:[0-9a-f-]{36}:autoScalingGroupName\/web$/);
    expect(group.Instances).toEqual([
      { InstanceId: WEB_1, AvailabilityZone: 'us-east-1a', LifecycleState: 'InService', HealthStatus: 'Healthy', ProtectedFromScaleIn: false },
      { InstanceId: WEB_2, AvailabilityZone: 'us-east-1b', LifecycleState: 'InService', HealthStatus: 'Healthy', ProtectedFromScaleIn: false },
      { InstanceId: WEB_3, AvailabilityZone: 'us-east-1a', LifecycleState: 'InService', HealthStatus: 'Healthy', ProtectedFromScaleIn: false },
    ]);
  });

  it('lists every group by name without a filter, leaves unknown names out, and pages with NextToken', async () => {
    const { client } = await setUp();
    const all = await client.send(new DescribeAutoScalingGroupsCommand({}));
    expect(all.AutoScalingGroups!.map((g) => g.AutoScalingGroupName)).toEqual(['batch', 'web']);
    expect(all.NextToken).toBeUndefined();
    const none = await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['nope'] }));
    expect(none.AutoScalingGroups).toEqual([]);

    const first = await client.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 1 }));
    expect(first.AutoScalingGroups!.map((g) => g.AutoScalingGroupName)).toEqual(['batch']);
    expect(first.NextToken).toEqual(expect.any(String));
    const second = await client.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 1, NextToken: first.NextToken }));
    expect(second.AutoScalingGroups!.map((g) => g.AutoScalingGroupName)).toEqual(['web']);
    expect(second.NextToken).toBeUndefined();
  });

  it('refuses a bad NextToken and a MaxRecords over the model maximum', async () => {
    const { client } = await setUp();
    const token = await rejectionOf(client.send(new DescribeAutoScalingGroupsCommand({ NextToken: 'bogus' })));
    expect(token.name).toBe('InvalidNextToken');
    expect(token.$metadata.httpStatusCode).toBe(400);
    const records = await rejectionOf(client.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 101 })));
    expect(records.name).toBe('ValidationError');
    expect(records.message).toBe("1 validation error detected: Value '101' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100");
  });
});

describe('DescribeAutoScalingInstances', () => {
  it('describes the asked instances with their group and state, ignoring unknown ids', async () => {
    const { client } = await setUp();
    const out = await client.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [WEB_2, 'i-0ffffffffffffffff'] }));
    expect(out.AutoScalingInstances).toEqual([
      { InstanceId: WEB_2, AutoScalingGroupName: 'web', AvailabilityZone: 'us-east-1b', LifecycleState: 'InService', HealthStatus: 'HEALTHY', ProtectedFromScaleIn: false },
    ]);
  });

  it('lists every instance when no ids are given, paging by MaxRecords', async () => {
    const { client } = await setUp();
    const first = await client.send(new DescribeAutoScalingInstancesCommand({ MaxRecords: 3 }));
    expect(first.AutoScalingInstances!.map((i) => i.InstanceId)).toEqual([WEB_1, WEB_2, WEB_3]);
    const rest = await client.send(new DescribeAutoScalingInstancesCommand({ MaxRecords: 3, NextToken: first.NextToken }));
    expect(rest.AutoScalingInstances!.map((i) => `${i.InstanceId} ${i.AutoScalingGroupName}`)).toEqual(['i-0b000000000000001 batch']);
    expect(rest.NextToken).toBeUndefined();
    const over = await rejectionOf(client.send(new DescribeAutoScalingInstancesCommand({ MaxRecords: 51 })));
    expect(over.name).toBe('ValidationError');
  });
});

describe('DescribeLifecycleHooks', () => {
  it('describes the hook with GlobalTimeout = min(172800, 100 x HeartbeatTimeout)', async () => {
    const { client } = await setUp();
    const out = await client.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'web' }));
    expect(out.LifecycleHooks).toEqual([
      {
        LifecycleHookName: 'drain',
        AutoScalingGroupName: 'web',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        NotificationMetadata: '{"drain":"web"}',
        HeartbeatTimeout: 300,
        GlobalTimeout: 30000,
        DefaultResult: 'ABANDON',
      },
    ]);
    const named = await client.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'web', LifecycleHookNames: ['other'] }));
    expect(named.LifecycleHooks).toEqual([]);
    expect((await client.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'batch' }))).LifecycleHooks).toEqual([]);
  });

  it('caps GlobalTimeout at 48 hours and defaults to 3600 s and ABANDON', async () => {
    const emulator = await h.start({
      seed: { autoScalingGroups: [{ name: 'g', minSize: 0, maxSize: 1, lifecycleHooks: [{ name: 'h', transition: 'autoscaling:EC2_INSTANCE_TERMINATING' }] }] },
    });
    const out = await asgClient(emulator).send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'g' }));
    expect(out.LifecycleHooks![0]).toMatchObject({ HeartbeatTimeout: 3600, GlobalTimeout: 172800, DefaultResult: 'ABANDON' });
  });

  it('answers an unknown group with the ValidationError AWS words', async () => {
    const { client } = await setUp();
    const err = await rejectionOf(client.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'gone' })));
    expect(err.name).toBe('ValidationError');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toBe('AutoScalingGroup name not found - AutoScalingGroup gone not found');
  });
});

describe('attached load balancers', () => {
  it('DescribeTrafficSources lists target groups as elbv2 and Classic load balancers as elb, filtered by type', async () => {
    const { emulator, client } = await setUp();
    const arn = emulator.targetGroupArn('web');
    const all = await client.send(new DescribeTrafficSourcesCommand({ AutoScalingGroupName: 'web' }));
    expect(all.TrafficSources).toEqual([
      { TrafficSource: arn, Identifier: arn, Type: 'elbv2', State: 'InService' },
      { TrafficSource: 'legacy', Identifier: 'legacy', Type: 'elb', State: 'InService' },
    ]);
    const elb = await client.send(new DescribeTrafficSourcesCommand({ AutoScalingGroupName: 'web', TrafficSourceType: 'elb' }));
    expect(elb.TrafficSources!.map((s) => s.Identifier)).toEqual(['legacy']);
    const paged = await client.send(new DescribeTrafficSourcesCommand({ AutoScalingGroupName: 'web', MaxRecords: 1 }));
    expect(paged.TrafficSources!.map((s) => s.Type)).toEqual(['elbv2']);
    const next = await client.send(new DescribeTrafficSourcesCommand({ AutoScalingGroupName: 'web', MaxRecords: 1, NextToken: paged.NextToken }));
    expect(next.TrafficSources!.map((s) => s.Type)).toEqual(['elb']);
  });

  it('DescribeLoadBalancerTargetGroups and DescribeLoadBalancers, the older calls', async () => {
    const { emulator, client } = await setUp();
    const tgs = await client.send(new DescribeLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: 'web' }));
    expect(tgs.LoadBalancerTargetGroups).toEqual([{ LoadBalancerTargetGroupARN: emulator.targetGroupArn('web'), State: 'InService' }]);
    const lbs = await client.send(new DescribeLoadBalancersCommand({ AutoScalingGroupName: 'web' }));
    expect(lbs.LoadBalancers).toEqual([{ LoadBalancerName: 'legacy', State: 'InService' }]);
    const missing = await rejectionOf(client.send(new DescribeLoadBalancersCommand({ AutoScalingGroupName: 'gone' })));
    expect(missing.message).toBe('AutoScalingGroup name not found - AutoScalingGroup gone not found');
  });

  it('denies DescribeTrafficSources with AccessDenied when faults.deniedActions names it, and the older call still works', async () => {
    const emulator = await h.start({ seed: asgSeed(), faults: { deniedActions: ['DescribeTrafficSources'] } });
    const client = asgClient(emulator);
    const err = await rejectionOf(client.send(new DescribeTrafficSourcesCommand({ AutoScalingGroupName: 'web' })));
    expect(err.name).toBe('AccessDenied');
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(err.message).toContain('is not authorized to perform: autoscaling:DescribeTrafficSources');
    const tgs = await client.send(new DescribeLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: 'web' }));
    expect(tgs.LoadBalancerTargetGroups).toHaveLength(1);
    expect(emulator.requestLog.map((e) => `${e.service} ${e.action} ${e.status}`)).toEqual(['autoscaling DescribeTrafficSources 403', 'autoscaling DescribeLoadBalancerTargetGroups 200']);
  });
});

describe('lifecycle action calls', () => {
  it('validates the request before looking for an action', async () => {
    const { client } = await setUp();
    const neither = await rejectionOf(client.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'web', LifecycleHookName: 'drain', LifecycleActionResult: 'CONTINUE' })));
    expect(neither.name).toBe('ValidationError');
    const shortToken = await rejectionOf(
      client.send(new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: 'web', LifecycleHookName: 'drain', LifecycleActionToken: 'abc' })),
    );
    expect(shortToken.message).toBe("1 validation error detected: Value 'abc' at 'lifecycleActionToken' failed to satisfy constraint: Member must have length greater than or equal to 36");
    const result = await rejectionOf(
      client.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'web', LifecycleHookName: 'drain', LifecycleActionResult: 'MAYBE', InstanceId: WEB_1 })),
    );
    expect(result.name).toBe('ValidationError');
    const group = await rejectionOf(
      client.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'gone', LifecycleHookName: 'drain', LifecycleActionResult: 'CONTINUE', InstanceId: WEB_1 })),
    );
    expect(group.message).toBe('AutoScalingGroup name not found - AutoScalingGroup gone not found');
  });

  it('answers "No active Lifecycle Action found" for an instance that is not waiting, by instance and by token', async () => {
    const { client } = await setUp();
    const byInstance = await rejectionOf(
      client.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'web', LifecycleHookName: 'drain', LifecycleActionResult: 'CONTINUE', InstanceId: WEB_1 })),
    );
    expect(byInstance.name).toBe('ValidationError');
    expect(byInstance.message).toBe(`No active Lifecycle Action found with instance ID ${WEB_1}`);
    const token = '11111111-2222-3333-4444-555555555555';
    expect(token).toMatch(TOKEN_PATTERN);
    const byToken = await rejectionOf(client.send(new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: 'web', LifecycleHookName: 'drain', LifecycleActionToken: token })));
    expect(byToken.message).toBe(`No active Lifecycle Action found with token ${token}`);
  });

  it('logs Auto Scaling calls under service autoscaling, with the lifecycle calls as mutating', async () => {
    const { emulator, client } = await setUp();
    await client.send(new DescribeAutoScalingGroupsCommand({}));
    await rejectionOf(client.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'web', LifecycleHookName: 'drain', LifecycleActionResult: 'CONTINUE', InstanceId: WEB_1 })));
    await rejectionOf(client.send(new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: 'web', LifecycleHookName: 'drain', InstanceId: WEB_1 })));
    expect(emulator.requestLog.map((e) => `${e.service} ${e.action} ${e.mutating}`)).toEqual([
      'autoscaling DescribeAutoScalingGroups false',
      'autoscaling CompleteLifecycleAction true',
      'autoscaling RecordLifecycleActionHeartbeat true',
    ]);
    expect(emulator.callCount({ service: 'autoscaling', action: 'CompleteLifecycleAction' })).toBe(1);
  });

  it('is not throttled, and answers an unknown Version naming all three APIs', async () => {
    const { emulator, client } = await setUp();
    for (let i = 0; i < 60; i++) await client.send(new DescribeAutoScalingInstancesCommand({}));
    expect(emulator.requestLog.every((e) => e.status === 200)).toBe(true);
    const res = await postForm(emulator.url, { Action: 'DescribeAutoScalingGroups', Version: '2010-01-01' });
    expect(res.body).toContain("The requested version 2010-01-01 is not one of this endpoint's APIs (ELBv2 2015-12-01, Classic ELB 2012-06-01, Auto Scaling 2011-01-01, EC2 2016-11-15).");
  });
});
