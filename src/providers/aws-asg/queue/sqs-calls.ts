import { ChangeMessageVisibilityCommand, DeleteMessageCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DrainctlError } from '../../../core/errors.js';
import { toDrainctlError } from '../../aws/errors.js';

/**
 * The three SQS calls the consumer makes, each mapping its errors to a DrainctlError that names
 * the queue and says whether another try is worth it.
 */

/** SQS's own names for throttling, which the shared AWS mapping does not know. OverLimit is the in-flight cap (120,000): it clears as messages are deleted. */
const SQS_THROTTLE_NAMES = new Set(['OverLimit', 'KmsThrottled', 'RequestThrottled']);
/** The JSON protocol names the missing queue QueueDoesNotExist; the query protocol AWS.SimpleQueueService.NonExistentQueue. */
const QUEUE_MISSING_NAMES = ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'];

function sqsError(error: unknown, what: string, queueUrl: string, signal?: AbortSignal): DrainctlError {
  const name = (error as { name?: string } | undefined)?.name ?? '';
  if (SQS_THROTTLE_NAMES.has(name)) {
    return new DrainctlError('provider', `${what}: throttled by SQS (${name}: ${(error as Error).message})`, { retryable: 'throttle', cause: error, details: { awsError: name } });
  }
  const missing = `SQS queue ${queueUrl} does not exist`;
  return toDrainctlError(error, {
    what,
    signal,
    notFound: Object.fromEntries(QUEUE_MISSING_NAMES.map((n) => [n, missing])),
    notFoundHint: 'check the queue URL, and that the region and credentials are those of the account that owns the queue',
  });
}

/** One long poll for at most `max` messages (1 to 10), with the attributes the consumer reports; `signal` cuts it. */
export async function receiveMessages(client: SQSClient, queueUrl: string, max: number, visibilityTimeoutSeconds: number, waitTimeSeconds: number, signal: AbortSignal): Promise<Message[]> {
  const command = new ReceiveMessageCommand({
    QueueUrl: queueUrl,
    MaxNumberOfMessages: Math.min(10, max),
    VisibilityTimeout: visibilityTimeoutSeconds,
    WaitTimeSeconds: waitTimeSeconds,
    MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
  });
  try {
    const output = await client.send(command, { abortSignal: signal });
    return output.Messages ?? [];
  } catch (error) {
    throw sqsError(error, `receive messages from ${queueUrl}`, queueUrl, signal);
  }
}

export async function deleteMessage(client: SQSClient, queueUrl: string, receiptHandle: string): Promise<void> {
  try {
    await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
  } catch (error) {
    throw sqsError(error, `delete a message from ${queueUrl}`, queueUrl);
  }
}

/** Sets the message's visibility timeout to `seconds` from now (0: visible to every consumer at once). */
export async function changeVisibility(client: SQSClient, queueUrl: string, receiptHandle: string, seconds: number, signal?: AbortSignal): Promise<void> {
  try {
    await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }), { abortSignal: signal });
  } catch (error) {
    throw sqsError(error, `change a message's visibility in ${queueUrl}`, queueUrl, signal);
  }
}
