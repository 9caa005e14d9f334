import type { Worker } from 'node:cluster';
import type { StatusFacts } from './status.js';

/** What the primary knows of one live worker. */
export interface WorkerEntry {
  readonly worker: Worker;
  readonly id: number;
  readonly pid: number;
  /** It said hello: a drainer runs in it and it obeys drain orders. */
  joined: boolean;
  /** The last facts it reported, null before the first. */
  facts: StatusFacts | null;
  /** It reported `forced` at some point: some of its work was cut. */
  forced: boolean;
  /** The primary killed it at the deadline. */
  killed: boolean;
}

export type ReportedEntry = WorkerEntry & { readonly facts: StatusFacts };

/** The live workers, by node:cluster id. A worker leaves when it exits. */
export class WorkerRoster {
  private readonly entries = new Map<number, WorkerEntry>();

  /** The worker's entry, added if new. */
  entry(worker: Worker): WorkerEntry {
    let entry = this.entries.get(worker.id);
    if (!entry) {
      entry = { worker, id: worker.id, pid: worker.process.pid ?? 0, joined: false, facts: null, forced: false, killed: false };
      this.entries.set(worker.id, entry);
    }
    return entry;
  }

  remove(worker: Worker): WorkerEntry | undefined {
    const entry = this.entries.get(worker.id);
    this.entries.delete(worker.id);
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }

  live(): WorkerEntry[] {
    return [...this.entries.values()].sort((a, b) => a.id - b.id);
  }

  /** Live workers that have reported facts: the ones the status is made of. */
  reported(): ReportedEntry[] {
    return this.live().filter((entry): entry is ReportedEntry => entry.facts !== null);
  }

  /** Workers that serve and accept connections now. */
  ready(): number {
    return this.reported().filter((entry) => entry.facts.state === 'serving' && entry.facts.accepting).length;
  }
}
