/** The in-memory record of every request, which tests read to assert what a client actually sent. */
import type { FaultKind } from '../aws/faults.js';

/** One request as the emulator saw and answered it. Header values are never kept, except If-Match. */
export interface AzureRequestLogEntry {
  /** 1, 2, 3… in arrival order; not reset by clearLog. */
  readonly seq: number;
  /** Arrival time from the emulator's clock (ms epoch). */
  readonly at: number;
  readonly method: string;
  /** The URL path, without the query string. */
  readonly path: string;
  /** The SDK operation the request maps to, e.g. `applicationGateways.createOrUpdate`; `unknown` when none. */
  readonly action: string;
  readonly status: number;
  readonly errorCode?: string;
  readonly fault?: FaultKind;
  /** True for requests that change a resource (PUTs). */
  readonly mutating: boolean;
  /** The If-Match header as sent (an etag, not a secret). */
  readonly ifMatch?: string;
  /** Whether an Authorization header was present; its value is never read. */
  readonly authorization: boolean;
}

/** Appends entries with increasing sequence numbers. */
export class AzureRequestLog {
  private readonly items: AzureRequestLogEntry[] = [];
  private nextSeq = 1;

  /** The entries so far, oldest first. */
  get entries(): readonly AzureRequestLogEntry[] {
    return this.items;
  }

  append(entry: Omit<AzureRequestLogEntry, 'seq'>): AzureRequestLogEntry {
    const stored = { seq: this.nextSeq++, ...entry };
    this.items.push(stored);
    return stored;
  }

  clear(): void {
    this.items.length = 0;
  }
}
