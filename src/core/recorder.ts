import type { Clock } from './clock.js';
import type { EventInputArg, InstanceKey, InstanceUpdate, Ledger } from './ledger.js';

/** A ledger write that could not be made, kept to say so at the end. */
export interface Unrecorded {
  readonly key: InstanceKey;
  readonly event: EventInputArg;
  readonly reason: string;
}

interface PendingWrite {
  readonly key: InstanceKey;
  readonly update: InstanceUpdate;
  readonly event: EventInputArg;
  reason: string;
}

/** How often `flush` tries the writes still pending, and how long it waits between tries. */
const FLUSH_TRIES = 3;
const FLUSH_PAUSE_MS = 500;

/**
 * The ledger writes a command makes once a change is under way. A drain that has started
 * must not stop because its database went away (the targets would be left half-done with
 * nobody watching): writes go out in order, one at a time; a write that fails is kept and
 * tried again before the next one and at the end, and what still cannot be written is
 * reported, not thrown. Writes that must succeed before a change (the reservation, the
 * registration) go to the ledger directly and fail the command instead.
 */
export class Recorder {
  private tail: Promise<void> = Promise.resolve();
  private readonly pending: PendingWrite[] = [];
  private bug: unknown;

  constructor(
    private readonly ledger: Ledger,
    private readonly clock: Clock,
  ) {}

  /** Queues a write; it happens after every write queued before it. */
  note(key: InstanceKey, update: InstanceUpdate, event: EventInputArg): void {
    this.write(key, update, event).catch((error: unknown) => {
      this.bug ??= error;
    });
  }

  /** Queues a write and resolves once it was made or kept for later. Never rejects for a ledger fault. */
  write(key: InstanceKey, update: InstanceUpdate, event: EventInputArg): Promise<void> {
    const next = this.tail.then(async () => {
      await this.retryPending();
      await this.attempt({ key, update, event, reason: '' });
    });
    // The queue goes on after a bad write; the caller of that write gets its error.
    this.tail = next.catch(() => {});
    return next;
  }

  /**
   * Waits for every queued write, tries what failed a few more times, and returns what could
   * not be recorded (empty when the ledger has everything).
   */
  async flush(): Promise<Unrecorded[]> {
    await this.tail;
    if (this.bug !== undefined) throw this.bug;
    for (let tries = 0; tries < FLUSH_TRIES && this.pending.length > 0; tries += 1) {
      if (tries > 0) await this.clock.sleep(FLUSH_PAUSE_MS);
      await this.retryPending();
    }
    return this.pending.map(({ key, event, reason }) => ({ key, event, reason }));
  }

  private async retryPending(): Promise<void> {
    while (this.pending.length > 0) {
      const first = this.pending[0]!;
      try {
        await this.ledger.record(first.key, first.update, first.event);
      } catch (error) {
        if (isInputError(error)) throw error;
        first.reason = reasonOf(error);
        return; // still unreachable: keep the order, try again later
      }
      this.pending.shift();
    }
  }

  private async attempt(write: PendingWrite): Promise<void> {
    if (this.pending.length > 0) {
      // An earlier write is still missing: writing this one first would reorder the record.
      this.pending.push({ ...write, reason: this.pending[0]!.reason });
      return;
    }
    try {
      await this.ledger.record(write.key, write.update, write.event);
    } catch (error) {
      if (isInputError(error)) throw error;
      this.pending.push({ ...write, reason: reasonOf(error) });
    }
  }
}

// A bad value is a bug in the caller, not a lost connection: it must not be retried or hidden.
function isInputError(error: unknown): boolean {
  return error instanceof RangeError || error instanceof TypeError;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
