import os from 'node:os';
import { beforeEach, describe, expect, it } from 'vitest';
import { drainTargets, type DrainRequest } from '../../src/core/drain.js';
import { restoreTargets } from '../../src/core/restore.js';
import { DrainctlError } from '../../src/core/errors.js';
import type { DrainEvent } from '../../src/core/events.js';
import type { Holder, InstanceKey, Ledger } from '../../src/core/ledger.js';
import type { GroupRef } from '../../src/core/refs.js';
import { parseRef, type TargetRef } from '../../src/core/refs.js';
import type { TargetStatus } from '../../src/core/state.js';
import { createMemoryLedger } from '../../src/ledger/index.js';
import { refSyntaxes } from '../../src/providers/registry.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeProvider } from '../support/fake-provider.js';

const ref = (text: string) => parseRef(text, refSyntaxes, 'target') as TargetRef;
const A = 'i-0000000000000000a';
const B = 'i-0000000000000000b';
const C = 'i-0000000000000000c';
const key = (id: string): InstanceKey => ({ provider: 'elbv2', group: 'web', target: `${id}:8080` });
const me: Holder = { runner: 'runner-me', host: 'deploy-1', pid: 1001 };
const other: Holder = { runner: 'runner-other', host: 'ci-runner-7', pid: 4242, ci: 'GitHub Actions acme/shop run 99' };

/** A provider where another runner (sharing no ledger) drains `target` at the moment this run's drain call lands. */
class RacedProvider extends FakeProvider {
  raceWith: string | undefined;
  override async drain(group: GroupRef, targets: readonly TargetStatus[], call?: Parameters<FakeProvider['drain']>[2]): Promise<void> {
    await super.drain(group, targets, call);
    const id = this.raceWith;
    this.raceWith = undefined;
    if (id) await super.drain(group, [{ ref: { kind: 'target', provider: 'elbv2', group: group.group, target: `${id}:8080` }, state: 'active', health: 'healthy', raw: { state: 'healthy' } }], call);
  }
}

describe('the capacity guard', () => {
  let clock: FakeClock;
  let provider: RacedProvider;
  let ledger: Ledger;
  let events: DrainEvent[];
  const drain = (ids: string[], extra: Partial<DrainRequest> = {}) =>
    drainTargets({ providers: async () => provider, ledger, clock, onEvent: (e) => events.push(e), random: () => 0.5, holder: me, targets: ids.map((id) => ref(`elbv2:web/${id}`)), ...extra });
  /** Another runner's reservation: recorded, its change not yet at the load balancer. */
  const reserveFor = (holder: Holder, id: string, leaseMs: number) =>
    ledger.record(key(id), { status: 'draining', drainStartedAt: new Date(clock.now()).toISOString(), holder, leaseExpiresAt: new Date(clock.now() + leaseMs).toISOString(), registration: { id, port: 8080 } }, { type: 'drain_requested', at: new Date(clock.now()).toISOString() });

  beforeEach(() => {
    clock = new FakeClock();
    provider = new RacedProvider(clock);
    provider.addGroup('web', 30, { [A]: 8080, [B]: 8080, [C]: 8080 });
    ledger = createMemoryLedger();
    events = [];
  });

  it('drains while the group keeps --min-healthy in service, and records who holds the drain', async () => {
    const report = await drain([A], { minHealthy: { kind: 'count', value: 2 } });
    expect(report.results[0]?.outcome).toBe('drained');
    expect(await ledger.find(key(A))).toMatchObject({ status: 'stopped', holder: me, leaseExpiresAt: null });
  });

  it('refuses (exit 5) a drain that would go below --min-healthy, changing and recording nothing', async () => {
    const failure = await drain([A, B], { minHealthy: { kind: 'count', value: 2 } }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DrainctlError);
    expect(failure).toMatchObject({
      kind: 'refused',
      message: `draining elbv2:web/${A}:8080, elbv2:web/${B}:8080 would leave elbv2:web with 1 target in service, below --min-healthy 2 (2 needed)`,
      hint: 'wait for capacity with --wait-for-capacity <duration>, lower --min-healthy, or pass --force',
    });
    expect(provider.mutations()).toEqual([]);
    expect(await ledger.history()).toEqual([]);
  });

  it('reads a percentage of the registered targets, rounded up', async () => {
    // 67% of 3 is 2.01: 3 must stay, so nothing can go.
    await expect(drain([A], { minHealthy: { kind: 'percent', value: 67 } })).rejects.toMatchObject({ kind: 'refused', message: expect.stringContaining('below --min-healthy 67% (3 needed)') });
    expect((await drain([A], { minHealthy: { kind: 'percent', value: 66 } })).results[0]?.outcome).toBe('drained');
  });

  it('a percentage stays of the whole group: a target drained and deregistered earlier still counts', async () => {
    expect((await drain([A], { minHealthy: { kind: 'percent', value: 50 } })).results[0]?.outcome).toBe('drained');
    // A is gone from the describe now; 50% of three is still two, and only one would be left.
    await expect(drain([B], { minHealthy: { kind: 'percent', value: 50 } })).rejects.toMatchObject({ kind: 'refused', message: expect.stringContaining('with 1 target in service, below --min-healthy 50% (2 needed)') });
  });

  it("counts another runner's reservation that the load balancer does not show yet, and names its holder", async () => {
    await reserveFor(other, B, 60_000);
    const failure = await drain([A], { minHealthy: { kind: 'count', value: 2 } }).catch((e: unknown) => e);
    expect(failure).toMatchObject({
      kind: 'refused',
      message: `draining elbv2:web/${A}:8080 would leave elbv2:web with 1 target in service, below --min-healthy 2 (2 needed); in progress: elbv2:web/${B}:8080 by ci-runner-7 pid 4242, GitHub Actions acme/shop run 99 since 2026-01-01T00:00:00.000Z`,
    });
    expect(provider.mutations()).toEqual([]);
  });

  it('waits for capacity with progress, and goes ahead once the other reservation lapses', async () => {
    await reserveFor(other, B, 60_000);
    const started = clock.now();
    const report = await drain([A], { minHealthy: { kind: 'count', value: 2 }, waitForCapacityMs: 120_000 });
    expect(report.results[0]?.outcome).toBe('drained');
    const waiting = events.filter((e) => e.type === 'capacity');
    expect(waiting[0]).toMatchObject({ group: 'elbv2:web', serving: 2, needed: 2, targets: [`elbv2:web/${A}:8080`], heldBy: [{ target: `elbv2:web/${B}:8080`, by: expect.stringContaining('ci-runner-7 pid 4242') }] });
    const requested = (await ledger.history({ target: `${A}:8080` })).find((e) => e.type === 'drain_requested')!;
    expect(Date.parse(requested.at) - started).toBeGreaterThanOrEqual(60_000);
  });

  it('gives up waiting at --wait-for-capacity with exit 5, saying how long it waited', async () => {
    await reserveFor(other, B, 600_000);
    await expect(drain([A], { minHealthy: { kind: 'count', value: 2 }, waitForCapacityMs: 30_000 })).rejects.toMatchObject({ kind: 'refused', message: expect.stringMatching(/below --min-healthy 2 .*\(waited 3\d(\.\d+)?s\)$/) });
    expect(provider.mutations()).toEqual([]);
  });

  it("refuses a target another live runner is draining, and takes it over once that runner's lease lapses", async () => {
    await reserveFor(other, A, 45_000);
    await expect(drain([A])).rejects.toMatchObject({ kind: 'refused', message: `elbv2:web/${A}:8080 is being drained by ci-runner-7 pid 4242, GitHub Actions acme/shop run 99 since 2026-01-01T00:00:00.000Z` });
    const report = await drain([A], { waitForCapacityMs: 60_000 });
    expect(report.results[0]?.outcome).toBe('drained');
    expect(await ledger.find(key(A))).toMatchObject({ holder: me });
  });

  it('takes over at once a drain whose holder was a process on this host that is gone', async () => {
    await reserveFor({ runner: 'dead', host: os.hostname(), pid: 2 ** 22 + 17 }, A, 600_000);
    const report = await drain([A]);
    expect(report.results[0]?.outcome).toBe('drained');
  });

  it('puts its own target back (exit 5) when a runner sharing no ledger drained at the same moment', async () => {
    provider.raceWith = B;
    const failure = await drain([A], { minHealthy: { kind: 'count', value: 2 } }).catch((e: unknown) => e);
    expect(failure).toMatchObject({
      kind: 'refused',
      message: `a concurrent drain left elbv2:web below --min-healthy 2 (1 in service after this drain, 2 needed): put elbv2:web/${A}:8080 back`,
    });
    // This run's drain, the other runner's (made through the same fake), and this run putting its own back.
    expect(provider.mutations()).toEqual([`drain web ${A}:8080`, `drain web ${B}:8080`, `restore web {"id":"${A}","port":8080}`]);
    expect(await ledger.find(key(A))).toMatchObject({ status: 'active', holder: null, leaseExpiresAt: null });
    expect((await ledger.history({ target: `${A}:8080` }))[0]).toMatchObject({ type: 'restored', details: { undone: 'capacity' } });
  });

  it('one refused group means no change in any group, and the other groups give their reservations back', async () => {
    provider.addGroup('api', 30, { 'i-00000000000000001': 8080 });
    const failure = await drainTargets({
      providers: async () => provider, ledger, clock, holder: me, waitForCapacityMs: 1000, random: () => 0.5,
      targets: [ref(`elbv2:web/${A}`), ref('elbv2:api/i-00000000000000001')],
    }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ kind: 'refused', message: expect.stringContaining('would leave elbv2:api with no healthy target') });
    expect(provider.mutations()).toEqual([]);
    expect(await ledger.find(key(A))).toMatchObject({ status: 'active', holder: null, leaseExpiresAt: null });
    expect((await ledger.history({ target: `${A}:8080` })).map((e) => e.type)).toEqual(['failed', 'drain_requested']);
  });

  it("restore refuses a target another live runner is still draining, and puts it back once that runner's lease lapsed", async () => {
    await drain([A], { holder: other, wait: false });
    await ledger.record(key(A), { leaseExpiresAt: new Date(clock.now() + 60_000).toISOString() }, { type: 'state_changed', at: new Date(clock.now()).toISOString() });
    const restore = () => restoreTargets({ providers: async () => provider, ledger, clock, targets: [ref(`elbv2:web/${A}:8080`)] });
    await expect(restore()).rejects.toMatchObject({ kind: 'refused', message: expect.stringContaining(`elbv2:web/${A}:8080 is being drained by ci-runner-7 pid 4242`) });
    await clock.sleep(61_000);
    expect((await restore()).results[0]?.outcome).toBe('restored');
  });

  it("counts as out a drain another runner let go of once the load balancer had it (--no-wait), though a describe still shows it in service", async () => {
    // The row as a --no-wait drain leaves it; this load balancer's describe predates the change.
    await ledger.record(key(B), { status: 'draining', drainStartedAt: new Date(clock.now()).toISOString(), holder: other, leaseExpiresAt: null, registration: { id: B, port: 8080 } }, { type: 'drain_started', at: new Date(clock.now()).toISOString() });
    await expect(drain([A], { minHealthy: { kind: 'count', value: 2 } })).rejects.toMatchObject({ kind: 'refused', message: expect.stringContaining('with 1 target in service, below --min-healthy 2') });
    expect(provider.mutations()).toEqual([]);
  });

  it('a target another owner drained and has not put back is theirs: refused at once, naming the owner, nothing changed', async () => {
    await drain([A], { holder: other });
    const drainedAt = (await ledger.find(key(A)))!.drainedAt;
    const changes = provider.mutations().length;
    await expect(drain([A])).rejects.toMatchObject({
      kind: 'refused',
      message: `elbv2:web/${A}:8080 was drained by ci-runner-7 pid 4242, GitHub Actions acme/shop run 99 at ${drainedAt} and is not restored yet`,
      hint: `wait until its owner puts it back with --wait-for-capacity <duration>; if that owner is gone, restore it first (drainctl restore elbv2:web/${A}:8080) or take it over with --force`,
    });
    expect(provider.mutations().length).toBe(changes);
    expect(await ledger.find(key(A))).toMatchObject({ status: 'stopped', holder: other });
  });

  it('its owner running the drain again follows it (the same CI job retried), and --force takes it over', async () => {
    await drain([A], { holder: other });
    const retried: Holder = { ...other, runner: 'runner-other-retry', pid: 5151 };
    expect((await drain([A], { holder: retried })).results[0]).toMatchObject({ outcome: 'drained', state: 'absent' });
    expect((await drain([A], { force: true })).results[0]?.outcome).toBe('drained');
    expect(provider.mutations()).toEqual([`drain web ${A}:8080`]);
  });

  it('with --wait-for-capacity, waits for the owner to put it back, then drains it itself', async () => {
    await drain([A], { holder: other });
    const mine = drain([A], { waitForCapacityMs: 120_000 });
    await clock.sleep(60_000);
    expect(provider.mutations()).toEqual([`drain web ${A}:8080`]);
    await restoreTargets({ providers: async () => provider, ledger, clock, targets: [ref(`elbv2:web/${A}:8080`)], wait: false });
    const report = await mine;
    expect(report.results[0]).toMatchObject({ outcome: 'drained', state: 'absent' });
    // Drained by the owner, put back by the owner, drained again by this run: not followed from someone else's drain.
    expect(provider.mutations()).toEqual([`drain web ${A}:8080`, `restore web {"id":"${A}","port":8080}`, `drain web ${A}:8080`]);
    expect(await ledger.find(key(A))).toMatchObject({ status: 'stopped', holder: me });
    expect(events.find((e) => e.type === 'capacity')).toMatchObject({ targets: [`elbv2:web/${A}:8080`], heldBy: [{ target: `elbv2:web/${A}:8080`, by: expect.stringContaining('ci-runner-7 pid 4242') }] });
  });

  // The owner's drain process wrote 'stopped' and exited just after this run read its row as
  // 'draining': the stale row reads as a dead runner's void lease. Read once, the row is read again
  // before the wait for its owner is judged; read stale twice, the plan (follow A) is found stale
  // under the lock once the owner put A back, and made again. Either way this run drains A itself,
  // rather than following a drain that no longer happens until its wait runs out.
  it.each([
    { staleReads: 1, plannedAgain: false },
    { staleReads: 2, plannedAgain: true },
  ])('a row read just before its owner finished ($staleReads stale reads): waits for the owner, then drains the target itself', async ({ staleReads, plannedAgain }) => {
    const finished: Holder = { runner: 'finished', host: os.hostname(), pid: 2 ** 22 + 19, ci: 'GitLab CI job 7' };
    await drain([A], { holder: finished });
    let stale = staleReads;
    const reading: Ledger = {
      ...bind(ledger),
      instances: async (q) => {
        const rows = await ledger.instances(q);
        if (stale-- <= 0) return rows;
        return rows.map((r) => (r.target === `${A}:8080` ? { ...r, status: 'draining' as const, drainedAt: null, leaseExpiresAt: new Date(clock.now() + 30_000).toISOString() } : r));
      },
    };
    const mine = drainTargets({ providers: async () => provider, ledger: reading, clock, onEvent: (e) => events.push(e), random: () => 0.5, holder: me, targets: [ref(`elbv2:web/${A}`)], waitForCapacityMs: 120_000 });
    await clock.sleep(5_000);
    expect(provider.mutations()).toEqual([`drain web ${A}:8080`]);
    await restoreTargets({ providers: async () => provider, ledger, clock, targets: [ref(`elbv2:web/${A}:8080`)], wait: false });
    const report = await mine;
    expect(report.results[0]).toMatchObject({ outcome: 'drained', state: 'absent' });
    expect(provider.mutations()).toEqual([`drain web ${A}:8080`, `restore web {"id":"${A}","port":8080}`, `drain web ${A}:8080`]);
    expect(await ledger.find(key(A))).toMatchObject({ status: 'stopped', holder: me });
    const warnings = events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message);
    expect(warnings).toEqual(plannedAgain ? [`elbv2:web/${A}:8080 went back in service while this drain waited: nothing was changed; planning again from a fresh look`] : []);
  });

  it('with --wait-for-capacity, a describe under the lock that outlives its bound is tried again, not a failed drain', async () => {
    // The first describe inspects; the second, under the lock, takes 15 s (a throttled API); the third answers.
    provider.slowDescribe = { from: 2, to: 2, ms: 15_000 };
    const report = await drain([A], { waitForCapacityMs: 60_000 });
    expect(report.results[0]?.outcome).toBe('drained');
    expect(provider.mutations()).toEqual([`drain web ${A}:8080`]);
    provider.slowDescribe = { from: 0, ms: 15_000 };
    // Without waiting for capacity, the bound is the answer: nothing changed.
    await expect(drain([B])).rejects.toMatchObject({ kind: 'timeout' });
    expect(provider.mutations()).toEqual([`drain web ${A}:8080`]);
  });

  it('--force skips the guard', async () => {
    const report = await drain([A, B, C], { force: true, minHealthy: { kind: 'count', value: 2 } });
    expect(report.results.map((r) => r.outcome)).toEqual(['drained', 'drained', 'drained']);
  });

  it('renews its lease while it follows the drain, and lets go at the end', async () => {
    const renewals: string[] = [];
    const counting: Ledger = { ...bind(ledger), renewLeases: async (runner, until) => (renewals.push(until), ledger.renewLeases(runner, until)) };
    provider.addGroup('web', 300, { [A]: 8080, [B]: 8080, [C]: 8080 });
    await drainTargets({ providers: async () => provider, ledger: counting, clock, holder: me, leaseMs: 30_000, targets: [ref(`elbv2:web/${A}`)] });
    // 300 s of draining, renewed every 10 s.
    expect(renewals.length).toBeGreaterThanOrEqual(25);
    expect(await ledger.find(key(A))).toMatchObject({ status: 'stopped', leaseExpiresAt: null });
  });
});

describe('a ledger that goes away', () => {
  it('does not start a drain it cannot record', async () => {
    const clock = new FakeClock();
    const provider = new FakeProvider(clock);
    provider.addGroup('web', 30, { [A]: 8080, [B]: 8080 });
    const inner = createMemoryLedger();
    const broken: Ledger = { ...bind(inner), record: async () => Promise.reject(new Error('connection refused')) };
    await expect(drainTargets({ providers: async () => provider, ledger: broken, clock, holder: me, targets: [ref(`elbv2:web/${A}`)] })).rejects.toThrow('connection refused');
    expect(provider.mutations()).toEqual([]);
  });

  it('once the drain started, keeps going, retries the writes, and says what could not be recorded', async () => {
    const clock = new FakeClock();
    const provider = new FakeProvider(clock);
    provider.addGroup('web', 30, { [A]: 8080, [B]: 8080 });
    const inner = createMemoryLedger();
    let down = false;
    const flaky: Ledger = {
      ...bind(inner),
      record: async (k, u, e) => {
        if (down) throw new Error('terminating connection due to administrator command');
        const row = await inner.record(k, u, e);
        if (e.type === 'drain_requested') down = true; // the database goes away right after the reservation
        return row;
      },
    };
    const events: DrainEvent[] = [];
    const report = await drainTargets({ providers: async () => provider, ledger: flaky, clock, holder: me, onEvent: (e) => events.push(e), targets: [ref(`elbv2:web/${A}`)] });
    expect(report.results[0]?.outcome).toBe('drained');
    const missing = report.unrecorded?.map((u) => u.event) ?? [];
    expect(missing[0]).toBe('drain_started');
    expect(missing.at(-1)).toBe('drained');
    expect(events.filter((e) => e.type === 'warning').at(-1)).toMatchObject({
      message: expect.stringMatching(new RegExp(`^the ledger :memory: could not record ${missing.length} events \\(terminating connection due to administrator command\\): drain_started elbv2:web/${A}:8080 at .*; drained elbv2:web/${A}:8080 at [^;]*; the load balancer has the changes, check them with drainctl status$`)),
    });
  });

  it('writes what it kept once the ledger answers again, in order', async () => {
    const clock = new FakeClock();
    const provider = new FakeProvider(clock);
    provider.addGroup('web', 30, { [A]: 8080, [B]: 8080 });
    const inner = createMemoryLedger();
    let failures = 0;
    const blip: Ledger = {
      ...bind(inner),
      record: async (k, u, e) => {
        if (e.type === 'drain_started' && failures < 1) {
          failures += 1;
          throw new Error('connection reset');
        }
        return inner.record(k, u, e);
      },
    };
    const report = await drainTargets({ providers: async () => provider, ledger: blip, clock, holder: me, targets: [ref(`elbv2:web/${A}`)] });
    expect(report.unrecorded).toBeUndefined();
    const types = (await inner.history({ limit: 100 })).map((e) => e.type).reverse();
    expect(types.indexOf('drain_started')).toBeGreaterThan(types.indexOf('drain_requested'));
    expect(types.indexOf('drained')).toBeGreaterThan(types.indexOf('drain_started'));
    expect(await inner.find(key(A))).toMatchObject({ status: 'stopped' });
  });
});

/** The ledger's methods bound to it, so a test can replace one and keep the rest. */
function bind(ledger: Ledger): Ledger {
  return {
    location: ledger.location,
    shared: ledger.shared,
    record: (k, u, e) => ledger.record(k, u, e),
    find: (k) => ledger.find(k),
    instances: (q) => ledger.instances(q),
    history: (q) => ledger.history(q),
    fleet: () => ledger.fleet(),
    tryLockGroup: (g, h, o) => ledger.tryLockGroup(g, h, o),
    renewLeases: (r, u) => ledger.renewLeases(r, u),
    close: () => ledger.close(),
  };
}
