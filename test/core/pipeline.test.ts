import { describe, expect, it } from 'vitest';
import { drainTargets } from '../../src/core/drain.js';
import { DrainctlError } from '../../src/core/errors.js';
import { restoreTargets } from '../../src/core/restore.js';
import { MAX_UNREACHABLE_ATTEMPTS } from '../../src/core/retry.js';
import { describeTargets, watchTargets } from '../../src/core/status.js';
import { FakeProvider } from '../support/fake-provider.js';
import { A, anyRef, elapsed, harness, ref, refused } from './harness.js';

const ARN = FakeProvider.arn('web');

describe('canonical references: one ledger row however a target is spelled', () => {
  it('drain by ARN; watch, status and restore by name and without the port all meet on the same row', async () => {
    const h = harness();
    const drained = await drainTargets({ ...h.base(), targets: [ref(`elbv2:${ARN}/${A}:8080`)], wait: false });
    expect(drained.results[0]?.target).toBe(`elbv2:web/${A}:8080`);
    expect((await h.ledger.instances({ provider: 'elbv2' })).map((r) => `${r.group}/${r.target}`)).toEqual([`web/${A}:8080`]);

    const [view] = await describeTargets({ ...h.base(), refs: [anyRef(`elbv2:web/${A}`)] });
    expect(view?.targets[0]).toMatchObject({ status: { state: 'draining' }, recorded: { status: 'draining' } });

    h.clock.time += 300_000;
    const watched = await watchTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] });
    expect(watched.results[0]).toMatchObject({ target: `elbv2:web/${A}:8080`, outcome: 'drained' });
    expect((await h.ledger.find({ provider: 'elbv2', group: 'web', target: `${A}:8080` }))?.status).toBe('stopped');

    const restored = await restoreTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] });
    expect(restored.results[0]).toMatchObject({ target: `elbv2:web/${A}:8080`, outcome: 'restored' });
    expect(h.provider.mutations().at(-1)).toBe(`restore web {"id":"${A}","port":8080}`);
    expect((await h.ledger.instances({ provider: 'elbv2' }))).toHaveLength(1);
    // Every event names the canonical group.
    const groups = new Set(h.events.flatMap((e) => ('group' in e ? [e.group] : 'target' in e && e.target ? [e.target.split('/')[0]] : [])));
    expect([...groups]).toEqual(['elbv2:web']);
  });

  it('a resume hint names the canonical reference', async () => {
    const h = harness();
    const controller = new AbortController();
    const onEvent = (e: { type: string; polls?: number }) => e.type === 'waiting' && e.polls === 1 && controller.abort('SIGINT');
    await expect(drainTargets({ ...h.base(), onEvent, signal: controller.signal, targets: [ref(`elbv2:${ARN}/${A}`)] })).rejects.toMatchObject({
      kind: 'interrupted',
      hint: `follow with: drainctl watch elbv2:web/${A}:8080; put back with: drainctl restore elbv2:web/${A}:8080; running drain again is safe`,
    });
  });
});

describe('a lost endpoint during the wait', () => {
  it('announces each retry with the endpoint, gives up after a few tries with a provider error naming it, long before --timeout', async () => {
    const h = harness();
    // Describes 1-3 are the inspection, the look under the capacity lock and the check after the change; the endpoint is lost from the first poll on.
    h.provider.failDescribesFrom = { call: 4, error: () => refused('127.0.0.1:4566') };
    const startedAt = h.clock.now();
    const failure = await drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)], timeoutMs: 600_000 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DrainctlError);
    expect(failure).toMatchObject({
      kind: 'provider',
      message: expect.stringMatching(/127\.0\.0\.1:4566 did not answer.*; gave up after 5 tries in a row \(elbv2:web\/i-0000000000000000a:8080 last seen active at/),
      hint: expect.stringMatching(/check that 127\.0\.0\.1:4566 is reachable.*follow with: drainctl watch elbv2:web\//),
      details: expect.objectContaining({ endpoint: '127.0.0.1:4566' }),
    });
    const retries = h.ofType('retry');
    expect(retries).toHaveLength(MAX_UNREACHABLE_ATTEMPTS - 1);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
    expect(retries[0]).toMatchObject({ retryable: 'unreachable', endpoint: '127.0.0.1:4566', maxAttempts: MAX_UNREACHABLE_ATTEMPTS, throttled: false });
    expect(h.clock.now() - startedAt).toBeLessThan(10_000);
    // Nothing claims the target finished or stopped draining: the ledger still says draining.
    expect((await h.ledger.find({ provider: 'elbv2', group: 'web', target: `${A}:8080` }))?.status).toBe('draining');
  });

  it('an endpoint that answers again in time is ridden out', async () => {
    const h = harness();
    h.provider.describeFailures.push(refused(), refused(), refused());
    const report = await drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] });
    expect(report.results[0]?.outcome).toBe('drained');
  });

  it('gives up on the inspection too, and on a provider call, under the same policy', async () => {
    const h = harness();
    h.provider.failDescribesFrom = { call: 1, error: () => refused() };
    await expect(drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] })).rejects.toMatchObject({ kind: 'provider', details: expect.objectContaining({ endpoint: '127.0.0.1:4566' }) });
    expect(h.ofType('retry')).toHaveLength(MAX_UNREACHABLE_ATTEMPTS - 1);
    expect(h.provider.mutations()).toEqual([]);
  });

  it('a wait that ends while polls keep failing reports the target unknown with what was last seen and when', async () => {
    const h = harness();
    const fault = () => new DrainctlError('provider', 'describe target health of web: HTTP 503 ServiceUnavailable', { retryable: 'transient' });
    // Describes 1-3 are the inspection, the look under the capacity lock and the check after the change; polls fail from the second on.
    h.provider.failDescribesFrom = { call: 5, error: fault };
    const report = await drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)], timeoutMs: 60_000 });
    expect(elapsed(h.clock, report.startedAt)).toBeLessThanOrEqual(60_000);
    expect(report.results[0]).toMatchObject({ outcome: 'timed_out', state: 'unknown', raw: { description: expect.stringMatching(/^last seen draining at 2026-.*HTTP 503/) } });
  });
});

describe('status of a countdown provider', () => {
  it('shows drained once the drain has finished (ledger start + the group timeout), as drain and watch do', async () => {
    const h = harness();
    h.provider.descriptor = { ...h.provider.descriptor, completion: 'countdown' };
    h.provider.addGroup('ig', 60, { [A]: 80, 'i-0000000000000000d': 80 });
    // The member stays listed with its admin state down: the provider alone would say draining forever.
    h.provider.groups.get('ig')!.timeout = 1e9;
    await drainTargets({ ...h.base(), targets: [ref(`elbv2:ig/${A}`)], wait: false });
    h.provider.groups.get('ig')!.timeout = 60;
    const during = await describeTargets({ ...h.base(), refs: [anyRef('elbv2:ig')] });
    h.clock.time += 61_000;
    h.provider.groups.get('ig')!.targets.get(A)!.drainingSince = h.clock.now(); // still shown as draining by the provider
    const after = await describeTargets({ ...h.base(), refs: [anyRef('elbv2:ig')] });
    const stateOf = (views: typeof after) => views[0]!.targets.find((t) => t.status.ref.target.startsWith(A))!.status.state;
    expect(stateOf(during)).toBe('draining');
    expect(stateOf(after)).toBe('drained');
  });

  it('shows drained for a drain that drain or watch recorded as finished', async () => {
    const h = harness();
    h.provider.descriptor = { ...h.provider.descriptor, completion: 'countdown' };
    h.provider.addGroup('lb', undefined, { [A]: 80, 'i-0000000000000000d': 80 });
    const report = await drainTargets({ ...h.base(), targets: [ref(`elbv2:lb/${A}`)], timeoutMs: 10_000 });
    expect(report.results[0]?.outcome).toBe('drained');
    expect(elapsed(h.clock, report.startedAt)).toBeLessThanOrEqual(10_000);
    const [view] = await describeTargets({ ...h.base(), refs: [anyRef(`elbv2:lb/${A}`)] });
    expect(view?.targets[0]?.status.state).toBe('drained');
  });
});
