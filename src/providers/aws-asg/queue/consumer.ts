import { systemClock } from '../../../core/clock.js';
import { RetryTracker } from '../../../core/retry.js';
import { errorText, inFlightMessage } from './message.js';
import { type Outcome, type ProcessContext, processMessage } from './process-message.js';
import { type ConsumerSettings, consumerSettings } from './settings.js';
import { changeVisibility, receiveMessages } from './sqs-calls.js';
import type { ConsumerEvent, ConsumerOptions, ConsumerSummary } from './types.js';

/**
 * Consumes an SQS queue until `options.signal` fires: long-polls for as many messages as there
 * are free handler slots (never more than 10, SQS's limit), hands each to `options.handle` while keeping it hidden, and deletes
 * exactly the messages whose handler returned 'done'. Receive failures SQS may get over
 * (throttling, 5xx, a dropped connection) are retried with capped, jittered backoff; any other
 * (no such queue, access denied) stops the consumer, which waits for running handlers and then
 * rejects with that DrainctlError. Knows nothing of what a message means.
 */
export async function consumeQueue(options: ConsumerOptions): Promise<ConsumerSummary> {
  return new QueueConsumer(options, consumerSettings(options)).run();
}

/** The mutable side of one consumer's life: its counts and its running handlers. */
class QueueConsumer {
  private readonly summary = { received: 0, done: 0, left: 0, failed: 0, deleted: 0, deleteFailed: 0, released: 0 };
  private readonly running = new Set<Promise<void>>();
  private slotFreed: (() => void) | undefined;
  private readonly process: ProcessContext;
  /** The stop or the hard stop, whichever comes first: a hard stop alone still stops. */
  private readonly stopSignal: AbortSignal;

  constructor(
    private readonly options: ConsumerOptions,
    private readonly settings: ConsumerSettings,
  ) {
    this.process = {
      client: options.client,
      queueUrl: options.queueUrl,
      handle: options.handle,
      handlerSignal: options.abortHandlers ?? new AbortController().signal,
      visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
      emit: this.emit,
    };
    this.stopSignal = AbortSignal.any([options.signal, this.process.handlerSignal]);
  }

  private stopping(): boolean {
    return this.stopSignal.aborted;
  }

  async run(): Promise<ConsumerSummary> {
    let fatal: unknown;
    try {
      await this.receiveUntilStopped();
    } catch (error) {
      fatal = error;
    }
    if (this.stopping()) this.emit({ type: 'stopping', running: this.running.size });
    // Handlers never reject (processMessage catches everything), so this waits for all of them.
    await Promise.all(this.running);
    const summary = { ...this.summary };
    this.emit({ type: 'stopped', summary });
    if (fatal !== undefined) throw fatal;
    return summary;
  }

  /**
   * The receive loop; throws the first receive error that retrying cannot cure. The poll in flight
   * is not cut by the stop signal: SQS may already have taken messages for it, and a cut poll
   * would hide them for a whole visibility timeout and count a receive against the redrive policy
   * for nothing. Only the hard stop cuts it.
   */
  private async receiveUntilStopped(): Promise<void> {
    const { queueUrl, client } = this.options;
    const signal = this.stopSignal;
    const { concurrency, visibilityTimeoutSeconds, waitTimeSeconds } = this.settings;
    const tracker = new RetryTracker({
      group: queueUrl,
      onRetry: (e) => this.emit({ type: 'receive_failed', error: e.reason, retryable: e.retryable, attempt: e.attempt, delayMs: e.delayMs }),
    });
    while (!this.stopping()) {
      await this.slotFree(signal);
      if (this.stopping()) return;
      try {
        const messages = await receiveMessages(client, queueUrl, concurrency - this.running.size, visibilityTimeoutSeconds, waitTimeSeconds, this.process.handlerSignal);
        tracker.succeeded();
        const receivedAt = Date.now();
        const received = messages.map(inFlightMessage);
        if (this.stopping()) await Promise.all(received.map((m) => this.release(m)));
        else for (const m of received) this.start(m, receivedAt);
      } catch (error) {
        if (this.stopping()) return;
        await systemClock.sleep(tracker.next(error), signal).catch(() => undefined);
      }
    }
  }

  /** Makes a message the stopping consumer will not handle visible again at once, so another consumer need not wait out its timeout. */
  private async release(received: ReturnType<typeof inFlightMessage>): Promise<void> {
    this.summary.received += 1;
    if ('unreadable' in received) return this.unreadable(received.unreadable);
    this.summary.released += 1;
    const messageId = received.message.id;
    try {
      await changeVisibility(this.options.client, this.options.queueUrl, received.receiptHandle, 0);
      this.emit({ type: 'released', messageId });
    } catch (error) {
      this.emit({ type: 'release_failed', messageId, error: errorText(error) });
    }
  }

  /** Resolves when fewer than `concurrency` handlers run, or when the consumer is stopped. */
  private async slotFree(signal: AbortSignal): Promise<void> {
    while (this.running.size >= this.settings.concurrency && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.slotFreed = wake;
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  }

  private start(received: ReturnType<typeof inFlightMessage>, receivedAt: number): void {
    this.summary.received += 1;
    if ('unreadable' in received) return this.unreadable(received.unreadable);
    const { message } = received;
    this.emit({ type: 'received', messageId: message.id, receiveCount: message.receiveCount, sentAt: message.sentAt });
    const task = processMessage(this.process, received, receivedAt).then((outcome) => {
      this.count(outcome);
      this.running.delete(task);
      this.slotFreed?.();
    });
    this.running.add(task);
  }

  /** Nothing to hand on or delete: SQS shows it again after the visibility timeout. */
  private unreadable(reason: string): void {
    this.summary.left += 1;
    this.emit({ type: 'unreadable', messageId: undefined, reason });
  }

  private count(outcome: Outcome): void {
    const s = this.summary;
    if (outcome === 'deleted' || outcome === 'delete_failed') s.done += 1;
    if (outcome === 'deleted') s.deleted += 1;
    if (outcome === 'delete_failed') s.deleteFailed += 1;
    if (outcome === 'left' || outcome === 'failed') s.left += 1;
    if (outcome === 'failed') s.failed += 1;
  }

  /** Hands an event to the caller; a renderer that throws must not stop the consumer. */
  private readonly emit = (event: ConsumerEvent): void => {
    try {
      this.options.onEvent?.(event);
    } catch {
      // The caller's renderer failed; the queue's work goes on.
    }
  };
}
