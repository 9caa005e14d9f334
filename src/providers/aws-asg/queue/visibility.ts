import type { SQSClient } from '@aws-sdk/client-sqs';
import { isDrainctlError } from '../../../core/errors.js';
import { changeVisibility } from './sqs-calls.js';
import type { ConsumerEvent } from './types.js';

export interface VisibilityKeeperOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly timeoutSeconds: number;
  /** When the receive that hid the message returned (epoch ms): the hiding started a little before. */
  readonly receivedAt: number;
  readonly emit: (event: ConsumerEvent) => void;
}

/** Stops extending; resolves once no timer is set and no extension call is in flight. */
export type StopKeeping = () => Promise<void>;

/**
 * Keeps one message hidden from other consumers while its handler runs: at half of the visibility
 * timeout it asks SQS for a fresh full timeout, and again at half of that. Half leaves a whole
 * half-timeout for a slow or throttled call before the message would reappear. A failed
 * extension is announced and, if the call may succeed later and the message is still hidden,
 * tried again at half of the time left; a receipt handle SQS no longer accepts ends the extending
 * (the handler goes on; its deletion will fail and be reported).
 */
export function keepVisible(options: VisibilityKeeperOptions): StopKeeping {
  const timeoutMs = options.timeoutSeconds * 1000;
  const aborter = new AbortController();
  let hiddenUntil = options.receivedAt + timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let stopped = false;

  const schedule = (delayMs: number): void => {
    if (!stopped) timer = setTimeout(extend, Math.max(0, delayMs));
  };
  const extend = (): void => {
    timer = undefined;
    const askedAt = Date.now();
    inFlight = changeVisibility(options.client, options.queueUrl, options.receiptHandle, options.timeoutSeconds, aborter.signal).then(
      () => {
        if (stopped) return;
        hiddenUntil = askedAt + timeoutMs;
        options.emit({ type: 'visibility_extended', messageId: options.messageId, timeoutSeconds: options.timeoutSeconds });
        schedule(timeoutMs / 2);
      },
      (error: unknown) => {
        if (stopped) return;
        const left = hiddenUntil - Date.now();
        const willRetry = isDrainctlError(error) && error.retryable !== undefined && left > 0;
        options.emit({ type: 'visibility_extend_failed', messageId: options.messageId, error: (error as Error).message, willRetry });
        if (willRetry) schedule(left / 2);
      },
    );
  };

  schedule(timeoutMs / 2 - (Date.now() - options.receivedAt));
  return async () => {
    stopped = true;
    clearTimeout(timer);
    aborter.abort();
    await inFlight;
  };
}
