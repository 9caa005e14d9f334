import { type Clock, isoTime } from './clock.js';
import type { Operation } from './events.js';
import { formatRef } from './refs.js';
import type { OperationReport, TargetResult } from './report.js';
import type { TargetStatus } from './state.js';

/** One target's result, from the status it ended in. */
export function result(status: TargetStatus, outcome: TargetResult['outcome'], elapsedMs: number): TargetResult {
  return { target: formatRef(status.ref), outcome, state: status.state, health: status.health, raw: status.raw, elapsedMs, ...(status.evidence && { evidence: status.evidence }) };
}

/** The report of a finished operation. */
export function finish(operation: Operation, dryRun: boolean, startedAt: number, clock: Clock, results: TargetResult[]): OperationReport {
  return { operation, dryRun, startedAt: isoTime(startedAt), finishedAt: isoTime(clock.now()), results };
}
