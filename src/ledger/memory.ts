import type { HistoryQuery, InstanceKey, InstanceRecord, InstanceUpdate, Ledger, LedgerEvent, LedgerEventType } from '../core/ledger.js';
import { LedgerError } from './errors.js';
import {
  checkKey,
  historyLimit,
  toEventInput,
  toInstanceRecord,
  toLedgerEvent,
  toPatch,
  type EventRow,
  type InstanceRow,
  type Patch,
} from './records.js';

/** A ledger that lives only as long as the process; same semantics as the SQLite one. */
export function createMemoryLedger(): Ledger {
  return new MemoryLedger();
}

class MemoryLedger implements Ledger {
  // Rows hold JSON text, not objects, so callers can never alias stored state and
  // values round-trip exactly as they do through SQLite.
  private readonly rows = new Map<string, InstanceRow>();
  private readonly events: EventRow[] = [];
  private closed = false;

  record(
    key: InstanceKey,
    update: InstanceUpdate,
    event: { type: LedgerEventType; at: string; details?: Record<string, unknown> },
  ): InstanceRecord {
    this.checkOpen();
    checkKey(key);
    const patch = toPatch(update);
    const input = toEventInput(event);
    const id = mapKey(key);
    const existing = this.rows.get(id);
    const row = existing ? applyPatch(existing, patch, input.at) : this.insertRow(key, patch, input.at);
    this.rows.set(id, row);
    this.events.push({
      id: this.events.length + 1,
      provider: key.provider,
      group_ref: key.group,
      target: key.target,
      event_type: input.type,
      at: input.at,
      details: input.details,
    });
    return toInstanceRecord(row);
  }

  find(key: InstanceKey): InstanceRecord | undefined {
    this.checkOpen();
    const row = this.rows.get(mapKey(key));
    return row && toInstanceRecord(row);
  }

  instances(query: { provider: string; group?: string }): InstanceRecord[] {
    this.checkOpen();
    // Map iteration is insertion order, i.e. ascending id: oldest first.
    return [...this.rows.values()]
      .filter((r) => r.provider === query.provider && (query.group === undefined || r.group_ref === query.group))
      .map(toInstanceRecord);
  }

  history(query: HistoryQuery = {}): LedgerEvent[] {
    this.checkOpen();
    const limit = historyLimit(query);
    return this.events
      .filter(
        (e) =>
          (query.provider === undefined || e.provider === query.provider) &&
          (query.group === undefined || e.group_ref === query.group) &&
          (query.target === undefined || e.target === query.target),
      )
      .sort((a, b) => (a.at === b.at ? b.id - a.id : a.at < b.at ? 1 : -1))
      .slice(0, limit)
      .map(toLedgerEvent);
  }

  close(): void {
    this.closed = true;
  }

  private insertRow(key: InstanceKey, patch: Patch, at: string): InstanceRow {
    return {
      id: this.rows.size + 1,
      provider: key.provider,
      group_ref: key.group,
      target: key.target,
      status: patch.status ?? 'active',
      in_flight: patch.inFlight ?? null,
      drain_started_at: patch.drainStartedAt ?? null,
      drained_at: patch.drainedAt ?? null,
      registration: patch.registration ?? null,
      updated_at: at,
    };
  }

  private checkOpen(): void {
    if (this.closed) throw new LedgerError(':memory:', 'ledger :memory: is closed');
  }
}

function applyPatch(row: InstanceRow, patch: Patch, at: string): InstanceRow {
  return {
    ...row,
    status: patch.status ?? row.status,
    in_flight: patch.inFlight === undefined ? row.in_flight : patch.inFlight,
    drain_started_at: patch.drainStartedAt === undefined ? row.drain_started_at : patch.drainStartedAt,
    drained_at: patch.drainedAt === undefined ? row.drained_at : patch.drainedAt,
    registration: patch.registration === undefined ? row.registration : patch.registration,
    updated_at: at,
  };
}

function mapKey(key: InstanceKey): string {
  return JSON.stringify([key.provider, key.group, key.target]);
}
