import { createHash } from 'node:crypto';
import type { GroupKey, GroupLock, Holder, LockHeld } from '../../core/ledger.js';
import { normalizeTimestamp } from '../records.js';
import { FREE_LOCK_ROW, LOCK_ROW, TAKE_LOCK_ROW, TRY_LOCK, UNLOCK } from './queries.js';
import type { Query, Session } from './session.js';

/**
 * A group's capacity lock is a session advisory lock on two 32-bit keys hashed from the group
 * (64 bits, so two groups sharing a lock is vanishingly rare and would only make one wait). The
 * server frees it when the session ends, however it ends, so a crashed holder never keeps it.
 * A row in capacity_lock says who holds it and since when, for the runner that is refused.
 */
export function lockKeys(group: GroupKey): [number, number] {
  const digest = createHash('sha256').update(JSON.stringify([group.provider, group.group])).digest();
  return [digest.readInt32BE(0), digest.readInt32BE(4)];
}

/** The group locks one session holds. */
export class SessionLocks {
  // Advisory locks count re-entries within a session, and a session is one drainctl: it tracks
  // its own holders so a second runner in the same process is refused like any other, and a
  // runner retaking its own lock does not stack a second hold that release would leave behind.
  private readonly held = new Map<string, { holder: Holder; since: string }>();

  constructor(private readonly session: Session) {
    // Locks held on a lost session are gone; a new one may start only once their holders let go.
    session.reconnectOnlyWhen(() => this.held.size === 0);
  }

  tryLock(group: GroupKey, holder: Holder, options: { readonly now: string; readonly ttlMs: number }): Promise<GroupLock | LockHeld> {
    const since = normalizeTimestamp(options.now, 'now');
    // The row's expiry is for people reading the table; the session, not the clock, ends the lock.
    const expires = new Date(Date.parse(since) + options.ttlMs).toISOString();
    const id = JSON.stringify([group.provider, group.group]);
    const keys = lockKeys(group);
    return this.session.run(async (query) => {
      const mine = this.held.get(id);
      if (mine && mine.holder.runner !== holder.runner) return { heldBy: mine.holder, since: mine.since };
      if (!mine && !(await take(query, keys))) return heldBy(query, group);
      try {
        await query(TAKE_LOCK_ROW, [group.provider, group.group, holder.runner, JSON.stringify(holder), since, expires]);
      } catch (error) {
        if (!mine) await query(UNLOCK, keys).catch(() => undefined);
        throw error;
      }
      this.held.set(id, { holder, since });
      return { release: () => this.release(id, group, holder, keys) };
    });
  }

  private async release(id: string, group: GroupKey, holder: Holder, keys: [number, number]): Promise<void> {
    const mine = (): boolean => this.held.get(id)?.holder.runner === holder.runner;
    if (!mine()) return;
    try {
      await this.session.run(async (query) => {
        if (!mine()) return;
        // The row goes first: once the lock is free, a row naming this runner would be a lie.
        await query(FREE_LOCK_ROW, [group.provider, group.group, holder.runner]);
        await query(UNLOCK, keys);
        this.held.delete(id);
      });
    } catch (error) {
      // A session that has ended (closed, or its connection lost) took its locks with it.
      if (this.session.alive) throw error;
      if (mine()) this.held.delete(id);
    }
  }
}

async function take(query: Query, keys: [number, number]): Promise<boolean> {
  const { rows } = await query<{ got: boolean }>(TRY_LOCK, keys);
  return rows[0]?.got === true;
}

// The row may be missing (its holder has the lock and has not written it yet) or left by a
// holder whose session died: then "unknown" or a stale name, never a wrong refusal.
async function heldBy(query: Query, group: GroupKey): Promise<LockHeld> {
  const { rows } = await query<{ holder: string; since: string }>(LOCK_ROW, [group.provider, group.group]);
  const row = rows[0];
  return row ? { heldBy: JSON.parse(row.holder) as Holder, since: row.since } : { heldBy: null, since: null };
}
