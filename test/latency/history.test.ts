import { describe, expect, it } from 'vitest';
import { GROUP_ROW_TARGET, type LedgerEventType } from '../../src/core/ledger.js';
import { drainHistory } from '../../src/latency/history.js';
import { createMemoryLedger } from '../../src/ledger/memory.js';

const T0 = Date.parse('2026-11-01T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

/** Records events for targets of one group: [target, type, seconds after T0]. */
async function ledgerWith(provider: string, group: string, events: [string, LedgerEventType, number][]) {
  const ledger = createMemoryLedger();
  for (const [target, type, s] of events) await ledger.record({ provider, group, target }, {}, { type, at: at(s) });
  return ledger;
}

describe('drainHistory', () => {
  it('pairs each drain_requested with the drained that followed it', async () => {
    const ledger = await ledgerWith('elb', 'legacy', [
      ['i-01', 'drain_requested', 0],
      ['i-01', 'state_changed', 1],
      ['i-01', 'drained', 12],
      ['i-02', 'drain_requested', 100],
      ['i-02', 'drained', 130],
      ['i-01', 'restore_requested', 200],
      ['i-01', 'restored', 210],
      ['i-01', 'drain_requested', 300],
      ['i-01', 'drained', 320],
      [GROUP_ROW_TARGET, 'timeout_changed', 400],
    ]);
    const h = await drainHistory(ledger, { provider: 'elb', group: 'legacy' });
    expect(h).toMatchObject({ completed: 3, cut: 0, abandoned: 0, targets: 2, measuresTimeout: false, truncated: false });
    expect(h.summary?.max).toBe(30);
    expect(h.summary?.p50).toBeCloseTo(20, 0);
  });

  it('a drain that timed out and was seen drained later counts its full length; forced and restored ones do not', async () => {
    const ledger = await ledgerWith('elb', 'legacy', [
      ['i-01', 'drain_requested', 0],
      ['i-01', 'timed_out', 60],
      ['i-01', 'drained', 90],
      ['i-02', 'drain_requested', 0],
      ['i-02', 'forced', 60],
      ['i-03', 'drain_requested', 0],
      ['i-03', 'restore_requested', 5],
      ['i-04', 'drain_requested', 0],
    ]);
    const h = await drainHistory(ledger, { provider: 'elb', group: 'legacy' });
    expect(h).toMatchObject({ completed: 1, cut: 1, abandoned: 1, targets: 4 });
    expect(h.summary?.p99).toBe(90);
  });

  it('reads only the group asked for, and says when drains measure the timeout (ELBv2)', async () => {
    const ledger = await ledgerWith('elbv2', 'web', [
      ['i-01', 'drain_requested', 0],
      ['i-01', 'drained', 300],
    ]);
    await ledger.record({ provider: 'elbv2', group: 'api', target: 'i-09' }, {}, { type: 'drain_requested', at: at(0) });
    await ledger.record({ provider: 'elbv2', group: 'api', target: 'i-09' }, {}, { type: 'drained', at: at(5) });
    const web = await drainHistory(ledger, { provider: 'elbv2', group: 'web' });
    expect(web).toMatchObject({ completed: 1, measuresTimeout: true });
    expect(web.summary?.max).toBe(300);
    expect((await drainHistory(ledger, { provider: 'elbv2', group: 'none' })).summary).toBeUndefined();
  });

  it('stops at its event limit and says so', async () => {
    const events: [string, LedgerEventType, number][] = [];
    for (let i = 0; i < 50; i++) events.push([`i-${i}`, 'drain_requested', i * 10], [`i-${i}`, 'drained', i * 10 + 5]);
    const h = await drainHistory(await ledgerWith('elb', 'legacy', events), { provider: 'elb', group: 'legacy' }, 40);
    expect(h).toMatchObject({ eventsRead: 40, truncated: true, completed: 20 });
  });
});
