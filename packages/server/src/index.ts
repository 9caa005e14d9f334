export { createDrainer } from './cluster-worker.js';
export type { ClusterDrainerOptions } from './cluster-options.js';
export {
  createClusterDrainer,
  type ClusterDrainer,
  type ClusterDrainerEvents,
  type ClusterDrainResult,
  type ClusterProblem,
  type ClusterProblemSource,
  type WorkerExit,
} from './cluster-primary.js';
export { buildClusterStatus, type ClusterStatus, type ClusterWorkerStatus } from './cluster-status.js';
export type { Drainer, DrainerEvents, DrainResult, DrainableServer } from './drainer.js';
export { DrainerOptionsError } from './errors.js';
export type { InFlightCounts } from './in-flight.js';
export {
  DEFAULT_OPTIONS,
  type DrainerOptions,
  type DrainReason,
  type DrainRecorder,
  type DrainStart,
  type ShutdownContext,
  type StateChange,
} from './options.js';
export type { TrackableWebSocket } from './persistent.js';
export type { Problem, ProblemSource } from './problems.js';
export { SECRET_HEADER } from './probes.js';
export { EXIT_CLEAN, EXIT_FORCED, EXIT_HOOK_FAILED, type DrainOutcome, type DrainState, type ExitCode } from './states.js';
export { STATUS_SCHEMA, buildStatus, type ServerStatus, type StatusFacts } from './status.js';
export type { DrainableResponse } from './work.js';
