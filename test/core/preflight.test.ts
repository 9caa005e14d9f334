import { beforeEach, describe, expect, it } from 'vitest';
import { drainTargets } from '../../src/core/drain.js';
import { A, B, C, harness, ref } from './harness.js';

describe('preflight: refused before any change, each refusal naming its override', () => {
  let h: ReturnType<typeof harness>;
  beforeEach(() => {
    h = harness();
  });

  it('refuses to drain the last healthy targets of a group, and --force overrides', async () => {
    const all = [A, B, C].map((id) => ref(`elbv2:web/${id}`));
    await expect(drainTargets({ ...h.base(), targets: all })).rejects.toMatchObject({ kind: 'refused', message: expect.stringMatching(/no healthy target/), hint: expect.stringMatching(/--force/) });
    expect(h.provider.mutations()).toEqual([]);
    expect(h.ofType('plan')).toEqual([]);
    const forced = await drainTargets({ ...h.base(), targets: all, force: true, wait: false });
    expect(forced.results.map((r) => r.outcome)).toEqual(['draining', 'draining', 'draining']);
  });

  it('refuses when draining is switched off on the group (it would cut requests), and --force overrides', async () => {
    h.provider.addGroup('nodrain', 300, { [A]: 80, [B]: 80 }, { enabled: false });
    await expect(drainTargets({ ...h.base(), targets: [ref(`elbv2:nodrain/${A}`)] })).rejects.toMatchObject({ kind: 'refused', message: expect.stringMatching(/draining is disabled/), hint: expect.stringMatching(/timeout set .*--force/) });
    expect(h.provider.mutations()).toEqual([]);
    const forced = await drainTargets({ ...h.base(), targets: [ref(`elbv2:nodrain/${A}`)], force: true });
    expect(forced.results[0]).toMatchObject({ outcome: 'drained' });
  });

  it('refuses a target in a state it cannot interpret, and --force drains it anyway', async () => {
    h.provider.setOddState('web', A, 'mystery');
    await expect(drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)] })).rejects.toMatchObject({ kind: 'refused', message: expect.stringMatching(/cannot interpret: mystery/) });
    expect(h.provider.mutations()).toEqual([]);
    await drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)], force: true, wait: false });
    expect(h.provider.mutations()).toEqual([`drain web ${A}:8080`]);
  });

  it('refuses --on-timeout force for a provider that cannot cut connections, before any call', async () => {
    await expect(drainTargets({ ...h.base(), targets: [ref(`elbv2:web/${A}`)], onTimeout: 'force' })).rejects.toMatchObject({ kind: 'usage', message: expect.stringMatching(/cannot cut open connections/) });
    expect(h.provider.calls).toEqual([]);
  });
});
