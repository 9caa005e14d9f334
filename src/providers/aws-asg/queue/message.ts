import type { Message } from '@aws-sdk/client-sqs';
import type { QueueMessage } from './types.js';

/** A received message the consumer can hand on and later delete. */
export interface InFlightMessage {
  readonly message: QueueMessage;
  readonly receiptHandle: string;
}

/**
 * The handler's view of an SQS message, or a reason it cannot be had: without an id, a receipt
 * handle or a body the consumer could neither name, delete nor hand it on. SQS always sends all
 * three; this guards against a broken endpoint, not against bodies the handler cannot read.
 */
export function inFlightMessage(raw: Message): InFlightMessage | { readonly unreadable: string } {
  if (!raw.MessageId) return { unreadable: 'no MessageId' };
  if (!raw.ReceiptHandle) return { unreadable: 'no ReceiptHandle' };
  if (raw.Body === undefined) return { unreadable: 'no Body' };
  const count = Number(raw.Attributes?.ApproximateReceiveCount);
  const sent = Number(raw.Attributes?.SentTimestamp);
  return {
    receiptHandle: raw.ReceiptHandle,
    message: {
      id: raw.MessageId,
      body: raw.Body,
      // Asked for on every receive; a missing count can only mean a first delivery.
      receiveCount: Number.isInteger(count) && count > 0 ? count : 1,
      ...(Number.isFinite(sent) && sent > 0 ? { sentAt: new Date(sent).toISOString() } : {}),
    },
  };
}

/** An error as one line for an event, whatever was thrown. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
