import { describe, expect, it } from 'vitest';
import { parseNotification } from '../../src/core/lifecycle/notification.js';

// The message Auto Scaling sends to an SQS queue or SNS topic (AWS docs, "Configure a notification target for lifecycle notifications").
const SQS_BODY = {
  Origin: 'AutoScalingGroup',
  LifecycleHookName: 'my-lifecycle-hook',
  Destination: 'EC2',
  AccountId: '123456789012',
  RequestId: '4d6d4bf6-1b87-4d9d-9c4b-1d2a3ec3e5f7',
  LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
  AutoScalingGroupName: 'my-asg',
  Service: 'AWS Auto Scaling',
  Time: '2021-01-19T00:36:26.533Z',
  EC2InstanceId: 'i-1234567890abcdef0',
  LifecycleActionToken: '71514b9d-6a40-4b26-8523-05e7eEXAMPLE',
  NotificationMetadata: 'additional-info',
};
// The same action as EventBridge delivers it (AWS docs, "EC2 Instance-terminate Lifecycle Action").
const EVENTBRIDGE = {
  version: '0',
  id: '468fe059-f4b7-445f-bb22-2a3c6EXAMPLE',
  'detail-type': 'EC2 Instance-terminate Lifecycle Action',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2021-01-13T00:12:37.214Z',
  region: 'us-west-2',
  resources: ['arn:aws:autoscaling:us-west-2:123456789012:autoScalingGroup:042cba90-ad2f-431c-9b4d-6d9055bcc9fb:autoScalingGroupName/my-asg'],
  detail: {
    LifecycleActionToken: '71514b9d-6a40-4b26-8523-05e7eEXAMPLE',
    AutoScalingGroupName: 'my-asg',
    LifecycleHookName: 'my-lifecycle-hook',
    EC2InstanceId: 'i-1234567890abcdef0',
    LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
    NotificationMetadata: 'additional-info',
    Origin: 'AutoScalingGroup',
    Destination: 'EC2',
  },
};
const ACTION = {
  autoScalingGroupName: 'my-asg',
  lifecycleHookName: 'my-lifecycle-hook',
  instanceId: 'i-1234567890abcdef0',
  token: '71514b9d-6a40-4b26-8523-05e7eEXAMPLE',
  transition: 'autoscaling:EC2_INSTANCE_TERMINATING',
  metadata: 'additional-info',
};

describe('parseNotification', () => {
  it('reads the SQS body, the same body in an SNS envelope, and the EventBridge event alike', () => {
    expect(parseNotification(JSON.stringify(SQS_BODY))).toEqual({ kind: 'action', format: 'sqs', move: undefined, action: { ...ACTION, sentAt: '2021-01-19T00:36:26.533Z' } });
    const sns = { Type: 'Notification', MessageId: 'm', TopicArn: 'arn:aws:sns:us-east-1:123456789012:hooks', Message: JSON.stringify(SQS_BODY), Timestamp: '2021-01-19T00:36:27Z' };
    expect(parseNotification(JSON.stringify(sns))).toMatchObject({ kind: 'action', format: 'sns', action: ACTION });
    expect(parseNotification(JSON.stringify(EVENTBRIDGE))).toEqual({ kind: 'action', format: 'eventbridge', move: undefined, action: { ...ACTION, sentAt: '2021-01-13T00:12:37.214Z' } });
  });

  it('knows the test notification, and warm-pool moves by their origin and destination', () => {
    const test = { AccountId: '123456789012', RequestId: 'r', AutoScalingGroupARN: 'arn', AutoScalingGroupName: 'my-asg', Service: 'AWS Auto Scaling', Event: 'autoscaling:TEST_NOTIFICATION', Time: '2021-01-19T00:35:52.359Z' };
    expect(parseNotification(JSON.stringify(test))).toEqual({ kind: 'test', format: 'sqs', autoScalingGroupName: 'my-asg' });
    expect(parseNotification(JSON.stringify({ ...SQS_BODY, Origin: 'AutoScalingGroup', Destination: 'WarmPool' }))).toMatchObject({ move: { origin: 'AutoScalingGroup', destination: 'WarmPool' } });
  });

  it('refuses what it would have to guess at, in one line naming what is wrong', () => {
    expect(() => parseNotification('not json')).toThrow('the notification is not JSON');
    expect(() => parseNotification('[1]')).toThrow('the notification is not a JSON object');
    const { EC2InstanceId: _, LifecycleHookName: __, ...partial } = SQS_BODY;
    expect(() => parseNotification(JSON.stringify(partial))).toThrow('the notification is missing LifecycleHookName, EC2InstanceId');
    expect(() => parseNotification(JSON.stringify({ ...EVENTBRIDGE, 'detail-type': 'EC2 Instance Launch Successful' }))).toThrow('the notification is an EventBridge event of type "EC2 Instance Launch Successful", not a lifecycle action');
    expect(() => parseNotification(JSON.stringify({ Type: 'Notification', Message: '{"x":1}' }))).toThrow('the Message of the SNS envelope in the notification is missing AutoScalingGroupName');
  });
});
