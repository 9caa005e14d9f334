/**
 * The Ledger contract: one suite, run unchanged against every implementation (memory, SQLite,
 * PostgreSQL). What differs between them is declared by the implementation, not branched on by
 * name: whether a second connection to the same store exists, and how a dead holder's lock ends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isGroupLock, type GroupLock, type Holder, type InstanceKey, type Ledger } from '../../src/core/ledger.js';
import { LedgerError } from '../../src/ledger/index.js';

export interface LedgerUnderTest {
  /** A fresh, empty ledger in a store of its own. */
  open(): Promise<Ledger>;
  /** Another connection to the store the last `open` made; absent where one process is the whole store (memory). */
  readonly openAnother?: () => Promise<Ledger>;
  /** How a lock whose holder died ends: `ttl` once ttlMs has passed since it was taken, `session` when the holder's connection ends. */
  readonly lockExpiry: 'ttl' | 'session';
  /** Ends a connection as a crash would: no release, no goodbye. */
  readonly crash?: (ledger: Ledger) => Promise<void>;
}

const key: InstanceKey = { provider: 'aws-elbv2', group: 'arn:aws:tg/web', target: 'i-0abc:8080' };
const other: InstanceKey = { provider: 'aws-elbv2', group: 'arn:aws:tg/web', target: 'i-0def:8080' };
const T = (s: number): string => new Date(Date.UTC(2025, 0, 1, 12, 0, s)).toISOString();
const holderA: Holder = { runner: 'ci-1:101:aaaa', host: 'ci-1', pid: 101, user: 'deploy', ci: 'github run 7' };
const holderB: Holder = { runner: 'laptop:202:bbbb', host: 'laptop', pid: 202 };
const web = { provider: 'aws-elbv2', group: 'arn:aws:tg/web' };
const MINUTE = 60_000;

export function ledgerContract(name: string, impl: LedgerUnderTest): void {
  describe(`Ledger contract: ${name}`, () => {
    const opened: Ledger[] = [];
    let ledger: Ledger;
    const fresh = async (): Promise<Ledger> => {
      ledger = await impl.open();
      opened.push(ledger);
      return ledger;
    };
    const another = async (): Promise<Ledger> => {
      const second = await impl.openAnother!();
      opened.push(second);
      return second;
    };
    afterEach(async () => {
      for (const l of opened.splice(0)) await l.close();
    });

    describe('record', () => {
      it('inserts a new instance with defaults and updatedAt from the event', async () => {
        const rec = await (await fresh()).record(key, {}, { type: 'drain_requested', at: T(1) });
        expect(rec).toEqual({
          id: expect.any(Number),
          ...key,
          status: 'active',
          inFlight: null,
          drainStartedAt: null,
          drainedAt: null,
          registration: null,
          holder: null,
          leaseExpiresAt: null,
          updatedAt: T(1),
        });
        expect(await ledger.find(key)).toEqual(rec);
      });

      it('upserts: absent fields are kept, explicit null clears, id is stable', async () => {
        await fresh();
        const first = await ledger.record(key, { status: 'draining', inFlight: 7, drainStartedAt: T(1), registration: { port: 8080 } }, { type: 'drain_requested', at: T(1) });
        const second = await ledger.record(key, { inFlight: 0, drainedAt: T(5) }, { type: 'drained', at: T(5) });
        expect(second).toMatchObject({ id: first.id, status: 'draining', inFlight: 0, drainStartedAt: T(1), drainedAt: T(5), registration: { port: 8080 }, updatedAt: T(5) });
        const third = await ledger.record(key, { status: 'active', inFlight: null, drainStartedAt: null, drainedAt: null, registration: null }, { type: 'restored', at: T(9) });
        expect(third).toMatchObject({ id: first.id, status: 'active', inFlight: null, drainStartedAt: null, drainedAt: null, registration: null });
        expect(await ledger.find(key)).toEqual(third);
      });

      it('keeps instances apart when any part of the key differs', async () => {
        await fresh();
        const keys: InstanceKey[] = [key, other, { ...key, group: 'arn:aws:tg/api' }, { ...key, provider: 'haproxy' }];
        const ids: number[] = [];
        for (const [i, k] of keys.entries()) ids.push((await ledger.record(k, { inFlight: i }, { type: 'state_changed', at: T(i) })).id);
        expect(new Set(ids).size).toBe(4);
        for (const [i, k] of keys.entries()) expect((await ledger.find(k))?.inFlight).toBe(i);
      });

      it('normalises timestamps to UTC with milliseconds', async () => {
        const rec = await (await fresh()).record(key, { drainStartedAt: '2025-03-01T10:00:00+02:00' }, { type: 'drain_requested', at: '2025-03-01T08:00:01Z' });
        expect(rec.drainStartedAt).toBe('2025-03-01T08:00:00.000Z');
        expect(rec.updatedAt).toBe('2025-03-01T08:00:01.000Z');
        expect((await ledger.history())[0]?.at).toBe('2025-03-01T08:00:01.000Z');
      });

      it('keeps milliseconds exactly, and large in-flight counts as numbers', async () => {
        const rec = await (await fresh()).record(key, { inFlight: Number.MAX_SAFE_INTEGER, drainStartedAt: '2025-03-01T10:00:00.001Z', drainedAt: '2025-03-01T10:00:00.999Z' }, { type: 'drained', at: '2025-03-01T10:00:00.5Z' });
        expect(rec).toMatchObject({ inFlight: Number.MAX_SAFE_INTEGER, drainStartedAt: '2025-03-01T10:00:00.001Z', drainedAt: '2025-03-01T10:00:00.999Z', updatedAt: '2025-03-01T10:00:00.500Z' });
        expect(await ledger.find(key)).toEqual(rec);
      });

      it.each([
        ['a bad status', { status: 'gone' as never }, T(1)],
        ['a negative inFlight', { inFlight: -1 }, T(1)],
        ['a fractional inFlight', { inFlight: 1.5 }, T(1)],
        ['a non-RFC 3339 drainedAt', { drainedAt: 'yesterday' }, T(1)],
        ['a non-RFC 3339 leaseExpiresAt', { leaseExpiresAt: 'soon' }, T(1)],
        ['a non-RFC 3339 event time', {}, '2025-01-01'],
      ])('rejects %s and writes nothing', async (_what, update, at) => {
        await fresh();
        await expect(ledger.record(key, update, { type: 'state_changed', at })).rejects.toThrow(RangeError);
        expect(await ledger.find(key)).toBeUndefined();
        expect(await ledger.history()).toEqual([]);
      });

      it('rejects a holder without a runner and writes nothing', async () => {
        await fresh();
        await expect(ledger.record(key, { holder: { host: 'h', pid: 1 } as unknown as Holder }, { type: 'drain_requested', at: T(1) })).rejects.toThrow(TypeError);
        expect(await ledger.find(key)).toBeUndefined();
      });
    });

    it('find returns undefined for a target never touched', async () => {
      await (await fresh()).record(key, {}, { type: 'drain_requested', at: T(1) });
      expect(await ledger.find(other)).toBeUndefined();
    });

    describe('instances', () => {
      it('lists one provider (and group) oldest first, updates not reordering', async () => {
        await fresh();
        const api: InstanceKey = { ...key, group: 'arn:aws:tg/api' };
        const haproxy: InstanceKey = { provider: 'haproxy', group: key.group, target: 'web1' };
        for (const [i, k] of [other, api, haproxy, key].entries()) await ledger.record(k, { inFlight: i }, { type: 'drain_requested', at: T(10 - i) });
        await ledger.record(other, { status: 'stopped' }, { type: 'drained', at: T(20) });
        const targets = async (q: { provider: string; group?: string }): Promise<string[]> => (await ledger.instances(q)).map((r) => `${r.group}|${r.target}`);
        expect(await targets({ provider: 'aws-elbv2' })).toEqual([`${other.group}|${other.target}`, `${api.group}|${api.target}`, `${key.group}|${key.target}`]);
        expect(await targets({ provider: 'aws-elbv2', group: key.group })).toEqual([`${other.group}|${other.target}`, `${key.group}|${key.target}`]);
        expect(await targets({ provider: 'haproxy' })).toEqual([`${haproxy.group}|${haproxy.target}`]);
        expect(await targets({ provider: 'nginx' })).toEqual([]);
        expect((await ledger.instances({ provider: 'aws-elbv2', group: key.group }))[0]).toEqual(await ledger.find(other));
        expect((await ledger.find(other))?.status).toBe('stopped');
      });
    });

    describe('history', () => {
      it('is newest first by event time, ties broken by insertion order', async () => {
        await fresh();
        await ledger.record(key, {}, { type: 'drain_requested', at: T(2) });
        await ledger.record(other, {}, { type: 'drain_requested', at: T(1) });
        await ledger.record(key, {}, { type: 'drained', at: T(3) });
        await ledger.record(other, {}, { type: 'timed_out', at: T(3) });
        const events = await ledger.history();
        expect(events.map((e) => [e.instance.target, e.type, e.at])).toEqual([
          [other.target, 'timed_out', T(3)],
          [key.target, 'drained', T(3)],
          [key.target, 'drain_requested', T(2)],
          [other.target, 'drain_requested', T(1)],
        ]);
        expect(events[0]).toEqual({ id: expect.any(Number), instance: other, type: 'timed_out', at: T(3), details: {} });
      });

      it('filters by provider, group and target', async () => {
        await fresh();
        const api: InstanceKey = { ...key, group: 'arn:aws:tg/api' };
        const haproxy: InstanceKey = { provider: 'haproxy', group: 'be_web', target: key.target };
        for (const [i, k] of [key, other, api, haproxy].entries()) await ledger.record(k, {}, { type: 'drain_requested', at: T(i) });
        const targets = async (q: Parameters<Ledger['history']>[0]): Promise<string[]> => (await ledger.history(q)).map((e) => `${e.instance.provider}|${e.instance.group}|${e.instance.target}`);
        const id = (k: InstanceKey): string => `${k.provider}|${k.group}|${k.target}`;
        expect(await targets({ provider: 'haproxy' })).toEqual([id(haproxy)]);
        expect(await targets({ group: key.group })).toEqual([id(other), id(key)]);
        expect(await targets({ provider: 'aws-elbv2', group: key.group, target: key.target })).toEqual([id(key)]);
        expect(await targets({ target: key.target })).toEqual([id(haproxy), id(api), id(key)]);
        expect(await targets({ provider: 'aws-elbv2' })).toEqual([id(api), id(other), id(key)]);
        expect(await targets({ group: 'nope' })).toEqual([]);
      });

      it('returns at most 100 by default and honours an explicit limit', async () => {
        await fresh();
        for (let i = 0; i < 105; i++) await ledger.record(key, { inFlight: i }, { type: 'state_changed', at: T(i), details: { i } });
        expect(await ledger.history()).toHaveLength(100);
        expect((await ledger.history({ limit: 2 })).map((e) => e.details.i)).toEqual([104, 103]);
        expect(await ledger.history({ limit: 500 })).toHaveLength(105);
        expect(await ledger.history({ limit: 0 })).toEqual([]);
        await expect(ledger.history({ limit: -1 })).rejects.toThrow(RangeError);
        await expect(ledger.history({ limit: 1.5 })).rejects.toThrow(RangeError);
      });

      it('since: only events at or after it, in any offset, with the other filters and the limit', async () => {
        await fresh();
        for (let i = 0; i < 6; i++) await ledger.record(i % 2 ? other : key, {}, { type: 'state_changed', at: T(i), details: { i } });
        const seen = async (q: Parameters<Ledger['history']>[0]): Promise<unknown[]> => (await ledger.history(q)).map((e) => e.details.i);
        expect(await seen({ since: T(3) })).toEqual([5, 4, 3]);
        expect(await seen({ since: '2025-01-01T14:00:03.001+02:00' })).toEqual([5, 4]);
        expect(await seen({ since: T(2), target: key.target })).toEqual([4, 2]);
        expect(await seen({ since: T(0), limit: 2 })).toEqual([5, 4]);
        expect(await seen({ since: T(6) })).toEqual([]);
        await expect(ledger.history({ since: 'yesterday' })).rejects.toThrow(RangeError);
      });
    });

    describe('holders and leases', () => {
      it('round-trips the holder and lease, keeps them when absent, clears them with null', async () => {
        await fresh();
        const taken = await ledger.record(key, { status: 'draining', holder: holderA, leaseExpiresAt: '2025-01-01T13:00:00+01:00' }, { type: 'drain_requested', at: T(1) });
        expect(taken).toMatchObject({ holder: holderA, leaseExpiresAt: T(0) });
        const kept = await ledger.record(key, { inFlight: 3 }, { type: 'state_changed', at: T(2) });
        expect(kept).toMatchObject({ holder: holderA, leaseExpiresAt: T(0) });
        const letGo = await ledger.record(key, { status: 'stopped', leaseExpiresAt: null }, { type: 'drained', at: T(3) });
        expect(letGo).toMatchObject({ holder: holderA, leaseExpiresAt: null });
        const cleared = await ledger.record(key, { status: 'active', holder: null }, { type: 'restored', at: T(4) });
        expect(cleared).toMatchObject({ holder: null, leaseExpiresAt: null });
        expect(await ledger.find(key)).toEqual(cleared);
      });

      it('returns the holder as a fresh copy, optional fields absent when not given', async () => {
        await (await fresh()).record(key, { holder: holderB }, { type: 'drain_requested', at: T(1) });
        const found = await ledger.find(key);
        expect(found?.holder).toEqual(holderB);
        expect(Object.keys(found?.holder ?? {})).toEqual(['runner', 'host', 'pid']);
        (found?.holder as { pid: number }).pid = 9;
        expect((await ledger.find(key))?.holder).toEqual(holderB);
      });
    });

    describe('fleet', () => {
      it('lists every row not active, of every provider, oldest drain first (never-started first), ties by id', async () => {
        await fresh();
        const haproxy: InstanceKey = { provider: 'haproxy', group: 'be_web', target: 'web1' };
        const nginx: InstanceKey = { provider: 'nginx', group: '/etc/nginx/up.conf:app', target: '10.0.0.1:80' };
        const api: InstanceKey = { ...key, group: 'arn:aws:tg/api' };
        await ledger.record(key, { status: 'draining', drainStartedAt: T(30) }, { type: 'drain_requested', at: T(30) });
        await ledger.record(haproxy, { status: 'stopped', drainStartedAt: T(10), drainedAt: T(20) }, { type: 'drained', at: T(20) });
        await ledger.record(other, { status: 'active' }, { type: 'restored', at: T(5) });
        await ledger.record(nginx, { status: 'draining' }, { type: 'drain_requested', at: T(40) });
        await ledger.record(api, { status: 'draining', drainStartedAt: T(30) }, { type: 'drain_requested', at: T(30) });
        const fleet = await ledger.fleet();
        expect(fleet.map((r) => [r.provider, r.target, r.status])).toEqual([
          ['nginx', nginx.target, 'draining'],
          ['haproxy', haproxy.target, 'stopped'],
          ['aws-elbv2', key.target, 'draining'],
          ['aws-elbv2', api.target, 'draining'],
        ]);
        expect(fleet[1]).toEqual(await ledger.find(haproxy));
      });

      it('drops a row once it is restored, and is empty on an empty ledger', async () => {
        await fresh();
        expect(await ledger.fleet()).toEqual([]);
        await ledger.record(key, { status: 'draining', drainStartedAt: T(1) }, { type: 'drain_requested', at: T(1) });
        expect(await ledger.fleet()).toHaveLength(1);
        await ledger.record(key, { status: 'active', drainStartedAt: null }, { type: 'restored', at: T(2) });
        expect(await ledger.fleet()).toEqual([]);
      });
    });

    describe('renewLeases', () => {
      it("extends only that runner's draining rows whose lease was not let go, and counts them", async () => {
        await fresh();
        const lease = { holder: holderA, leaseExpiresAt: T(10) };
        const k = (target: string): InstanceKey => ({ ...key, target });
        await ledger.record(k('a'), { status: 'draining', ...lease }, { type: 'drain_requested', at: T(1) });
        await ledger.record(k('b'), { status: 'draining', ...lease }, { type: 'drain_requested', at: T(1) });
        await ledger.record(k('let-go'), { status: 'draining', holder: holderA, leaseExpiresAt: null }, { type: 'interrupted', at: T(1) });
        await ledger.record(k('stopped'), { status: 'stopped', ...lease }, { type: 'drained', at: T(1) });
        await ledger.record(k('theirs'), { status: 'draining', holder: holderB, leaseExpiresAt: T(10) }, { type: 'drain_requested', at: T(1) });
        await ledger.record({ ...k('a'), provider: 'haproxy' }, { status: 'draining', ...lease }, { type: 'drain_requested', at: T(1) });
        expect(await ledger.renewLeases(holderA.runner, '2025-01-01T13:00:20+01:00')).toBe(3);
        const leaseOf = async (ik: InstanceKey): Promise<string | null | undefined> => (await ledger.find(ik))?.leaseExpiresAt;
        expect(await leaseOf(k('a'))).toBe(T(20));
        expect(await leaseOf(k('b'))).toBe(T(20));
        expect(await leaseOf({ ...k('a'), provider: 'haproxy' })).toBe(T(20));
        expect(await leaseOf(k('let-go'))).toBeNull();
        expect(await leaseOf(k('stopped'))).toBe(T(10));
        expect(await leaseOf(k('theirs'))).toBe(T(10));
        // Renewal is bookkeeping, not an event: nothing is appended and updatedAt stays.
        expect((await ledger.find(k('a')))?.updatedAt).toBe(T(1));
        expect(await ledger.history({ limit: 1000 })).toHaveLength(6);
        expect(await ledger.renewLeases('nobody', T(30))).toBe(0);
        await expect(ledger.renewLeases(holderA.runner, 'later')).rejects.toThrow(RangeError);
      });
    });

    describe('tryLockGroup', () => {
      const at = (s: number) => ({ now: T(s), ttlMs: MINUTE });

      it('refuses a second holder, saying who holds it and since when', async () => {
        await fresh();
        const lock = await ledger.tryLockGroup(web, holderA, at(1));
        expect(isGroupLock(lock)).toBe(true);
        const refused = await ledger.tryLockGroup(web, holderB, at(2));
        expect(refused).toEqual({ heldBy: holderA, since: T(1) });
      });

      it('lets the same runner take it again, and a release frees it for the next', async () => {
        await fresh();
        expect(isGroupLock(await ledger.tryLockGroup(web, holderA, at(1)))).toBe(true);
        const again = await ledger.tryLockGroup(web, holderA, at(2));
        expect(isGroupLock(again)).toBe(true);
        await (again as GroupLock).release();
        const next = await ledger.tryLockGroup(web, holderB, at(3));
        expect(isGroupLock(next)).toBe(true);
        expect(await ledger.tryLockGroup(web, holderA, at(4))).toEqual({ heldBy: holderB, since: T(3) });
      });

      it('releasing twice is safe and does not free a lock someone else took since', async () => {
        await fresh();
        const first = (await ledger.tryLockGroup(web, holderA, at(1))) as GroupLock;
        await first.release();
        expect(isGroupLock(await ledger.tryLockGroup(web, holderB, at(2)))).toBe(true);
        await first.release();
        expect(await ledger.tryLockGroup(web, holderA, at(3))).toEqual({ heldBy: holderB, since: T(2) });
      });

      it('keeps groups apart: another group, or the same name under another provider', async () => {
        await fresh();
        expect(isGroupLock(await ledger.tryLockGroup(web, holderA, at(1)))).toBe(true);
        expect(isGroupLock(await ledger.tryLockGroup({ ...web, group: 'arn:aws:tg/api' }, holderB, at(1)))).toBe(true);
        expect(isGroupLock(await ledger.tryLockGroup({ ...web, provider: 'elb' }, holderB, at(1)))).toBe(true);
      });

      it('rejects a bad time', async () => {
        await fresh();
        await expect(ledger.tryLockGroup(web, holderA, { now: 'now', ttlMs: MINUTE })).rejects.toThrow(RangeError);
      });

      if (impl.lockExpiry === 'ttl') it('ttl: a lock not released lapses once ttlMs has passed since it was taken', async () => {
        await fresh();
        await ledger.tryLockGroup(web, holderA, { now: T(0), ttlMs: 30_000 });
        expect(await ledger.tryLockGroup(web, holderB, { now: T(29), ttlMs: 30_000 })).toEqual({ heldBy: holderA, since: T(0) });
        expect(isGroupLock(await ledger.tryLockGroup(web, holderB, { now: T(30), ttlMs: 30_000 }))).toBe(true);
      });

      if (impl.lockExpiry === 'session') it('session: a lock is held as long as its holder lives, whatever the clock says', async () => {
        await fresh();
        await ledger.tryLockGroup(web, holderA, { now: T(0), ttlMs: 1 });
        expect(await ledger.tryLockGroup(web, holderB, { now: '2026-01-01T00:00:00Z', ttlMs: 1 })).toEqual({ heldBy: holderA, since: T(0) });
      });

      if (impl.openAnother) it('a lock held through another connection is refused, with who and since', async () => {
        await fresh();
        const second = await another();
        const lock = (await second.tryLockGroup(web, holderA, at(1))) as GroupLock;
        expect(isGroupLock(lock)).toBe(true);
        expect(await ledger.tryLockGroup(web, holderB, at(2))).toEqual({ heldBy: holderA, since: T(1) });
        await lock.release();
        expect(isGroupLock(await ledger.tryLockGroup(web, holderB, at(3)))).toBe(true);
        expect(await second.tryLockGroup(web, holderA, at(4))).toEqual({ heldBy: holderB, since: T(3) });
      });

      if (impl.openAnother && impl.crash) it('a holder that dies without releasing stops holding the lock', async () => {
        await fresh();
        const second = await another();
        expect(isGroupLock(await second.tryLockGroup(web, holderA, at(1)))).toBe(true);
        await impl.crash!(second);
        const afterCrash = await ledger.tryLockGroup(web, holderB, at(2));
        if (impl.lockExpiry === 'session') {
          expect(isGroupLock(afterCrash)).toBe(true);
        } else {
          expect(afterCrash).toEqual({ heldBy: holderA, since: T(1) });
          expect(isGroupLock(await ledger.tryLockGroup(web, holderB, { now: T(61), ttlMs: MINUTE }))).toBe(true);
        }
      });
    });

    describe('JSON round trips', () => {
      const registration = { TargetGroupArn: 'arn:aws:tg/web', Targets: [{ Id: 'i-0abc', Port: 8080, AvailabilityZone: null }], weight: 0.5, note: 'ünïcode ✓', nested: { deep: [1, [2, { x: true }]] } };

      it('returns the registration as it was given, as a fresh copy each time', async () => {
        await (await fresh()).record(key, { registration }, { type: 'drain_requested', at: T(1) });
        const found = await ledger.find(key);
        expect(found?.registration).toEqual(registration);
        (found?.registration as { weight: number }).weight = 99;
        expect((await ledger.find(key))?.registration).toEqual(registration);
      });

      it('keeps a scalar registration', async () => {
        expect((await (await fresh()).record(key, { registration: 'server web1 10.0.0.1:80' }, { type: 'drain_requested', at: T(1) })).registration).toBe('server web1 10.0.0.1:80');
      });

      it('stores a registration that is JSON null as no registration', async () => {
        await fresh();
        await ledger.record(key, { registration: { port: 1 } }, { type: 'drain_requested', at: T(1) });
        expect((await ledger.record(key, { registration: JSON.parse('null') }, { type: 'restored', at: T(2) })).registration).toBeNull();
      });

      it('returns details as given, and {} when omitted', async () => {
        await fresh();
        const details = { from: 'healthy', to: 'draining', counts: [3, 2, 0], ok: false, reason: null };
        await ledger.record(key, {}, { type: 'state_changed', at: T(2), details });
        await ledger.record(key, {}, { type: 'drain_requested', at: T(1) });
        expect((await ledger.history()).map((e) => e.details)).toEqual([details, {}]);
      });

      // History prints details key by key, so the order they were written in is part of what is kept.
      it('keeps key order, numbers and every character exactly', async () => {
        await fresh();
        const details = { zeta: 1, alpha: { z: 0, a: [0.1, 1e21, -0.5] }, mid: 'nul \u0000, quote " and backslash \\ and emoji 🚀' };
        const rec = await ledger.record(key, { registration: details }, { type: 'state_changed', at: T(1), details });
        expect(JSON.stringify(rec.registration)).toBe(JSON.stringify(details));
        expect(JSON.stringify((await ledger.find(key))?.registration)).toBe(JSON.stringify(details));
        expect(JSON.stringify((await ledger.history())[0]?.details)).toBe(JSON.stringify(details));
      });

      it('does not alias caller objects', async () => {
        await fresh();
        const details: Record<string, unknown> = { n: 1 };
        await ledger.record(key, {}, { type: 'state_changed', at: T(1), details });
        details.n = 2;
        expect((await ledger.history())[0]?.details).toEqual({ n: 1 });
      });
    });

    it('lets calls made before close finish', async () => {
      await fresh();
      const calls = [ledger.record(key, {}, { type: 'drain_requested', at: T(1) }), ledger.record(other, {}, { type: 'drain_requested', at: T(2) }), ledger.history()];
      await ledger.close();
      const [first, second] = await Promise.all(calls);
      expect([first, second]).toMatchObject([key, other]);
    });

    it('refuses use after close with a LedgerError, and a lock released after close is no error', async () => {
      await fresh();
      const lock = (await ledger.tryLockGroup(web, holderA, { now: T(1), ttlMs: MINUTE })) as GroupLock;
      await ledger.close();
      await lock.release();
      await expect(ledger.find(key)).rejects.toThrow(LedgerError);
      await expect(ledger.instances({ provider: key.provider })).rejects.toThrow(LedgerError);
      await expect(ledger.history()).rejects.toThrow(LedgerError);
      await expect(ledger.fleet()).rejects.toThrow(LedgerError);
      await expect(ledger.renewLeases(holderA.runner, T(2))).rejects.toThrow(LedgerError);
      await expect(ledger.tryLockGroup(web, holderB, { now: T(2), ttlMs: MINUTE })).rejects.toThrow(LedgerError);
      await expect(ledger.record(key, {}, { type: 'drain_requested', at: T(1) })).rejects.toThrow(/closed/);
      await ledger.close();
    });
  });
}
