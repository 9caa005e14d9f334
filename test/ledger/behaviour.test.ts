import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { InstanceKey, Ledger } from '../../src/core/ledger.js';
import { LedgerError, createMemoryLedger, openSqliteLedger } from '../../src/ledger/index.js';
import { useTempDirs } from './helpers.js';

const implementations: [string, (dir: () => string) => Ledger][] = [
  ['sqlite (temp file)', (dir) => openSqliteLedger(path.join(dir(), 'ledger.db'))],
  ['memory', () => createMemoryLedger()],
];

const key: InstanceKey = { provider: 'aws-elbv2', group: 'arn:aws:tg/web', target: 'i-0abc:8080' };
const other: InstanceKey = { provider: 'aws-elbv2', group: 'arn:aws:tg/web', target: 'i-0def:8080' };
const T = (s: number): string => new Date(Date.UTC(2025, 0, 1, 12, 0, s)).toISOString();

describe.each(implementations)('Ledger behaviour: %s', (_name, open) => {
  const tempDir = useTempDirs();
  let ledger: Ledger;
  const fresh = (): Ledger => (ledger = open(tempDir));
  afterEach(() => ledger?.close());

  describe('record', () => {
    it('inserts a new instance with defaults and updatedAt from the event', async () => {
      const rec = (await fresh().record(key, {}, { type: 'drain_requested', at: T(1) }));
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
      expect((await ledger.find(key))).toEqual(rec);
    });

    it('upserts: absent fields are kept, explicit null clears, id is stable', async () => {
      fresh();
      const first = (await ledger.record(key, { status: 'draining', inFlight: 7, drainStartedAt: T(1), registration: { port: 8080 } }, { type: 'drain_requested', at: T(1) }));
      const second = (await ledger.record(key, { inFlight: 0, drainedAt: T(5) }, { type: 'drained', at: T(5) }));
      expect(second).toMatchObject({ id: first.id, status: 'draining', inFlight: 0, drainStartedAt: T(1), drainedAt: T(5), registration: { port: 8080 }, updatedAt: T(5) });
      const third = (await ledger.record(key, { status: 'active', inFlight: null, drainStartedAt: null, drainedAt: null, registration: null }, { type: 'restored', at: T(9) }));
      expect(third).toMatchObject({ id: first.id, status: 'active', inFlight: null, drainStartedAt: null, drainedAt: null, registration: null });
      expect((await ledger.find(key))).toEqual(third);
    });

    it('keeps instances apart when any part of the key differs', async () => {
      fresh();
      const keys: InstanceKey[] = [key, other, { ...key, group: 'arn:aws:tg/api' }, { ...key, provider: 'haproxy' }];
      const ids: number[] = [];
      for (const [i, k] of keys.entries()) ids.push((await ledger.record(k, { inFlight: i }, { type: 'state_changed', at: T(i) })).id);
      expect(new Set(ids).size).toBe(4);
      for (const [i, k] of keys.entries()) expect((await ledger.find(k))?.inFlight).toBe(i);
    });

    it('normalises timestamps to UTC with milliseconds', async () => {
      const rec = (await fresh().record(key, { drainStartedAt: '2025-03-01T10:00:00+02:00' }, { type: 'drain_requested', at: '2025-03-01T08:00:01Z' }));
      expect(rec.drainStartedAt).toBe('2025-03-01T08:00:00.000Z');
      expect(rec.updatedAt).toBe('2025-03-01T08:00:01.000Z');
      expect((await ledger.history())[0]?.at).toBe('2025-03-01T08:00:01.000Z');
    });

    it.each([
      ['a bad status', { status: 'gone' as never }, T(1)],
      ['a negative inFlight', { inFlight: -1 }, T(1)],
      ['a fractional inFlight', { inFlight: 1.5 }, T(1)],
      ['a non-RFC 3339 drainedAt', { drainedAt: 'yesterday' }, T(1)],
      ['a non-RFC 3339 event time', {}, '2025-01-01'],
    ])('rejects %s and writes nothing', async (_what, update, at) => {
      fresh();
      await expect(ledger.record(key, update, { type: 'state_changed', at })).rejects.toThrow(RangeError);
      expect((await ledger.find(key))).toBeUndefined();
      expect((await ledger.history())).toEqual([]);
    });
  });

  it('find returns undefined for a target never touched', async () => {
    await fresh().record(key, {}, { type: 'drain_requested', at: T(1) });
    expect((await ledger.find(other))).toBeUndefined();
  });

  describe('instances', () => {
    it('lists one provider (and group) oldest first, updates not reordering', async () => {
      fresh();
      const api: InstanceKey = { ...key, group: 'arn:aws:tg/api' };
      const haproxy: InstanceKey = { provider: 'haproxy', group: key.group, target: 'web1' };
      for (const [i, k] of [other, api, haproxy, key].entries()) await ledger.record(k, { inFlight: i }, { type: 'drain_requested', at: T(10 - i) });
      await ledger.record(other, { status: 'stopped' }, { type: 'drained', at: T(20) });
      const targets = async (q: { provider: string; group?: string }): Promise<string[]> => (await ledger.instances(q)).map((r) => `${r.group}|${r.target}`);
      expect(await targets({ provider: 'aws-elbv2' })).toEqual([`${other.group}|${other.target}`, `${api.group}|${api.target}`, `${key.group}|${key.target}`]);
      expect(await targets({ provider: 'aws-elbv2', group: key.group })).toEqual([`${other.group}|${other.target}`, `${key.group}|${key.target}`]);
      expect(await targets({ provider: 'haproxy' })).toEqual([`${haproxy.group}|${haproxy.target}`]);
      expect(await targets({ provider: 'nginx' })).toEqual([]);
      expect((await ledger.instances({ provider: 'aws-elbv2', group: key.group }))[0]).toEqual((await ledger.find(other)));
      expect((await ledger.find(other))?.status).toBe('stopped');
    });
  });

  describe('history', () => {
    it('is newest first by event time, ties broken by insertion order', async () => {
      fresh();
      await ledger.record(key, {}, { type: 'drain_requested', at: T(2) });
      await ledger.record(other, {}, { type: 'drain_requested', at: T(1) });
      await ledger.record(key, {}, { type: 'drained', at: T(3) });
      await ledger.record(other, {}, { type: 'timed_out', at: T(3) });
      const events = (await ledger.history());
      expect(events.map((e) => [e.instance.target, e.type, e.at])).toEqual([
        [other.target, 'timed_out', T(3)],
        [key.target, 'drained', T(3)],
        [key.target, 'drain_requested', T(2)],
        [other.target, 'drain_requested', T(1)],
      ]);
      expect(events[0]).toEqual({ id: expect.any(Number), instance: other, type: 'timed_out', at: T(3), details: {} });
    });

    it('filters by provider, group and target', async () => {
      fresh();
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
      fresh();
      for (let i = 0; i < 105; i++) (await ledger.record(key, { inFlight: i }, { type: 'state_changed', at: T(i), details: { i } }));
      expect((await ledger.history())).toHaveLength(100);
      expect((await ledger.history({ limit: 2 })).map((e) => e.details.i)).toEqual([104, 103]);
      expect((await ledger.history({ limit: 500 }))).toHaveLength(105);
      expect((await ledger.history({ limit: 0 }))).toEqual([]);
      await expect(ledger.history({ limit: -1 })).rejects.toThrow(RangeError);
      await expect(ledger.history({ limit: 1.5 })).rejects.toThrow(RangeError);
    });
  });

  describe('JSON round trips', () => {
    const registration = { TargetGroupArn: 'arn:aws:tg/web', Targets: [{ Id: 'i-0abc', Port: 8080, AvailabilityZone: null }], weight: 0.5, note: 'ünïcode ✓', nested: { deep: [1, [2, { x: true }]] } };

    it('returns the registration as it was given, as a fresh copy each time', async () => {
      await fresh().record(key, { registration }, { type: 'drain_requested', at: T(1) });
      const found = (await ledger.find(key));
      expect(found?.registration).toEqual(registration);
      (found?.registration as { weight: number }).weight = 99;
      expect((await ledger.find(key))?.registration).toEqual(registration);
    });

    it('keeps a scalar registration', async () => {
      expect((await fresh().record(key, { registration: 'server web1 10.0.0.1:80' }, { type: 'drain_requested', at: T(1) })).registration).toBe('server web1 10.0.0.1:80');
    });

    it('returns details as given, and {} when omitted', async () => {
      fresh();
      const details = { from: 'healthy', to: 'draining', counts: [3, 2, 0], ok: false, reason: null };
      await ledger.record(key, {}, { type: 'state_changed', at: T(2), details });
      await ledger.record(key, {}, { type: 'drain_requested', at: T(1) });
      expect((await ledger.history()).map((e) => e.details)).toEqual([details, {}]);
    });

    it('does not alias caller objects', async () => {
      fresh();
      const details: Record<string, unknown> = { n: 1 };
      await ledger.record(key, {}, { type: 'state_changed', at: T(1), details });
      details.n = 2;
      expect((await ledger.history())[0]?.details).toEqual({ n: 1 });
    });
  });

  it('refuses use after close with a LedgerError', async () => {
    await fresh().close();
    await expect(ledger.find(key)).rejects.toThrow(LedgerError);
    await expect(ledger.instances({ provider: key.provider })).rejects.toThrow(LedgerError);
    await expect(ledger.history()).rejects.toThrow(LedgerError);
    await expect(ledger.record(key, {}, { type: 'drain_requested', at: T(1) })).rejects.toThrow(/closed/);
  });
});
