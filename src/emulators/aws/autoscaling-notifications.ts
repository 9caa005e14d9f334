/**
 * Lifecycle notifications as Auto Scaling sends them straight to an SQS queue (not through
 * EventBridge or SNS): the JSON message bodies, and SQS SendMessage in the JSON protocol over fetch.
 */
import { randomUUID } from 'node:crypto';
import type { AutoScalingGroup, StartedAction } from './autoscaling-groups.js';
import { TERMINATING } from './autoscaling-groups.js';

/** One message the emulator tried to send. */
export interface NotificationRecord {
  readonly queueUrl: string;
  /** The exact MessageBody. */
  readonly body: string;
  readonly delivered: boolean;
  /** The MessageId SQS gave, when delivered. */
  readonly messageId?: string;
  /** Why it was not delivered. */
  readonly error?: string;
}

interface Sender {
  readonly region: string;
  readonly accountId: string;
}

/** The body of a lifecycle action notification; key order and fields as Auto Scaling sends them. */
export function lifecycleMessage(started: StartedAction, accountId: string, now: number): string {
  const { action, group, instanceId } = started;
  const terminating = action.hook.transition === TERMINATING;
  return JSON.stringify({
    Origin: terminating ? 'AutoScalingGroup' : 'EC2',
    LifecycleHookName: action.hook.name,
    Destination: terminating ? 'EC2' : 'AutoScalingGroup',
    AccountId: accountId,
    RequestId: randomUUID(),
    LifecycleTransition: action.hook.transition,
    AutoScalingGroupName: group.name,
    Service: 'AWS Auto Scaling',
    Time: new Date(now).toISOString(),
    EC2InstanceId: instanceId,
    LifecycleActionToken: action.token,
    ...(action.hook.notificationMetadata === undefined ? {} : { NotificationMetadata: action.hook.notificationMetadata }),
  });
}

/** The body of the test message AWS sends when a hook's notification target is set. */
export function testNotificationMessage(group: AutoScalingGroup, accountId: string, now: number): string {
  return JSON.stringify({
    AccountId: accountId,
    RequestId: randomUUID(),
    AutoScalingGroupARN: group.arn,
    AutoScalingGroupName: group.name,
    Service: 'AWS Auto Scaling',
    Event: 'autoscaling:TEST_NOTIFICATION',
    Time: new Date(now).toISOString(),
  });
}

/**
 * Sends `body` to the queue with SQS's JSON protocol. The Authorization header only looks like
 * SigV4 (local SQS servers such as moto read the region from it and check nothing else).
 * Failures are recorded, never thrown: AWS does not tell the group when a notification is lost.
 */
export async function sendToQueue(queueUrl: string, body: string, sender: Sender): Promise<NotificationRecord> {
  const date = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  try {
    const res = await fetch(`${new URL(queueUrl).origin}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.SendMessage',
        'x-amz-date': date,
        authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${date.slice(0, 8)}/${sender.region}/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=0`,
      },
      body: JSON.stringify({ QueueUrl: queueUrl, MessageBody: body }),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    if (!res.ok) return { queueUrl, body, delivered: false, error: `SQS answered ${res.status}: ${text.slice(0, 300)}` };
    const messageId = (JSON.parse(text) as { MessageId?: string }).MessageId;
    return { queueUrl, body, delivered: true, ...(messageId ? { messageId } : {}) };
  } catch (err) {
    return { queueUrl, body, delivered: false, error: (err as Error).message };
  }
}
