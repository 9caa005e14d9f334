import type { DrainState } from './states.js';
import { buildStatus, type ServerStatus, type StatusFacts } from './status.js';

/** One worker in the primary's status. */
export interface ClusterWorkerStatus {
  /** node:cluster's worker.id. */
  readonly id: number;
  readonly pid: number;
  readonly state: DrainState;
  readonly in_flight: ServerStatus['in_flight'];
}

/** The primary's status body: schema drainctl.server-status/v1 over all live workers, plus each worker. */
export interface ClusterStatus extends ServerStatus {
  readonly workers: readonly ClusterWorkerStatus[];
}

/** Builds the primary's status body. Pure, like buildStatus. */
export function buildClusterStatus(whole: StatusFacts, workers: readonly { readonly id: number; readonly facts: StatusFacts }[], now: number): ClusterStatus {
  return {
    ...buildStatus(whole, now),
    workers: workers.map(({ id, facts }) => ({ id, pid: facts.pid, state: facts.state, in_flight: buildStatus(facts, now).in_flight })),
  };
}
