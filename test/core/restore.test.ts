import { beforeEach, describe, expect, it } from 'vitest';
import { drainTargets } from '../../src/core/drain.js';
import { restoreTargets } from '../../src/core/restore.js';
import { A, B, elapsed, harness, ref } from './harness.js';

describe('restoreTargets', () => {
  let h: ReturnType<typeof harness>;
  beforeEach(() => {
    h = harness();
  });

  it('puts back the recorded registration, also when named without its port, and waits until healthy', async () => {
    await drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] });
    const report = await restoreTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] });
    expect(report.results).toMatchObject([{ target: `elbv2:web/${A}:8080`, outcome: 'restored', health: 'healthy' }]);
    expect(h.provider.mutations().at(-1)).toBe(`restore web {"id":"${A}","port":8080}`);
    expect((await h.ledger.find({ provider: 'elbv2', group: 'web', target: `${A}:8080` }))?.status).toBe('active');
    expect(h.ofType('group')).toMatchObject([{ providerId: expect.stringMatching(/^arn:/) }, { group: 'elbv2:web', providerId: expect.stringMatching(/^arn:aws:elasticloadbalancing:.*targetgroup\/web\//) }]);
  });

  it('reports a target already in service as unchanged, and makes no call', async () => {
    const report = await restoreTargets({ ...h.base(), targets: [ref(`elbv2:web/${B}`)] });
    expect(report.results).toMatchObject([{ outcome: 'unchanged' }]);
    expect(h.provider.mutations()).toEqual([]);
  });

  it('without a record registers the target as the reference names it, with a warning', async () => {
    h.provider.groups.get('web')!.targets.delete(A);
    const report = await restoreTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}:9090`)] });
    expect(report.results[0]).toMatchObject({ outcome: 'restored' });
    expect(h.provider.mutations()).toEqual([`restore web {"id":"${A}","port":9090}`]);
    expect(h.ofType('warning')[0]?.message).toMatch(/no recorded registration/);
  });

  it('without a record and without a port refuses rather than guess', async () => {
    h.provider.groups.get('web')!.targets.delete(A);
    await expect(restoreTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] })).rejects.toMatchObject({ kind: 'usage' });
    expect(h.provider.mutations()).toEqual([]);
  });

  it('dry run says what it would register and changes nothing', async () => {
    await drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] });
    const before = h.provider.mutations().length;
    const report = await restoreTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)], dryRun: true });
    expect(report.results[0]?.outcome).toBe('would_restore');
    expect(h.provider.mutations()).toHaveLength(before);
    expect(h.ofType('action').at(-1)).toMatchObject({ action: 'register', dryRun: true, detail: expect.stringMatching(/register as recorded: id=.*port=8080/) });
  });

  it('--no-wait registers and returns restoring, the ledger active', async () => {
    await drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] });
    const report = await restoreTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)], wait: false });
    expect(report.results[0]?.outcome).toBe('restoring');
    expect((await h.ledger.find({ provider: 'elbv2', group: 'web', target: `${A}:8080` }))?.status).toBe('active');
  });

  it('times out when the target never becomes healthy within --timeout, and says so per target', async () => {
    await drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] });
    // Registered targets stay `initial` for 1 s on the fake; a 500 ms bound ends before that.
    const report = await restoreTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)], timeoutMs: 500 });
    expect(report.results[0]).toMatchObject({ outcome: 'timed_out', state: 'active', health: 'initial' });
    expect(elapsed(h.clock, report.startedAt)).toBeLessThanOrEqual(500);
    expect((await h.ledger.history())[0]).toMatchObject({ type: 'timed_out', details: { waitingFor: 'healthy' } });
  });
});
