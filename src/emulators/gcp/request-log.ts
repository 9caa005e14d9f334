/** What the request log records of a Compute Engine request; the log itself is shared (../shared/request-log.ts). */
import type { LogEntryBase } from '../shared/request-log.js';
import type { FaultKind } from './faults.js';

/** One request as the emulator saw and answered it. */
export interface RequestLogEntry extends LogEntryBase<FaultKind> {
  readonly method: string;
  /** The path without the query string, e.g. `/compute/v1/projects/p/zones/z/instanceGroups/ig/removeInstances`. */
  readonly path: string;
  /** The API method, e.g. `instanceGroups.removeInstances`; `unknown` for a path the emulator does not serve. */
  readonly action: string;
  readonly project?: string;
  /** The `requestId` query parameter of a mutation, when sent. */
  readonly requestId?: string;
  /** The error reason (`notFound`, `conditionNotMet`, `rateLimitExceeded`…) of a refused request. */
  readonly reason?: string;
  /** Names of the request headers, lower case. Values are never kept, so a token that arrives goes nowhere. */
  readonly headerNames: readonly string[];
}
