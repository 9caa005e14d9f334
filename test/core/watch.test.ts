import { beforeEach, describe, expect, it } from 'vitest';
import { drainTargets } from '../../src/core/drain.js';
import { watchTargets } from '../../src/core/status.js';
import { A, B, elapsed, harness, ref } from './harness.js';

describe('watchTargets', () => {
  let h: ReturnType<typeof harness>;
  beforeEach(() => {
    h = harness();
  });

  it('follows a draining target until drained, waiting only what is left of its drain, and records it', async () => {
    await drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)], wait: false });
    h.clock.time += 100_000;
    const report = await watchTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] });
    expect(report.results[0]).toMatchObject({ target: `elbv2:web/${A}:8080`, outcome: 'drained' });
    expect(elapsed(h.clock, report.startedAt)).toBeLessThan(201_000);
    expect((await h.ledger.find({ provider: 'elbv2', group: 'web', target: `${A}:8080` }))?.status).toBe('stopped');
    expect(h.provider.mutations()).toHaveLength(1);
  });

  it('reports a never-drained healthy target as unchanged: in service, nothing to watch', async () => {
    const report = await watchTargets({ ...h.base(), targets: [ref(`elbv2:web/${B}`)] });
    expect(report.results[0]).toMatchObject({ outcome: 'unchanged', state: 'active' });
    expect((await h.ledger.history())).toEqual([]);
  });

  it('reports a target put back by someone else as restored, and brings the ledger up to date', async () => {
    await drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] });
    await h.provider.restore({ kind: 'group', provider: 'elbv2', group: 'web' }, [{ ref: ref(`elbv2:web/${A}:8080`), registration: { id: A, port: 8080 } }]);
    const report = await watchTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)], timeoutMs: 10_000 });
    expect(report.results[0]).toMatchObject({ outcome: 'restored' });
    expect((await h.ledger.find({ provider: 'elbv2', group: 'web', target: `${A}:8080` }))?.status).toBe('active');
  });

  it('times out within --timeout, leaving the target draining', async () => {
    await drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)], wait: false });
    const report = await watchTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)], timeoutMs: 10_000 });
    expect(report.results[0]).toMatchObject({ outcome: 'timed_out', state: 'draining' });
    expect(elapsed(h.clock, report.startedAt)).toBeLessThanOrEqual(10_000);
  });

  it("names the group by the provider's id in its group event, as drain does", async () => {
    await drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)], wait: false });
    await watchTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] });
    expect(h.ofType('group')).toMatchObject([{ group: 'elbv2:web', providerId: expect.stringMatching(/^arn:aws:elasticloadbalancing:/) }]);
  });
});
