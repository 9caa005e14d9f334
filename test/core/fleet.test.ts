/** The fleet classifier: a ledger row and the time give one state, with no I/O. */
import { describe, expect, it } from 'vitest';
import { classifyDrain, countByState, fleetView } from '../../src/core/fleet.js';
import { GROUP_ROW_TARGET, type InstanceRecord } from '../../src/core/ledger.js';

const NOW = Date.parse('2026-11-22T04:00:00.000Z');
const at = (offsetMs: number): string => new Date(NOW + offsetMs).toISOString();
const HOLDER = { runner: 'build-7-4121-x1', host: 'build-7', pid: 4121 };

let nextId = 1;
function row(fields: Partial<InstanceRecord>): InstanceRecord {
  return {
    id: nextId++,
    provider: 'elbv2',
    group: 'web',
    target: 'i-0a1b2c3d4e5f60001:8080',
    status: 'draining',
    inFlight: null,
    drainStartedAt: at(-600_000),
    drainedAt: null,
    registration: null,
    holder: HOLDER,
    leaseExpiresAt: null,
    updatedAt: at(-1000),
    ...fields,
  };
}

describe('classifyDrain', () => {
  it.each([
    ['draining with a lease in the future', 'draining', { leaseExpiresAt: at(1) }],
    ['draining with a lease that ends exactly now', 'abandoned', { leaseExpiresAt: at(0) }],
    ['draining with a lease in the past', 'abandoned', { leaseExpiresAt: at(-30_000) }],
    ['draining with an unreadable lease', 'abandoned', { leaseExpiresAt: 'not a time' }],
    ['draining with no lease', 'released', { leaseExpiresAt: null }],
    ['draining with no lease and no holder (a row from before holders)', 'released', { leaseExpiresAt: null, holder: null }],
    ['stopped', 'drained', { status: 'stopped', drainedAt: at(-60_000) }],
    ['stopped with a lease left behind', 'drained', { status: 'stopped', drainedAt: at(-60_000), leaseExpiresAt: at(60_000) }],
  ] as const)('%s is %s', (_name, state, fields) => {
    expect(classifyDrain(row(fields), NOW)).toBe(state);
  });

  it('a live lease whose holder is known to be gone (a dead process of this host) is abandoned', () => {
    const gone = (h: { runner: string }) => h.runner === HOLDER.runner;
    expect(classifyDrain(row({ leaseExpiresAt: at(60_000) }), NOW, gone)).toBe('abandoned');
    expect(classifyDrain(row({ leaseExpiresAt: at(60_000) }), NOW, () => false)).toBe('draining');
  });

  it.each([
    ['an active row', { status: 'active' as const }],
    ["a group's own row, even if it says draining", { target: GROUP_ROW_TARGET, leaseExpiresAt: at(60_000) }],
    ["a group's own row that says stopped", { target: GROUP_ROW_TARGET, status: 'stopped' as const }],
  ])('%s is not a drain', (_name, fields) => {
    expect(classifyDrain(row(fields), NOW)).toBeUndefined();
  });
});

describe('fleetView', () => {
  const rows = [
    row({ provider: 'haproxy', group: '/run/haproxy/admin.sock/be_app', target: 'app1', status: 'stopped', drainedAt: at(-1000) }),
    row({ target: 'i-0a1b2c3d4e5f60002:8080', leaseExpiresAt: at(-1000) }),
    row({ target: 'i-0a1b2c3d4e5f60003:8080', leaseExpiresAt: at(60_000) }),
    row({ provider: 'elb', group: 'legacy-web', target: 'i-0a1b2c3d4e5f60009' }),
    row({ target: GROUP_ROW_TARGET, status: 'stopped' }),
    row({ target: 'i-0a1b2c3d4e5f60004:8080', status: 'active' }),
  ];

  it('keeps the ledger order, leaves out what is not a drain, and names canonical references and next steps', () => {
    expect(fleetView(rows, NOW).map((e) => [e.ref, e.state, e.actions])).toEqual([
      ['haproxy:/run/haproxy/admin.sock/be_app/app1', 'drained', ['restore']],
      ['elbv2:web/i-0a1b2c3d4e5f60002:8080', 'abandoned', ['watch', 'restore']],
      ['elbv2:web/i-0a1b2c3d4e5f60003:8080', 'draining', []],
      ['elb:legacy-web/i-0a1b2c3d4e5f60009', 'released', ['watch', 'restore']],
    ]);
  });

  it('the same row moves from draining to abandoned as time passes its lease', () => {
    const held = [row({ leaseExpiresAt: at(60_000) })];
    expect(fleetView(held, NOW)[0]!.state).toBe('draining');
    expect(fleetView(held, NOW + 60_000)[0]!.state).toBe('abandoned');
  });

  it('filters by provider, by group and by state', () => {
    expect(fleetView(rows, NOW, { provider: 'elb' }).map((e) => e.ref)).toEqual(['elb:legacy-web/i-0a1b2c3d4e5f60009']);
    expect(fleetView(rows, NOW, { group: { provider: 'elbv2', group: 'web' } }).map((e) => e.state)).toEqual(['abandoned', 'draining']);
    // A group of the same name under another provider is another group.
    expect(fleetView(rows, NOW, { group: { provider: 'elb', group: 'web' } })).toEqual([]);
    expect(fleetView(rows, NOW, { states: ['draining', 'released'] }).map((e) => e.state)).toEqual(['draining', 'released']);
    expect(fleetView(rows, NOW, { provider: 'elbv2', states: ['drained'] })).toEqual([]);
  });

  it('counts every state, zero included', () => {
    expect(countByState(fleetView(rows, NOW))).toEqual({ draining: 1, abandoned: 1, released: 1, drained: 1 });
    expect(countByState([])).toEqual({ draining: 0, abandoned: 0, released: 0, drained: 0 });
  });
});
