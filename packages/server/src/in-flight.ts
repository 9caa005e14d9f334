/** What is still in flight, by kind. `persistent` = webSocket + sse + longPoll + tracked. */
export interface InFlightCounts {
  readonly requests: number;
  readonly persistent: number;
  readonly webSocket: number;
  readonly sse: number;
  readonly longPoll: number;
  readonly tracked: number;
}

export type WorkKind = 'requests' | 'webSocket' | 'sse' | 'longPoll' | 'tracked';

/** One counted piece of work. `open` is the once-guard: it is counted down exactly once. */
export interface WorkEntry {
  kind: WorkKind;
  open: boolean;
}

/**
 * Counters of in-flight work. Pure bookkeeping: no I/O, no timers. `onIdle` is called synchronously on the
 * decrement that brings everything to zero, so a drain completes in the same turn as the last response.
 */
export class InFlightCounter {
  private readonly counts: Record<WorkKind, number> = { requests: 0, webSocket: 0, sse: 0, longPoll: 0, tracked: 0 };
  private total = 0;
  /** Epoch ms of the last counted request's end, or null if none ended yet. */
  lastRequestEndedAt: number | null = null;
  /** Epoch ms since which nothing is in flight, or null while something is. */
  idleSince: number | null;

  constructor(
    private readonly onIdle: () => void,
    now: number = Date.now(),
  ) {
    this.idleSince = now;
  }

  start(kind: WorkKind): WorkEntry {
    this.counts[kind]++;
    this.total++;
    this.idleSince = null;
    return { kind, open: true };
  }

  end(entry: WorkEntry): void {
    if (!entry.open) return;
    entry.open = false;
    this.counts[entry.kind]--;
    this.total--;
    const now = Date.now();
    if (entry.kind === 'requests') this.lastRequestEndedAt = now;
    if (this.total === 0) {
      this.idleSince = now;
      this.onIdle();
    }
  }

  /** Moves open work to another kind, e.g. a request that turns out to be an SSE stream. */
  reclassify(entry: WorkEntry, kind: WorkKind): void {
    if (!entry.open || entry.kind === kind) return;
    this.counts[entry.kind]--;
    this.counts[kind]++;
    entry.kind = kind;
  }

  get size(): number {
    return this.total;
  }

  snapshot(): InFlightCounts {
    const { requests, webSocket, sse, longPoll, tracked } = this.counts;
    return Object.freeze({ requests, persistent: webSocket + sse + longPoll + tracked, webSocket, sse, longPoll, tracked });
  }
}
