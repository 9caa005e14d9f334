import { DescribeInstanceHealthCommand } from '@aws-sdk/client-elastic-load-balancing';
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { isMutatingAction, type AwsSeed } from '../../../src/emulators/aws/index.js';
import { FakeClock, emulatorHarness, rejectionOf } from './helpers.js';

const seed: AwsSeed = {
  targetGroups: [{ name: 'web', port: 80 }],
  classicLoadBalancers: [{ name: 'legacy-web' }],
};

const h = emulatorHarness();

describe('request log', () => {
  it('records each request with its decoded params, outcome and mutating flag', async () => {
    const clock = new FakeClock();
    const emulator = await h.start({ seed, clock });
    const client = h.elbv2(emulator);
    const arn = emulator.targetGroupArn('web');
    const target = { Id: 'i-0a1b2c3d4e5f60001', Port: 8080 };

    await client.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [target] }));
    clock.advance(250);
    await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: [target] }));
    await client.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [target] }));
    await client.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: 'stickiness.enabled', Value: 'true' }] }));
    await rejectionOf(client.send(new DescribeTargetGroupsCommand({ Names: ['missing'] })));
    await h.elb(emulator).send(new DescribeInstanceHealthCommand({ LoadBalancerName: 'legacy-web' }));

    const start = clock.now() - 250;
    expect(emulator.requestLog).toEqual([
      {
        seq: 1,
        at: start,
        service: 'elbv2',
        action: 'RegisterTargets',
        params: { Action: 'RegisterTargets', Version: '2015-12-01', TargetGroupArn: arn, 'Targets.member.1.Id': target.Id, 'Targets.member.1.Port': '8080' },
        status: 200,
        mutating: true,
      },
      expect.objectContaining({ seq: 2, at: start + 250, action: 'DescribeTargetHealth', status: 200, mutating: false }),
      expect.objectContaining({ seq: 3, action: 'DeregisterTargets', mutating: true }),
      expect.objectContaining({
        seq: 4,
        action: 'ModifyTargetGroupAttributes',
        params: expect.objectContaining({ 'Attributes.member.1.Key': 'stickiness.enabled', 'Attributes.member.1.Value': 'true' }),
        mutating: true,
      }),
      expect.objectContaining({ seq: 5, action: 'DescribeTargetGroups', status: 400, errorCode: 'TargetGroupNotFound', mutating: false }),
      expect.objectContaining({ seq: 6, service: 'elb', action: 'DescribeInstanceHealth', status: 200, mutating: false }),
    ]);
    expect(emulator.mutatingCalls().map((e) => e.action)).toEqual(['RegisterTargets', 'DeregisterTargets', 'ModifyTargetGroupAttributes']);
    expect(emulator.callCount()).toBe(6);
    expect(emulator.callCount({ action: 'DescribeTargetHealth' })).toBe(1);
    expect(emulator.callCount({ service: 'elb' })).toBe(1);
    expect(emulator.callCount({ service: 'elbv2', action: 'DescribeInstanceHealth' })).toBe(0);

    emulator.clearLog();
    expect(emulator.requestLog).toEqual([]);
    await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    expect(emulator.requestLog.map((e) => e.seq)).toEqual([7]);
  });

  it('classes actions as mutating by their verb', () => {
    const mutating = ['RegisterTargets', 'DeregisterInstancesFromLoadBalancer', 'ModifyTargetGroupAttributes', 'CreateTargetGroup', 'DeleteLoadBalancer', 'AddTags', 'RemoveTags', 'SetSubnets'];
    const reading = ['DescribeTargetHealth', 'DescribeLoadBalancers', 'DescribeTags'];
    expect(mutating.filter((a) => !isMutatingAction(a))).toEqual([]);
    expect(reading.filter(isMutatingAction)).toEqual([]);
  });
});
