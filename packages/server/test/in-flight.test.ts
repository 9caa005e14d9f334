import { describe, expect, it } from 'vitest';
import { InFlightCounter } from '../src/in-flight.js';

describe('InFlightCounter', () => {
  it('counts each entry down exactly once and calls onIdle on the decrement that reaches zero, synchronously', () => {
    const idle: number[] = [];
    const counter = new InFlightCounter(() => idle.push(counter.size), 0);
    const a = counter.start('requests');
    const b = counter.start('requests');
    expect(counter.idleSince).toBeNull();
    counter.end(a);
    counter.end(a);
    expect(counter.snapshot().requests).toBe(1);
    expect(idle).toEqual([]);
    counter.end(b);
    expect(idle).toEqual([0]);
    counter.end(b);
    expect(idle).toEqual([0]);
    expect(counter.snapshot()).toEqual({ requests: 0, persistent: 0, webSocket: 0, sse: 0, longPoll: 0, tracked: 0 });
    expect(counter.lastRequestEndedAt).not.toBeNull();
  });

  it('moves open work between kinds without changing the total, and never moves closed work', () => {
    const counter = new InFlightCounter(() => undefined);
    const entry = counter.start('requests');
    counter.reclassify(entry, 'sse');
    expect(counter.snapshot()).toMatchObject({ requests: 0, sse: 1, persistent: 1 });
    counter.end(entry);
    counter.reclassify(entry, 'requests');
    expect(counter.snapshot()).toMatchObject({ requests: 0, sse: 0, persistent: 0 });
    expect(counter.lastRequestEndedAt).toBeNull(); // an SSE stream ending is not a request ending
  });
});
