import { HOOK_AWS_SETTINGS } from '../../providers/aws-asg/settings.js';
import { isDrainctlError } from '../../core/errors.js';
import { handleLifecycleAction, type LifecycleHookOptions, type LifecycleOutcome } from '../../core/lifecycle/handle.js';
import { parseNotification } from '../../core/lifecycle/notification.js';
import type { ConsumerEvent, ConsumerSummary, QueueMessage, Verdict } from '../../providers/aws-asg/queue/index.js';
import { createSqsClient } from '../../providers/aws-asg/sqs-client.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CommandResult } from '../render/output.js';

/**
 * `drainctl hook aws-asg --queue-url`: each message is one lifecycle notification, handled as
 * `--event` would handle it, and deleted only once its action is over (completed, already
 * ended, or nothing to do). What the consumer cannot act on is said per message, never fatal.
 */
export async function consumeLifecycleQueue(
  ctx: CommandContext,
  queueUrl: string,
  options: LifecycleHookOptions,
  settings: { readonly concurrency: number; readonly visibilityTimeoutSeconds: number; readonly waitTimeSeconds: number },
): Promise<CommandResult> {
  const { consumeQueue } = await import('../../providers/aws-asg/queue/index.js');
  const client = await createSqsClient(ctx.providerSettings(HOOK_AWS_SETTINGS), queueUrl);
  const tally = { completed: 0, already_done: 0, skipped: 0, busy: 0, unreadable: 0, failed: 0 };
  ctx.output.event({ type: 'lifecycle', phase: 'received', subject: 'queue', message: `consuming ${queueUrl} (${settings.concurrency} at once); stop with SIGTERM or Ctrl-C` });
  // Said the moment the stop is asked: the long poll under way may take its full wait to end,
  // and a terminal that went quiet for 20 s after Ctrl-C looks hung.
  const sayStopping = (): void =>
    ctx.output.event({ type: 'lifecycle', phase: 'released', subject: 'queue', message: `stop asked: no new messages; the long poll under way ends within ${settings.waitTimeSeconds}s and what it brings goes back on the queue; running actions give back their claims` });
  ctx.signal.addEventListener('abort', sayStopping, { once: true });
  let summary: ConsumerSummary;
  try {
    summary = await consumeQueue({
      queueUrl,
      client,
      concurrency: settings.concurrency,
      visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
      waitTimeSeconds: settings.waitTimeSeconds,
      signal: ctx.signal,
      handle: (message, signal) => handleMessage(ctx, message, { ...options, signal: AbortSignal.any([signal, ...(options.signal ? [options.signal] : [])]) }, tally),
      onEvent: (event) => reportQueueEvent(ctx, event),
    });
  } finally {
    ctx.signal.removeEventListener('abort', sayStopping);
    client.destroy();
  }
  const data = { queue_url: queueUrl, ...summary, actions: tally };
  const text = `stopped: ${summary.received} received, ${tally.completed} completed, ${tally.already_done} already done, ${tally.skipped} skipped, ${tally.busy} left to another consumer, ${tally.unreadable} unreadable, ${tally.failed} failed`;
  return { kind: 'hook', data, text, exitCode: EXIT.ok };
}

/** One message: its verdict for the queue, and a line saying what happened to it. */
async function handleMessage(ctx: CommandContext, message: QueueMessage, options: LifecycleHookOptions, tally: Record<string, number>): Promise<Verdict> {
  let notification;
  try {
    notification = parseNotification(message.body, `message ${message.id}`);
  } catch (error) {
    tally.unreadable!++;
    ctx.output.event({ type: 'lifecycle', phase: 'warning', subject: `message ${message.id}`, message: `${(error as Error).message}; left on the queue for its redrive policy (receive ${message.receiveCount})` });
    return 'leave';
  }
  let outcome: LifecycleOutcome;
  try {
    outcome = await handleLifecycleAction(notification, options);
  } catch (error) {
    // An unknown group or hook cannot succeed on a retry: said, and the message is let go.
    // Anything else (an API that failed, a configured target that is missing, a stop) may: it stays.
    const permanent = isDrainctlError(error) && (error.kind === 'not_found' || (error.kind === 'usage' && /hook .* is for /.test(error.message)));
    tally.failed!++;
    const what = error instanceof Error ? error.message : String(error);
    ctx.output.event({ type: 'lifecycle', phase: 'warning', subject: `message ${message.id}`, message: `${what}; ${permanent ? 'skipped (deleted): a retry cannot succeed' : 'left on the queue for another try'}` });
    return permanent ? 'done' : 'leave';
  }
  tally[outcome.status] = (tally[outcome.status] ?? 0) + 1;
  // Another consumer holds the action: its copy of the message is its to delete.
  return outcome.status === 'busy' ? 'leave' : 'done';
}

/** The queue's own events worth a line: failures and stops; per-message bookkeeping only with --debug. */
function reportQueueEvent(ctx: CommandContext, event: ConsumerEvent): void {
  switch (event.type) {
    case 'receive_failed':
      ctx.output.event({ type: 'lifecycle', phase: 'warning', subject: 'queue', message: `receive failed (try ${event.attempt}), retrying in ${Math.round(event.delayMs)}ms: ${event.error}` });
      return;
    case 'delete_failed':
    case 'visibility_extend_failed':
    case 'release_failed':
    case 'handler_failed':
      ctx.output.event({ type: 'lifecycle', phase: 'warning', subject: `message ${event.messageId}`, message: `${event.type.replace(/_/g, ' ')}: ${event.error}` });
      return;
    case 'unreadable':
      ctx.output.event({ type: 'lifecycle', phase: 'warning', subject: `message ${event.messageId ?? '(no id)'}`, message: `unreadable: ${event.reason}; left on the queue` });
      return;
    default:
      ctx.output.debug(`queue: ${JSON.stringify(event)}`);
  }
}
