import { beforeEach, describe, expect, it } from 'vitest';
import { drainTargets } from '../../src/core/drain.js';
import type { DrainEvent } from '../../src/core/events.js';
import type { Ledger } from '../../src/core/ledger.js';
import { parseRef, type TargetRef } from '../../src/core/refs.js';
import { restoreTargets } from '../../src/core/restore.js';
import { watchTargets } from '../../src/core/status.js';
import { createMemoryLedger } from '../../src/ledger/index.js';
import { refSyntaxes } from '../../src/providers/registry.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeProvider } from '../support/fake-provider.js';

const ref = (text: string) => parseRef(text, refSyntaxes, 'target') as TargetRef;

describe('drainTargets / restoreTargets', () => {
  let clock: FakeClock;
  let provider: FakeProvider;
  let ledger: Ledger;
  let events: DrainEvent[];
  const base = () => ({ providers: async () => provider, ledger, clock, onEvent: (e: DrainEvent) => events.push(e), random: () => 0.5 });

  beforeEach(() => {
    clock = new FakeClock();
    provider = new FakeProvider(clock);
    provider.addGroup('web', 300, { 'i-0000000000000000a': 8080, 'i-0000000000000000b': 8080, 'i-0000000000000000c': 8080 });
    ledger = createMemoryLedger();
    events = [];
  });

  it('drains, waits for the drain timeout with at most 15 describes, and records it', async () => {
    const report = await drainTargets({ ...base(), targets: [ref('elbv2:web/i-0000000000000000a')] });
    expect(report.results).toMatchObject([{ target: 'elbv2:web/i-0000000000000000a:8080', outcome: 'drained', state: 'absent' }]);
    const waited = clock.now() - Date.parse(report.startedAt);
    expect(waited).toBeGreaterThanOrEqual(300_000);
    expect(waited).toBeLessThan(301_000);
    expect(provider.calls.filter((c) => c.startsWith('describe')).length).toBeLessThanOrEqual(15);
    const row = (await ledger.find({ provider: 'elbv2', group: 'web', target: 'i-0000000000000000a:8080' }));
    expect(row).toMatchObject({ status: 'stopped', registration: { id: 'i-0000000000000000a', port: 8080 } });
    expect((await ledger.history()).map((e) => e.type)).toEqual(expect.arrayContaining(['drain_requested', 'state_changed', 'drained']));
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['plan', 'action', 'group', 'waiting', 'target_state', 'target_done']));
  });

  it('restores exactly the recorded registration and waits until healthy', async () => {
    await drainTargets({ ...base(), targets: [ref('elbv2:web/i-0000000000000000a')] });
    const report = await restoreTargets({ ...base(), targets: [ref('elbv2:web/i-0000000000000000a')] });
    expect(report.results).toMatchObject([{ target: 'elbv2:web/i-0000000000000000a:8080', outcome: 'restored', health: 'healthy' }]);
    expect(provider.calls).toContain('restore web {"id":"i-0000000000000000a","port":8080}');
    expect((await ledger.find({ provider: 'elbv2', group: 'web', target: 'i-0000000000000000a:8080' }))?.status).toBe('active');
  });

  it('dry run decides and reports but makes no change', async () => {
    const report = await drainTargets({ ...base(), targets: [ref('elbv2:web/i-0000000000000000a')], dryRun: true });
    expect(report.results[0]?.outcome).toBe('would_drain');
    expect(provider.mutations()).toEqual([]);
    expect((await ledger.history())).toEqual([]);
  });

  it('is idempotent: a second drain of a draining target makes no second deregister call', async () => {
    await drainTargets({ ...base(), targets: [ref('elbv2:web/i-0000000000000000a')], wait: false });
    clock.time += 100_000;
    const report = await drainTargets({ ...base(), targets: [ref('elbv2:web/i-0000000000000000a')] });
    expect(provider.mutations()).toHaveLength(1);
    expect(report.results[0]?.outcome).toBe('drained');
    // The second run knew the drain began 100 s earlier, so it waited only the remaining 200 s.
    expect(clock.now() - Date.parse(report.startedAt)).toBeLessThan(201_000);
  });

  it('refuses a target that is not registered, before changing anything, naming what is', async () => {
    await expect(drainTargets({ ...base(), targets: [ref('elbv2:web/i-0000000000000000a'), ref('elbv2:web/i-00000000000000009')] })).rejects.toMatchObject({
      kind: 'not_found',
      message: expect.stringMatching(/has no target i-00000000000000009 \(registered: i-0000000000000000a:8080/),
    });
    expect(provider.mutations()).toEqual([]);
  });

  it('refuses to drain the last healthy targets unless forced', async () => {
    const all = ['a', 'b', 'c'].map((x) => ref(`elbv2:web/i-0000000000000000${x}`));
    await expect(drainTargets({ ...base(), targets: all })).rejects.toMatchObject({ kind: 'refused', hint: expect.stringMatching(/--force/) });
    expect(provider.mutations()).toEqual([]);
    const report = await drainTargets({ ...base(), targets: all, force: true, wait: false });
    expect(report.results.map((r) => r.outcome)).toEqual(['draining', 'draining', 'draining']);
  });

  it('reports a timeout per target and records it, leaving the target draining', async () => {
    const report = await drainTargets({ ...base(), targets: [ref('elbv2:web/i-0000000000000000a')], timeoutMs: 10_000 });
    expect(report.results[0]).toMatchObject({ outcome: 'timed_out', state: 'draining' });
    expect((await ledger.history()).map((e) => e.type)).toContain('timed_out');
  });

  it('records an interrupt and rethrows it; a rerun picks up where it stopped', async () => {
    const controller = new AbortController();
    const onEvent = (e: DrainEvent) => {
      if (e.type === 'waiting' && e.polls === 2) controller.abort('SIGINT');
    };
    await expect(drainTargets({ ...base(), onEvent, signal: controller.signal, targets: [ref('elbv2:web/i-0000000000000000a')] })).rejects.toMatchObject({ kind: 'interrupted' });
    expect((await ledger.history()).map((e) => e.type)).toContain('interrupted');
    const rerun = await drainTargets({ ...base(), targets: [ref('elbv2:web/i-0000000000000000a')] });
    expect(rerun.results[0]?.outcome).toBe('drained');
    expect(provider.mutations()).toHaveLength(1);
  });

  it('rides out throttled calls, announcing each retry', async () => {
    await drainTargets({ ...base(), targets: [ref('elbv2:web/i-0000000000000000a')] });
    provider.failNextDescribes = 4;
    const watch = await watchTargets({ ...base(), targets: [ref('elbv2:web/i-0000000000000000b')], timeoutMs: 60_000 });
    // Never drained and in service: nothing to watch, and nothing was restored.
    expect(watch.results[0]?.outcome).toBe('unchanged');
    const retries = events.filter((e) => e.type === 'retry');
    expect(retries).toHaveLength(4);
    expect(retries[0]).toMatchObject({ group: 'elbv2:web', retryable: 'throttle', throttled: true, attempt: 1, endpoint: undefined });
  });
});

describe('countdown providers (no drain progress shown)', () => {
  it('keep a removed target draining until the drain timeout passes, counted from when the drain call completed', async () => {
    const clock = new FakeClock();
    const provider = new FakeProvider(clock);
    Object.assign(provider, { descriptor: { ...provider.descriptor, completion: 'countdown' } });
    provider.addGroup('ig', 60, { 'i-0000000000000000a': 80, 'i-0000000000000000b': 80 });
    // The instance vanishes from the group the moment it is removed, as a GCP instance group member does.
    const drain = provider.drain.bind(provider);
    provider.drain = async (group, targets) => {
      await drain(group, targets);
      clock.time += 2000; // the removal operation takes 2 s to reach DONE
      for (const t of targets) provider.groups.get('ig')!.targets.delete(t.ref.target.split(':')[0]!);
    };
    const ledger = createMemoryLedger();
    const states: string[] = [];
    const report = await drainTargets({
      providers: async () => provider, ledger, clock, random: () => 0.5,
      onEvent: (e) => e.type === 'target_state' && states.push(e.state),
      targets: [parseRef('elbv2:ig/i-0000000000000000a', refSyntaxes, 'target') as TargetRef],
    });
    expect(states).toContain('draining');
    expect(report.results[0]).toMatchObject({ outcome: 'drained' });
    const waited = clock.now() - Date.parse(report.startedAt);
    expect(waited).toBeGreaterThanOrEqual(62_000);
    expect(waited).toBeLessThan(64_000);
  });
});
