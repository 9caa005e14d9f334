/** The real AWS CLI (botocore's own serializer and parser) against the emulator's Auto Scaling API. */
import { describe, expect, it } from 'vitest';
import { awsCli, haveAwsCli } from './aws-cli.js';
import { FakeClock, emulatorHarness } from './helpers.js';
import { WEB_1, asgSeed } from './autoscaling-fixtures.js';

const haveCli = haveAwsCli();
const aws = awsCli;

const h = emulatorHarness();
const HOOK = ['--auto-scaling-group-name', 'web', '--lifecycle-hook-name', 'drain'];

describe.skipIf(!haveCli)('AWS CLI against the emulator: autoscaling', () => {
  it('describe-auto-scaling-instances, record-lifecycle-action-heartbeat, complete-lifecycle-action, then the ended-action error', async () => {
    const clock = new FakeClock();
    const emulator = await h.start({ seed: asgSeed({ heartbeatTimeout: 300 }), clock });
    const token = await emulator.scaleIn('web', WEB_1);

    const described = await aws(emulator, ['autoscaling', 'describe-auto-scaling-instances', '--instance-ids', WEB_1]);
    expect(described.stderr).toBe('');
    expect(JSON.parse(described.stdout)).toEqual({
      AutoScalingInstances: [{ InstanceId: WEB_1, AutoScalingGroupName: 'web', AvailabilityZone: 'us-east-1a', LifecycleState: 'Terminating:Wait', HealthStatus: 'HEALTHY', ProtectedFromScaleIn: false }],
    });

    clock.advance(250_000);
    const beat = await aws(emulator, ['autoscaling', 'record-lifecycle-action-heartbeat', ...HOOK, '--lifecycle-action-token', token!]);
    expect(beat.stderr).toBe('');
    expect(beat.code).toBe(0);
    clock.advance(250_000); // past the first deadline: only the heartbeat keeps it waiting
    expect(emulator.instanceLifecycleState(WEB_1)).toBe('Terminating:Wait');

    const done = await aws(emulator, ['autoscaling', 'complete-lifecycle-action', ...HOOK, '--instance-id', WEB_1, '--lifecycle-action-result', 'CONTINUE']);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(emulator.instanceLifecycleState(WEB_1)).toBe('Terminated');

    const again = await aws(emulator, ['autoscaling', 'complete-lifecycle-action', ...HOOK, '--instance-id', WEB_1, '--lifecycle-action-result', 'CONTINUE']);
    expect(again.code).toBe(255);
    expect(again.stderr).toContain(`An error occurred (ValidationError) when calling the CompleteLifecycleAction operation: No active Lifecycle Action found with instance ID ${WEB_1}`);
    expect(emulator.requestLog.map((e) => `${e.service} ${e.action} ${e.status}`)).toEqual([
      'autoscaling DescribeAutoScalingInstances 200',
      'autoscaling RecordLifecycleActionHeartbeat 200',
      'autoscaling CompleteLifecycleAction 200',
      'autoscaling CompleteLifecycleAction 400',
    ]);
  }, 90_000);

  it('describe-auto-scaling-groups and describe-traffic-sources parse with botocore', async () => {
    const emulator = await h.start({ seed: asgSeed() });
    const groups = await aws(emulator, ['autoscaling', 'describe-auto-scaling-groups', '--auto-scaling-group-names', 'web']);
    expect(groups.stderr).toBe('');
    const group = JSON.parse(groups.stdout).AutoScalingGroups[0];
    expect(group).toMatchObject({ AutoScalingGroupName: 'web', DesiredCapacity: 3, TargetGroupARNs: [emulator.targetGroupArn('web')] });
    expect(group.CreatedTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    const sources = await aws(emulator, ['autoscaling', 'describe-traffic-sources', '--auto-scaling-group-name', 'web', '--traffic-source-type', 'elb']);
    expect(JSON.parse(sources.stdout)).toEqual({ TrafficSources: [{ TrafficSource: 'legacy', State: 'InService', Identifier: 'legacy', Type: 'elb' }] });
  }, 60_000);
});
