/** The in-memory record of every request, which tests read to assert what a client actually sent. */
import type { FaultKind } from './faults.js';
import type { ServiceName } from './service.js';

/** One request as the emulator saw and answered it. */
export interface RequestLogEntry {
  /** 1, 2, 3… in arrival order; not reset by clearLog, so entries stay distinguishable. */
  readonly seq: number;
  /** Arrival time from the emulator's clock (ms epoch). */
  readonly at: number;
  /** `unknown` when the request's Version matched neither API. */
  readonly service: ServiceName | 'unknown';
  readonly action: string;
  /** The decoded form parameters (Action and Version included; `X-Amz-*` presigning parameters left out). */
  readonly params: Readonly<Record<string, string>>;
  /** The HTTP status sent, or for a reset the status that would have been sent. */
  readonly status: number;
  readonly errorCode?: string;
  readonly fault?: FaultKind;
  readonly mutating: boolean;
}

/** Actions that change state, by AWS's verb prefixes. */
export function isMutatingAction(action: string): boolean {
  return /^(Register|Deregister|Modify|Create|Delete|Add|Remove|Set)/.test(action);
}

/** Appends entries with increasing sequence numbers. */
export class RequestLog {
  private readonly items: RequestLogEntry[] = [];
  private nextSeq = 1;

  /** The entries so far, oldest first. */
  get entries(): readonly RequestLogEntry[] {
    return this.items;
  }

  /** Records one request and returns the stored entry. */
  append(entry: Omit<RequestLogEntry, 'seq'>): RequestLogEntry {
    const stored = { seq: this.nextSeq++, ...entry };
    this.items.push(stored);
    return stored;
  }

  /** Forgets all entries. */
  clear(): void {
    this.items.length = 0;
  }
}
