import type { CallContext } from './call.js';
import type { Clock } from './clock.js';
import { isoTime } from './clock.js';
import type { EventSink } from './events.js';
import type { GroupWork } from './groups.js';
import { formatRef, type TargetRef } from './refs.js';
import type { PollPlan } from './schedule.js';
import type { TargetStatus } from './state.js';
import { type WaitOutcome, waitUntil } from './waiter.js';

/** How to watch one group until its targets settle. */
export interface ObserveOptions {
  readonly work: GroupWork;
  /** Concrete targets to watch (as the provider reported them). */
  readonly targets: readonly TargetRef[];
  readonly plan: PollPlan;
  readonly deadline: number;
  readonly isSettled: (status: TargetStatus) => boolean;
  /** Adjusts what the provider said before it is judged (the countdown for providers that show no progress). */
  readonly relabel?: (status: TargetStatus) => TargetStatus;
  /** Last statuses seen, keyed by reference text; updated in place so callers see the final view. */
  readonly lastSeen: Map<string, TargetStatus>;
  readonly emit: EventSink;
  /** Called when a target's state changes, for the ledger. */
  readonly onChange?: (status: TargetStatus, previous: TargetStatus | undefined) => void;
  readonly signal?: AbortSignal;
  /** The command's call context; each poll's describe gets it with the waiter's signal. */
  readonly call: CallContext;
  readonly clock: Clock;
  readonly random?: () => number;
  /** See WaitOptions.firstPollDelayMs. */
  readonly firstPollDelayMs?: number;
}

/** Polls one group with one batched describe per poll, emitting state changes, until every target settles. */
export async function observeGroup(options: ObserveOptions): Promise<WaitOutcome<readonly TargetStatus[]>> {
  const { work, emit } = options;
  return waitUntil<readonly TargetStatus[]>({
    poll: async (signal) => {
      const statuses = (await work.provider.describe(work.group, options.targets, { ...options.call, signal })).targets;
      return options.relabel ? statuses.map(options.relabel) : statuses;
    },
    isDone: (statuses) => statuses.every(options.isSettled),
    deadline: options.deadline,
    plan: options.plan,
    signal: options.signal,
    clock: options.clock,
    random: options.random,
    firstPollDelayMs: options.firstPollDelayMs,
    onPoll: (statuses, polls) => {
      for (const status of statuses) noteStatus(status, options);
      const pending = statuses.filter((s) => !options.isSettled(s)).map((s) => formatRef(s.ref));
      if (pending.length > 0) {
        const expected = options.plan.expectedDoneAt;
        emit({ type: 'waiting', group: work.groupText, polls, pending, expectedDoneAt: expected === undefined ? undefined : isoTime(expected) });
      }
    },
    onRetry: (error, delayMs) =>
      emit({ type: 'retry', group: work.groupText, reason: error.message, throttled: error.retryable === 'throttle', delayMs: Math.round(delayMs) }),
  });
}

/** Records a status and emits a target_state event when it differs from the last one seen. */
export function noteStatus(status: TargetStatus, options: Pick<ObserveOptions, 'lastSeen' | 'emit' | 'onChange'>): void {
  const key = formatRef(status.ref);
  const previous = options.lastSeen.get(key);
  options.lastSeen.set(key, status);
  if (previous && previous.state === status.state && previous.health === status.health && previous.inFlight === status.inFlight) return;
  options.emit({
    type: 'target_state',
    target: key,
    state: status.state,
    previous: previous?.state,
    health: status.health,
    raw: status.raw,
    inFlight: status.inFlight,
  });
  if (!previous || previous.state !== status.state) options.onChange?.(status, previous);
}
