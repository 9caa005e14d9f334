import type { Operation, Outcome } from './events.js';
import type { DrainState, Health, RawState } from './state.js';

/** How one target ended, for the final summary. */
export interface TargetResult {
  readonly target: string;
  readonly outcome: Outcome;
  readonly state: DrainState;
  readonly health: Health;
  readonly raw: RawState;
  readonly elapsedMs: number;
  /** 'app-idle' when the drain was judged finished on the application's own word (--until app-idle). */
  readonly evidence?: 'app-idle';
}

/** What a drain or restore did. Timeouts are results, not exceptions, so callers can report every target. */
export interface OperationReport {
  readonly operation: Operation;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly results: readonly TargetResult[];
  /** Ledger writes that could not be made (the ledger went away mid-command); absent when everything was recorded. */
  readonly unrecorded?: readonly UnrecordedEvent[];
}

/** One event the ledger is missing: which target, what happened, when, and why it was not written. */
export interface UnrecordedEvent {
  readonly target: string;
  readonly event: string;
  readonly at: string;
  readonly reason: string;
}

/** True when any target was left waiting because the wait ran out. */
export function hasTimeouts(report: OperationReport): boolean {
  return report.results.some((r) => r.outcome === 'timed_out');
}
