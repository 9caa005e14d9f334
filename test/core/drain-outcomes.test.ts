import { beforeEach, describe, expect, it } from 'vitest';
import { DEADLINE_GRACE_MS } from '../../src/core/call.js';
import { drainTargets } from '../../src/core/drain.js';
import { DrainctlError } from '../../src/core/errors.js';
import { A, elapsed, harness, ref } from './harness.js';

describe('drain outcomes', () => {
  let h: ReturnType<typeof harness>;
  beforeEach(() => {
    h = harness();
  });

  it('--no-wait says drained, and records it, when the drain completed at once (delay 0)', async () => {
    h.provider.addGroup('instant', 0, { [A]: 8080, 'i-0000000000000000d': 8080 });
    const report = await drainTargets({ ...h.base(), targets: [ref(`elbv2:instant/${A}`)], wait: false });
    expect(report.results[0]).toMatchObject({ target: `elbv2:instant/${A}:8080`, outcome: 'drained' });
    expect((await h.ledger.find({ provider: 'elbv2', group: 'instant', target: `${A}:8080` }))?.status).toBe('stopped');
    expect(h.ofType('target_done')).toMatchObject([{ outcome: 'drained' }]);
  });

  it('--no-wait leaves a target with a drain timeout draining, and a rerun reports it unchanged once drained', async () => {
    const first = await drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)], wait: false });
    expect(first.results[0]?.outcome).toBe('draining');
    h.clock.time += 301_000;
    const rerun = await drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)], wait: false });
    expect(rerun.results[0]?.outcome).toBe('unchanged');
    expect(h.provider.mutations()).toHaveLength(1);
  });

  it('--on-timeout force cuts what is left when the wait runs out, and records it as forced', async () => {
    h.provider.enableForceClose();
    const report = await drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)], timeoutMs: 20_000, onTimeout: 'force' });
    expect(report.results[0]).toMatchObject({ outcome: 'forced', state: 'drained' });
    expect(h.provider.mutations()).toEqual([`drain web ${A}:8080`, `forceClose web ${A}:8080`]);
    expect((await h.ledger.find({ provider: 'elbv2', group: 'web', target: `${A}:8080` }))).toMatchObject({ status: 'stopped', inFlight: 0 });
    expect((await h.ledger.history()).map((e) => e.type)).toContain('forced');
    expect(h.ofType('warning')[0]?.message).toMatch(/cut 3 open sessions/);
    expect(elapsed(h.clock, report.startedAt)).toBeLessThanOrEqual(20_000);
  });

  it('a refused drain (details.applied false, an AWS 403) goes back to active with changed: false', async () => {
    h.provider.drainFailure = { error: new DrainctlError('provider', 'deregister targets from web: access denied', { details: { applied: false } }), applied: false };
    await expect(drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] })).rejects.toMatchObject({ kind: 'provider' });
    expect((await h.ledger.find({ provider: 'elbv2', group: 'web', target: `${A}:8080` }))).toMatchObject({ status: 'active', drainStartedAt: null });
    expect((await h.ledger.history())[0]).toMatchObject({ type: 'failed', details: { changed: false } });
  });

  it('a drain whose answer was lost (it may have been applied) stays draining with changed: true, and a rerun carries on', async () => {
    h.provider.drainFailure = { error: new DrainctlError('provider', 'deregister targets from web: HTTP 500'), applied: true };
    await expect(drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] })).rejects.toMatchObject({ kind: 'provider' });
    expect((await h.ledger.find({ provider: 'elbv2', group: 'web', target: `${A}:8080` }))?.status).toBe('draining');
    expect((await h.ledger.history())[0]).toMatchObject({ type: 'failed', details: { changed: true } });
    const rerun = await drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] });
    expect(rerun.results[0]?.outcome).toBe('drained');
    expect(h.provider.mutations()).toHaveLength(1);
  });

  it('a refusal or a missing target goes back to active too', async () => {
    h.provider.drainFailure = { error: new DrainctlError('not_found', 'target group web not found'), applied: false };
    await expect(drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] })).rejects.toMatchObject({ kind: 'not_found' });
    expect((await h.ledger.history())[0]).toMatchObject({ type: 'failed', details: { changed: false } });
  });
});

describe('--timeout bounds the whole command, on the fake clock', () => {
  it('cuts a drain call that itself waits 10 minutes at 30 s, with a timeout error', async () => {
    const h = harness();
    h.provider.drainWaitMs = 10 * 60_000;
    const startedAt = h.clock.now();
    await expect(drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)], timeoutMs: 30_000 })).rejects.toMatchObject({ kind: 'timeout', message: expect.stringMatching(/gave up at the deadline/) });
    // Cut just after the deadline: a provider's own bounded wait gets to say what it waited for first.
    expect(h.clock.now() - startedAt).toBe(30_000 + DEADLINE_GRACE_MS);
  });

  it('cuts a describe that hangs during the wait at 30 s, reporting the target unknown, not draining', async () => {
    const h = harness();
    // Describes 1-3 are the inspection, the look under the capacity lock and the check after the change, the first poll 4; from the fifth on, describes hang for 10 minutes.
    h.provider.slowDescribe = { from: 5, ms: 10 * 60_000 };
    const report = await drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)], timeoutMs: 30_000 });
    expect(elapsed(h.clock, report.startedAt)).toBe(30_000 + DEADLINE_GRACE_MS);
    expect(report.results[0]).toMatchObject({ outcome: 'timed_out', state: 'unknown', raw: { description: expect.stringMatching(/last seen draining at .*the last look failed: .*gave up at the deadline/) } });
  });
});
