/** The in-memory record of every request, which tests read to assert what a client actually sent. */

/** What every emulator's log entry has; each adds its protocol's fields. */
export interface LogEntryBase<F extends string> {
  /** 1, 2, 3… in arrival order; not reset by clearLog, so entries stay distinguishable. */
  readonly seq: number;
  /** Arrival time from the emulator's clock (ms epoch). */
  readonly at: number;
  readonly action: string;
  /** The HTTP status sent, or for a reset the status that would have been sent. */
  readonly status: number;
  readonly fault?: F;
  readonly mutating: boolean;
}

/** Appends entries with increasing sequence numbers. */
export class RequestLog<E extends { readonly seq: number }> {
  private readonly items: E[] = [];
  private nextSeq = 1;

  /** The entries so far, oldest first. */
  get entries(): readonly E[] {
    return this.items;
  }

  /** Records one request and returns the stored entry. */
  append(entry: Omit<E, 'seq'>): E {
    const stored = { seq: this.nextSeq++, ...entry } as E;
    this.items.push(stored);
    return stored;
  }

  /** Forgets all entries. */
  clear(): void {
    this.items.length = 0;
  }
}

/** How many entries match `filter` on the fields in `keys` (a filter field left undefined matches all). */
export function countMatching<E, K extends keyof E>(entries: readonly E[], filter: Partial<Pick<E, K>>, keys: readonly K[]): number {
  return entries.filter((e) => keys.every((k) => filter[k] === undefined || e[k] === filter[k])).length;
}
