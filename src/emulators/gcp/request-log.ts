/** The in-memory record of every request, which tests read to assert what a client actually sent. */
import type { FaultKind } from './faults.js';

/** One request as the emulator saw and answered it. */
export interface RequestLogEntry {
  /** 1, 2, 3… in arrival order; not reset by clearLog. */
  readonly seq: number;
  /** Arrival time from the emulator's clock (ms epoch). */
  readonly at: number;
  readonly method: string;
  /** The path without the query string, e.g. `/compute/v1/projects/p/zones/z/instanceGroups/ig/removeInstances`. */
  readonly path: string;
  /** The API method, e.g. `instanceGroups.removeInstances`; `unknown` for a path the emulator does not serve. */
  readonly action: string;
  readonly project?: string;
  /** The `requestId` query parameter of a mutation, when sent. */
  readonly requestId?: string;
  /** The HTTP status sent, or for a reset the status that would have been sent. */
  readonly status: number;
  /** The error reason (`notFound`, `conditionNotMet`, `rateLimitExceeded`…) of a refused request. */
  readonly reason?: string;
  readonly fault?: FaultKind;
  readonly mutating: boolean;
  /** Names of the request headers, lower case. Values are never kept, so a token that arrives goes nowhere. */
  readonly headerNames: readonly string[];
}

/** Appends entries with increasing sequence numbers. */
export class RequestLog {
  private readonly items: RequestLogEntry[] = [];
  private nextSeq = 1;

  get entries(): readonly RequestLogEntry[] {
    return this.items;
  }

  append(entry: Omit<RequestLogEntry, 'seq'>): RequestLogEntry {
    const stored = { seq: this.nextSeq++, ...entry };
    this.items.push(stored);
    return stored;
  }

  clear(): void {
    this.items.length = 0;
  }
}
