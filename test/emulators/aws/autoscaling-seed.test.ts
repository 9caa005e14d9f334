import { describe, expect, it } from 'vitest';
import { parseSeed } from '../../../src/emulators/aws/index.js';
import { asgSeed } from './autoscaling-fixtures.js';

const group = (extra: Record<string, unknown>) => ({ autoScalingGroups: [{ name: 'g', minSize: 0, maxSize: 2, ...extra }] });
const hook = (extra: Record<string, unknown>) => group({ lifecycleHooks: [{ name: 'h', transition: 'autoscaling:EC2_INSTANCE_TERMINATING', ...extra }] });

describe('parseSeed: autoScalingGroups', () => {
  it('accepts the fixture seed and keeps older seeds unchanged', () => {
    expect(parseSeed(asgSeed()).autoScalingGroups?.map((g) => g.name)).toEqual(['web', 'batch']);
    expect(parseSeed({ targetGroups: [] })).not.toHaveProperty('autoScalingGroups');
  });

  it.each([
    ['an unknown field', group({ size: 1 }), 'seed: autoScalingGroups[0].size is not a known field'],
    ['a missing minSize', { autoScalingGroups: [{ name: 'g', maxSize: 1 }] }, 'seed: autoScalingGroups[0].minSize is required'],
    ['maxSize below minSize', group({ minSize: 3 }), 'seed: autoScalingGroups[0].maxSize must be at least minSize (3)'],
    ['a desired capacity other than the instance count', group({ desiredCapacity: 1 }), 'must equal the number of instances (0)'],
    ['a bad instance id', group({ instances: [{ id: 'web-1' }] }), 'seed: autoScalingGroups[0].instances[0].id must be an EC2 instance id'],
    ['an unseeded target group', group({ targetGroups: ['web'] }), 'seed: autoScalingGroups[0].targetGroups[0] names "web", which is not a seeded target group of target type instance'],
    ['an unseeded Classic load balancer', group({ loadBalancers: ['legacy'] }), 'names "legacy", which is not in classicLoadBalancers'],
    ['a heartbeat timeout under 30 s', hook({ heartbeatTimeout: 10 }), 'seed: autoScalingGroups[0].lifecycleHooks[0].heartbeatTimeout must be an integer 30-7200'],
    ['a bad default result', hook({ defaultResult: 'STOP' }), 'defaultResult must be one of CONTINUE, ABANDON'],
    ['a bad transition', hook({ transition: 'TERMINATING' }), 'transition must be one of autoscaling:EC2_INSTANCE_TERMINATING'],
    ['a bad queue URL', hook({ notificationQueueUrl: 'sqs://q' }), 'notificationQueueUrl must be an SQS queue URL'],
    [
      'two hooks on one transition',
      group({ lifecycleHooks: [{ name: 'a', transition: 'autoscaling:EC2_INSTANCE_TERMINATING' }, { name: 'b', transition: 'autoscaling:EC2_INSTANCE_TERMINATING' }] }),
      'the emulator supports one hook per transition',
    ],
    [
      'one instance in two groups',
      { autoScalingGroups: [{ name: 'a', minSize: 0, maxSize: 1, instances: [{ id: 'i-0a1b2c3d4e5f60001' }] }, { name: 'b', minSize: 0, maxSize: 1, instances: [{ id: 'i-0a1b2c3d4e5f60001' }] }] },
      'seed: autoScalingGroups[1].instances[0].id "i-0a1b2c3d4e5f60001" is already in autoScalingGroups[0].instances[0]',
    ],
  ])('rejects %s', (_case, json, message) => {
    expect(() => parseSeed(json)).toThrow(message);
  });
});
