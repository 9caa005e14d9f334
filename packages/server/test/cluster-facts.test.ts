import { describe, expect, it } from 'vitest';
import { clusterState, combineFacts, combineStates, sumCounts } from '../src/cluster-facts.js';
import { buildClusterStatus } from '../src/cluster-status.js';
import type { InFlightCounts } from '../src/in-flight.js';
import type { StatusFacts } from '../src/status.js';

/** The cluster primary's arithmetic, without processes: the rules the process tests rely on, case by case. */

const counts = (requests: number, webSocket = 0): InFlightCounts => ({ requests, persistent: webSocket, webSocket, sse: 0, longPoll: 0, tracked: 0 });

function worker(pid: number, over: Partial<StatusFacts> = {}): StatusFacts {
  return {
    state: 'serving', pid, inFlight: counts(0), drainStartedAt: null, drainTimeoutMs: 5000, shutdownDelayMs: 0,
    lastRequestEndedAt: null, idleSince: 1_000, accepting: true, ...over,
  };
}

const whole = { pid: 1, state: 'serving' as const, drainTimeoutMs: 30_000, shutdownDelayMs: 500, drainStartedAt: null, idleFloor: 0 };

describe('combineFacts', () => {
  it('sums the counts of every kind', () => {
    const facts = combineFacts([worker(2, { inFlight: counts(3, 1), idleSince: null }), worker(3, { inFlight: counts(2), idleSince: null })], whole);
    expect(facts.inFlight).toEqual({ requests: 5, persistent: 1, webSocket: 1, sse: 0, longPoll: 0, tracked: 0 });
    expect(sumCounts([])).toEqual(counts(0));
  });

  it('one idle worker and one busy worker: not idle', () => {
    const facts = combineFacts([worker(2, { idleSince: 500 }), worker(3, { inFlight: counts(1), idleSince: null })], whole);
    expect(facts.idleSince).toBeNull();
    expect(buildClusterStatus(facts, [], 2_000).idle_for_ms).toBeNull();
  });

  it('every worker idle: idle since the one that became idle last, so idle_for_ms is the smallest', () => {
    const facts = combineFacts([worker(2, { idleSince: 500 }), worker(3, { idleSince: 1_500 })], whole);
    expect(buildClusterStatus(facts, [], 2_000).idle_for_ms).toBe(500);
  });

  it('never idle from before the floor (a worker went away then, with whatever it held)', () => {
    expect(combineFacts([worker(2, { idleSince: 500 })], { ...whole, idleFloor: 1_800 }).idleSince).toBe(1_800);
    expect(combineFacts([], { ...whole, idleFloor: 1_800 }).idleSince).toBe(1_800);
  });

  it('the latest request end, accepting while any worker accepts, the earliest drain start unless the whole has its own', () => {
    const parts = [worker(2, { lastRequestEndedAt: 700, accepting: false, drainStartedAt: 900 }), worker(3, { lastRequestEndedAt: 800, drainStartedAt: 600 })];
    const facts = combineFacts(parts, whole);
    expect([facts.lastRequestEndedAt, facts.accepting, facts.drainStartedAt]).toEqual([800, true, 600]);
    expect(combineFacts(parts, { ...whole, drainStartedAt: 950 }).drainStartedAt).toBe(950);
    expect(combineFacts(parts.map((p) => ({ ...p, accepting: false })), whole).accepting).toBe(false);
  });

  it('the whole speaks for itself: pid, state, timeouts', () => {
    const facts = combineFacts([worker(2)], { ...whole, state: 'draining' });
    expect([facts.pid, facts.state, facts.drainTimeoutMs, facts.shutdownDelayMs]).toEqual([1, 'draining', 30_000, 500]);
  });

  it('the status lists each worker with its own counts', () => {
    const parts = [{ id: 1, facts: worker(20, { inFlight: counts(2), idleSince: null }) }, { id: 2, facts: worker(21, { state: 'draining' }) }];
    const status = buildClusterStatus(combineFacts(parts.map((p) => p.facts), whole), parts, 2_000);
    expect(status.schema).toBe('drainctl.server-status/v1');
    expect(status.in_flight.requests).toBe(2);
    expect(status.workers).toEqual([
      { id: 1, pid: 20, state: 'serving', in_flight: { requests: 2, persistent: 0, web_socket: 0, sse: 0, long_poll: 0, tracked: 0 } },
      { id: 2, pid: 21, state: 'draining', in_flight: { requests: 0, persistent: 0, web_socket: 0, sse: 0, long_poll: 0, tracked: 0 } },
    ]);
  });
});

describe('clusterState', () => {
  it.each([
    ['serving', ['serving', 'serving'], false, 'serving'],
    ['serving', [], false, 'serving'],
    ['serving', ['serving', 'draining'], false, 'draining'],
    ['draining', ['serving', 'serving'], false, 'draining'],
    ['draining', ['drained', 'draining'], false, 'draining'],
    ['draining', ['drained', 'closed'], false, 'drained'],
    ['draining', [], false, 'drained'],
    ['draining', ['drained'], true, 'forced'],
    ['draining', ['forced', 'draining'], false, 'forced'],
    ['forced', [], false, 'forced'],
    ['drained', [], false, 'drained'],
    ['closed', [], false, 'closed'],
  ] as const)('primary %s, workers %j, a worker cut before: %s → %s', (primary, workers, cut, expected) => {
    expect(clusterState(primary, workers, cut)).toBe(expected);
  });
});

describe('combineStates (the drainers of one worker)', () => {
  it.each([
    [['serving', 'serving'], 'serving'],
    [['serving', 'draining'], 'draining'],
    [['drained', 'draining'], 'draining'],
    [['drained', 'closed'], 'drained'],
    [['closed', 'closed'], 'closed'],
    [['forced', 'closed'], 'forced'],
  ] as const)('%j → %s', (states, expected) => {
    expect(combineStates(states)).toBe(expected);
  });
});
