import { usageError } from '../errors.js';
import type { LifecycleAction } from './ports.js';

/**
 * Reads one lifecycle notification in any of the shapes it reaches drainctl in: the message
 * body Auto Scaling sends to an SQS queue or SNS topic, that body inside an SNS envelope (an SQS
 * queue subscribed to the topic), or an EventBridge event ("EC2 Instance-terminate Lifecycle
 * Action"). What is not one of them is refused in one line: no completion is ever sent for a
 * notification drainctl had to guess at.
 */

export type NotificationFormat = 'sqs' | 'sns' | 'eventbridge';

/** Where a warm-pool transition moves the instance (absent for plain scale-in and scale-out). */
export interface WarmPoolMove {
  readonly origin: string;
  readonly destination: string;
}

export type Notification =
  | { readonly kind: 'action'; readonly action: LifecycleAction; readonly format: NotificationFormat; readonly move: WarmPoolMove | undefined }
  | { readonly kind: 'test'; readonly format: NotificationFormat; readonly autoScalingGroupName: string | undefined };

const EVENTBRIDGE_DETAIL_TYPES = ['EC2 Instance-terminate Lifecycle Action', 'EC2 Instance-launch Lifecycle Action'];
const TEST_EVENT = 'autoscaling:TEST_NOTIFICATION';

/** Parses the text of one notification; throws a usage error naming what is wrong. */
export function parseNotification(text: string, source = 'the notification'): Notification {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw usageError(`${source} is not JSON`, 'pass the lifecycle notification as Auto Scaling, SNS or EventBridge delivers it');
  }
  if (!isObject(value)) throw usageError(`${source} is not a JSON object`, 'pass the lifecycle notification as Auto Scaling, SNS or EventBridge delivers it');
  if (value.Type === 'Notification' && typeof value.Message === 'string') {
    const inner = parseNotification(value.Message, `the Message of the SNS envelope in ${source}`);
    return { ...inner, format: 'sns' };
  }
  if (typeof value['detail-type'] === 'string') return fromEventBridge(value, source);
  return fromBody(value, 'sqs', source);
}

function fromEventBridge(event: Record<string, unknown>, source: string): Notification {
  const type = event['detail-type'] as string;
  if (!EVENTBRIDGE_DETAIL_TYPES.includes(type)) {
    throw usageError(`${source} is an EventBridge event of type "${type}", not a lifecycle action`, `route only ${EVENTBRIDGE_DETAIL_TYPES.map((t) => `"${t}"`).join(' and ')} events from source aws.autoscaling to drainctl`);
  }
  if (!isObject(event.detail)) throw usageError(`${source} has no "detail" object`, 'pass the EventBridge event as delivered');
  const parsed = fromBody(event.detail, 'eventbridge', `the detail of ${source}`);
  if (parsed.kind === 'action' && parsed.action.sentAt === undefined && typeof event.time === 'string') {
    return { ...parsed, action: { ...parsed.action, sentAt: event.time } };
  }
  return parsed;
}

function fromBody(body: Record<string, unknown>, format: NotificationFormat, source: string): Notification {
  if (body.Event === TEST_EVENT) return { kind: 'test', format, autoScalingGroupName: optionalString(body, 'AutoScalingGroupName') };
  const missing = ['AutoScalingGroupName', 'LifecycleHookName', 'EC2InstanceId', 'LifecycleTransition'].filter((key) => typeof body[key] !== 'string' || body[key] === '');
  if (missing.length > 0) {
    throw usageError(`${source} is missing ${missing.join(', ')}`, 'a lifecycle notification names the group, the hook, the instance and the transition; check what delivers it');
  }
  const action: LifecycleAction = {
    autoScalingGroupName: body.AutoScalingGroupName as string,
    lifecycleHookName: body.LifecycleHookName as string,
    instanceId: body.EC2InstanceId as string,
    token: optionalString(body, 'LifecycleActionToken'),
    transition: body.LifecycleTransition as string,
    ...(optionalString(body, 'NotificationMetadata') !== undefined && { metadata: optionalString(body, 'NotificationMetadata') }),
    ...(optionalString(body, 'Time') !== undefined && { sentAt: optionalString(body, 'Time') }),
  };
  return { kind: 'action', action, format, move: warmPoolMove(body) };
}

/** Plain scale-in and scale-out go between EC2 and the group; anything involving the warm pool says so. */
function warmPoolMove(body: Record<string, unknown>): WarmPoolMove | undefined {
  const origin = optionalString(body, 'Origin');
  const destination = optionalString(body, 'Destination');
  if (origin === undefined || destination === undefined) return undefined;
  return origin === 'WarmPool' || destination === 'WarmPool' ? { origin, destination } : undefined;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
