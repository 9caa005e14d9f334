import { isoTime } from './clock.js';
import type { DrainctlError } from './errors.js';
import type { EventSink } from './events.js';
import { formatRef } from './refs.js';
import type { RetryPolicy } from './retry.js';
import type { PollPlan } from './schedule.js';
import type { TargetStatus } from './state.js';
import { type WaitOutcome, waitUntil } from './waiter.js';
import type { Clock } from './clock.js';

/**
 * What drainctl has seen of a group's targets, and when. Its final view never reports a state
 * that was not observed: where the last try to look failed, a target is 'unknown', with what
 * was last seen and when in its description.
 */
export class Observation {
  private readonly statuses = new Map<string, TargetStatus>();
  private readonly seenAt = new Map<string, number>();
  private readonly announced = new Set<string>();
  /** Set when the last look failed (the wait ran out or was cut while the provider was not answering). */
  failure: DrainctlError | undefined;

  /**
   * @param initial what the inspection saw; with `announced`, its states count as already
   *   reported, so only changes are announced (drain); without, the first look announces each target.
   */
  constructor(initial: readonly TargetStatus[], at: number, announced: boolean) {
    for (const status of initial) {
      const key = formatRef(status.ref);
      this.statuses.set(key, status);
      this.seenAt.set(key, at);
      if (announced) this.announced.add(key);
    }
  }

  get(key: string): TargetStatus | undefined {
    return this.statuses.get(key);
  }

  /** Every target as last seen (not yet adjusted for a failed last look). */
  seen(): TargetStatus[] {
    return [...this.statuses.values()];
  }

  /** Records a status, announcing it with a target_state event when it differs from the last one seen. */
  note(status: TargetStatus, at: number, emit: EventSink, onChange?: (status: TargetStatus, previous: TargetStatus | undefined) => void): void {
    const key = formatRef(status.ref);
    const previous = this.announced.has(key) ? this.statuses.get(key) : undefined;
    this.statuses.set(key, status);
    this.seenAt.set(key, at);
    this.announced.add(key);
    if (previous && previous.state === status.state && previous.health === status.health && previous.inFlight === status.inFlight) return;
    emit({ type: 'target_state', target: key, state: status.state, previous: previous?.state, health: status.health, raw: status.raw, inFlight: status.inFlight });
    if (!previous || previous.state !== status.state) onChange?.(status, previous);
  }

  /** "last seen draining at 2026-…Z": what is known of a target, and how old it is. */
  lastSeen(status: TargetStatus): string {
    const at = this.seenAt.get(formatRef(status.ref));
    return `last seen ${status.state}${at === undefined ? '' : ` at ${isoTime(at)}`}`;
  }

  /**
   * Judges every target again by the clock alone (a countdown that has ended), announcing what
   * changes, without asking the provider: it shows nothing more for a countdown to end.
   */
  rejudge(relabel: (status: TargetStatus) => TargetStatus, at: number, emit: EventSink, onChange?: (status: TargetStatus, previous: TargetStatus | undefined) => void): void {
    for (const status of this.seen()) {
      const judged = relabel(status);
      if (judged !== status) this.note(judged, this.seenAt.get(formatRef(status.ref)) ?? at, emit, onChange);
    }
  }

  /** The final view: what was seen, or, where the last look failed, 'unknown' saying what was last seen and when. */
  final(): TargetStatus[] {
    const failure = this.failure;
    if (!failure) return this.seen();
    return this.seen().map((status) => ({
      ...status,
      state: 'unknown',
      health: 'unknown',
      raw: { ...status.raw, description: `${this.lastSeen(status)}; the last look failed: ${failure.message}` },
    }));
  }
}

/** How to watch one group until its targets settle. */
export interface ObserveOptions {
  /** The canonical group, for events. */
  readonly groupText: string;
  /** One batched describe of the watched targets, bounded by the command's deadline. */
  readonly describe: (signal?: AbortSignal) => Promise<readonly TargetStatus[]>;
  readonly plan: PollPlan;
  readonly deadline: number;
  readonly isSettled: (status: TargetStatus) => boolean;
  /** Adjusts what the provider said before it is judged (the countdown for providers that show no progress). */
  readonly relabel?: (status: TargetStatus) => TargetStatus;
  /** Updated in place, so callers see the final view. */
  readonly seen: Observation;
  readonly emit: EventSink;
  /** Called when a target's state changes, for the ledger. */
  readonly onChange?: (status: TargetStatus, previous: TargetStatus | undefined) => void;
  readonly signal?: AbortSignal;
  readonly clock: Clock;
  readonly retry: RetryPolicy;
  /** See WaitOptions.firstPollDelayMs. */
  readonly firstPollDelayMs?: number;
  /** See WaitOptions.wake. */
  readonly wake?: () => Promise<void>;
}

/** Polls one group with one batched describe per poll, emitting state changes, until every target settles. */
export async function observeGroup(options: ObserveOptions): Promise<WaitOutcome<readonly TargetStatus[]>> {
  const { emit, seen, clock } = options;
  const outcome = await waitUntil<readonly TargetStatus[]>({
    poll: async (signal) => {
      const statuses = await options.describe(signal);
      return options.relabel ? statuses.map(options.relabel) : statuses;
    },
    isDone: (statuses) => statuses.every(options.isSettled),
    deadline: options.deadline,
    plan: options.plan,
    signal: options.signal,
    clock,
    retry: options.retry,
    firstPollDelayMs: options.firstPollDelayMs,
    wake: options.wake,
    onPoll: (statuses, polls) => {
      for (const status of statuses) seen.note(status, clock.now(), emit, options.onChange);
      const pending = statuses.filter((s) => !options.isSettled(s)).map((s) => formatRef(s.ref));
      if (pending.length > 0) {
        const expected = options.plan.expectedDoneAt;
        emit({ type: 'waiting', group: options.groupText, polls, pending, expectedDoneAt: expected === undefined ? undefined : isoTime(expected) });
      }
    },
  });
  seen.failure = outcome.lastError;
  return outcome;
}
