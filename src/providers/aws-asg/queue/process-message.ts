import type { SQSClient } from '@aws-sdk/client-sqs';
import { systemClock } from '../../../core/clock.js';
import { RetryTracker } from '../../../core/retry.js';
import { errorText, type InFlightMessage } from './message.js';
import { deleteMessage } from './sqs-calls.js';
import type { ConsumerEvent, MessageHandler } from './types.js';
import { keepVisible } from './visibility.js';

/** Tries of one DeleteMessage in all; a delete that still fails leaves the message to come back. */
const DELETE_ATTEMPTS = 3;

export interface ProcessContext {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly handle: MessageHandler;
  readonly handlerSignal: AbortSignal;
  readonly visibilityTimeoutSeconds: number;
  readonly emit: (event: ConsumerEvent) => void;
}

/** How one message ended, for the summary. */
export type Outcome = 'deleted' | 'delete_failed' | 'left' | 'failed';

/**
 * Hands one message to the handler while keeping it hidden, then deletes it if and only if the
 * handler returned 'done'. Never throws: a handler that throws or returns anything else leaves
 * the message, which reappears after its visibility timeout.
 */
export async function processMessage(context: ProcessContext, inFlight: InFlightMessage, receivedAt: number): Promise<Outcome> {
  const { message, receiptHandle } = inFlight;
  const stopKeeping = keepVisible({ ...context, messageId: message.id, receiptHandle, timeoutSeconds: context.visibilityTimeoutSeconds, receivedAt });
  let verdict: unknown;
  let failure: string | undefined;
  try {
    verdict = await context.handle(message, context.handlerSignal);
    if (verdict !== 'done' && verdict !== 'leave') failure = `the handler returned ${JSON.stringify(verdict)}, not 'done' or 'leave'`;
  } catch (error) {
    failure = errorText(error);
  } finally {
    await stopKeeping();
  }
  if (failure !== undefined) {
    context.emit({ type: 'handler_failed', messageId: message.id, error: failure });
    context.emit({ type: 'left', messageId: message.id, reason: 'handler_failed' });
    return 'failed';
  }
  context.emit({ type: 'handled', messageId: message.id, verdict: verdict as 'done' | 'leave' });
  if (verdict === 'leave') {
    context.emit({ type: 'left', messageId: message.id, reason: 'verdict' });
    return 'left';
  }
  return deleteDone(context, message.id, receiptHandle);
}

/** Deletes a done message, retrying throttling and transient faults a few times; deletes run even while the consumer stops. */
async function deleteDone(context: ProcessContext, messageId: string, receiptHandle: string): Promise<Outcome> {
  const tracker = new RetryTracker({ group: context.queueUrl, attempts: DELETE_ATTEMPTS });
  for (;;) {
    try {
      await deleteMessage(context.client, context.queueUrl, receiptHandle);
      context.emit({ type: 'deleted', messageId });
      return 'deleted';
    } catch (error) {
      let delayMs: number;
      try {
        delayMs = tracker.next(error);
      } catch (final) {
        context.emit({ type: 'delete_failed', messageId, error: errorText(final) });
        return 'delete_failed';
      }
      await systemClock.sleep(delayMs);
    }
  }
}
