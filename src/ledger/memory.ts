import type { GroupKey, GroupLock, Holder, HistoryQuery, InstanceKey, InstanceRecord, InstanceUpdate, Ledger, LedgerEvent, LockHeld } from '../core/ledger.js';
import { LedgerError } from './errors.js';
import {
  checkKey,
  historyLimit,
  historySince,
  normalizeTimestamp,
  toEventInput,
  toInstanceRecord,
  toLedgerEvent,
  toPatch,
  type EventArg,
  type EventRow,
  type InstanceRow,
  type Patch,
} from './records.js';

/** A ledger that lives only as long as the process; same semantics as the SQLite one. */
export function createMemoryLedger(): Ledger {
  return new MemoryLedger();
}

class MemoryLedger implements Ledger {
  readonly location = ':memory:';
  readonly shared = false;
  private readonly locks = new Map<string, { holder: Holder; since: string; expires: string }>();
  // Rows hold JSON text, not objects, so callers can never alias stored state and
  // values round-trip exactly as they do through SQLite.
  private readonly rows = new Map<string, InstanceRow>();
  private readonly events: EventRow[] = [];
  private closed = false;

  async record(key: InstanceKey, update: InstanceUpdate, event: EventArg): Promise<InstanceRecord> {
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

  async find(key: InstanceKey): Promise<InstanceRecord | undefined> {
    this.checkOpen();
    const row = this.rows.get(mapKey(key));
    return row && toInstanceRecord(row);
  }

  async instances(query: { provider: string; group?: string }): Promise<InstanceRecord[]> {
    this.checkOpen();
    // Map iteration is insertion order, i.e. ascending id: oldest first.
    return [...this.rows.values()]
      .filter((r) => r.provider === query.provider && (query.group === undefined || r.group_ref === query.group))
      .map(toInstanceRecord);
  }

  async history(query: HistoryQuery = {}): Promise<LedgerEvent[]> {
    this.checkOpen();
    const limit = historyLimit(query);
    const since = historySince(query);
    return this.events
      .filter(
        (e) =>
          (query.provider === undefined || e.provider === query.provider) &&
          (query.group === undefined || e.group_ref === query.group) &&
          (query.target === undefined || e.target === query.target) &&
          (since === undefined || e.at >= since),
      )
      .sort((a, b) => (a.at === b.at ? b.id - a.id : a.at < b.at ? 1 : -1))
      .slice(0, limit)
      .map(toLedgerEvent);
  }

  async fleet(): Promise<InstanceRecord[]> {
    this.checkOpen();
    return [...this.rows.values()]
      .filter((r) => r.status !== 'active')
      .sort((a, b) => compareNullsFirst(a.drain_started_at, b.drain_started_at) || a.id - b.id)
      .map(toInstanceRecord);
  }

  async renewLeases(runner: string, until: string): Promise<number> {
    this.checkOpen();
    const at = normalizeTimestamp(until, 'until');
    let renewed = 0;
    for (const [id, row] of this.rows) {
      if (row.runner_id !== runner || row.status !== 'draining' || row.lease_expires_at === null) continue;
      this.rows.set(id, { ...row, lease_expires_at: at });
      renewed += 1;
    }
    return renewed;
  }

  async tryLockGroup(group: GroupKey, holder: Holder, options: { readonly now: string; readonly ttlMs: number }): Promise<GroupLock | LockHeld> {
    this.checkOpen();
    const now = normalizeTimestamp(options.now, 'now');
    const id = JSON.stringify([group.provider, group.group]);
    const current = this.locks.get(id);
    if (current && current.holder.runner !== holder.runner && current.expires > now) return { heldBy: current.holder, since: current.since };
    this.locks.set(id, { holder, since: now, expires: new Date(Date.parse(now) + options.ttlMs).toISOString() });
    return {
      release: async () => {
        if (this.locks.get(id)?.holder.runner === holder.runner) this.locks.delete(id);
      },
    };
  }

  async close(): Promise<void> {
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
      holder: patch.holder ?? null,
      runner_id: patch.runnerId ?? null,
      lease_expires_at: patch.leaseExpiresAt ?? null,
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
    holder: patch.holder === undefined ? row.holder : patch.holder,
    runner_id: patch.runnerId === undefined ? row.runner_id : patch.runnerId,
    lease_expires_at: patch.leaseExpiresAt === undefined ? row.lease_expires_at : patch.leaseExpiresAt,
    updated_at: at,
  };
}

// SQLite sorts NULL first in ascending order; the memory ledger matches it.
function compareNullsFirst(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

function mapKey(key: InstanceKey): string {
  return JSON.stringify([key.provider, key.group, key.target]);
}
