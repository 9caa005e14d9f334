/** What the request log records of an ARM request; the log itself is shared (../shared/request-log.ts). */
import type { FaultKind } from '../shared/faults.js';
import type { LogEntryBase } from '../shared/request-log.js';

/** One request as the emulator saw and answered it. Header values are never kept, except If-Match. */
export interface AzureRequestLogEntry extends LogEntryBase<FaultKind> {
  readonly method: string;
  /** The URL path, without the query string. */
  readonly path: string;
  /** The SDK operation the request maps to, e.g. `applicationGateways.createOrUpdate`; `unknown` when none. */
  readonly action: string;
  readonly errorCode?: string;
  /** True for requests that change a resource (PUTs). */
  readonly mutating: boolean;
  /** The If-Match header as sent (an etag, not a secret). */
  readonly ifMatch?: string;
  /** Whether an Authorization header was present; its value is never read. */
  readonly authorization: boolean;
}
