import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Retryable } from '../../../core/errors.js';

/** One SQS message as a handler sees it: no receipt handle, so a handler cannot delete behind the consumer's back. */
export interface QueueMessage {
  readonly id: string;
  readonly body: string;
  /** ApproximateReceiveCount: 1 on the first delivery. */
  readonly receiveCount: number;
  /** SentTimestamp as ISO 8601, when SQS said. */
  readonly sentAt?: string;
}

/** done: delete the message. leave: keep it; it reappears after its visibility timeout and the queue's redrive policy applies. */
export type Verdict = 'done' | 'leave';

/** A handler: reads the message, acts, and says whether the message is finished with. */
export type MessageHandler = (message: QueueMessage, signal: AbortSignal) => Promise<Verdict>;

/** How to run a consumer. Only queueUrl, client, handle and signal are required. */
export interface ConsumerOptions {
  readonly queueUrl: string;
  /** Created by the caller, with its region, credentials and endpoint. */
  readonly client: SQSClient;
  readonly handle: MessageHandler;
  /** Messages handled at once: 1 to 100, default 10. */
  readonly concurrency?: number;
  /** What ReceiveMessage asks for, 1 to 43200 s, default 60; extended at half of it while a handler runs. */
  readonly visibilityTimeoutSeconds?: number;
  /** Long polling, 1 to 20 s, default 20. */
  readonly waitTimeSeconds?: number;
  /**
   * Stops the consumer: the long poll in flight is allowed to end (at most waitTimeSeconds) and
   * whatever it brings is released at once, no new poll starts, running handlers finish, and
   * nothing not done is deleted.
   */
  readonly signal: AbortSignal;
  /**
   * The hard stop (for instance a second Ctrl-C): cuts the poll in flight and aborts the signal
   * handed to running handlers; the consumer still waits for them to return. A poll cut this way
   * may have taken messages the consumer never sees: they reappear after their visibility timeout.
   */
  readonly abortHandlers?: AbortSignal;
  readonly onEvent?: (event: ConsumerEvent) => void;
}

/** What the consumer did, for the CLI to render. Errors are messages as SQS gave them; no event carries credentials. */
export type ConsumerEvent =
  | { readonly type: 'received'; readonly messageId: string; readonly receiveCount: number; readonly sentAt: string | undefined }
  | { readonly type: 'handled'; readonly messageId: string; readonly verdict: Verdict }
  | { readonly type: 'handler_failed'; readonly messageId: string; readonly error: string }
  | { readonly type: 'deleted'; readonly messageId: string }
  | { readonly type: 'delete_failed'; readonly messageId: string; readonly error: string }
  | { readonly type: 'left'; readonly messageId: string; readonly reason: 'verdict' | 'handler_failed' }
  | { readonly type: 'visibility_extended'; readonly messageId: string; readonly timeoutSeconds: number }
  | { readonly type: 'visibility_extend_failed'; readonly messageId: string; readonly error: string; readonly willRetry: boolean }
  | {
      readonly type: 'receive_failed';
      readonly error: string;
      readonly retryable: Retryable;
      /** Failures in a row, this one included. */
      readonly attempt: number;
      readonly delayMs: number;
    }
  /** Received by the poll that was in flight when the consumer was stopped, and made visible again without being handled. */
  | { readonly type: 'released'; readonly messageId: string }
  | { readonly type: 'release_failed'; readonly messageId: string; readonly error: string }
  | { readonly type: 'unreadable'; readonly messageId: string | undefined; readonly reason: string }
  | { readonly type: 'stopping'; readonly running: number }
  | { readonly type: 'stopped'; readonly summary: ConsumerSummary };

/** Counts over the consumer's life. */
export interface ConsumerSummary {
  readonly received: number;
  /** Handlers that returned 'done'. */
  readonly done: number;
  /** Messages not deleted: the handler said 'leave' or threw. */
  readonly left: number;
  /** Handlers that threw (counted in `left` too). */
  readonly failed: number;
  readonly deleted: number;
  /** 'done' messages whose deletion failed (they come back; the handler must cope with a repeat). */
  readonly deleteFailed: number;
  /** Received while stopping and made visible again unhandled (or left to reappear when that failed). */
  readonly released: number;
}
