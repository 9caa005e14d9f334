import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/clock.js';
import { categoryOf, ElbApiPacer } from '../../src/providers/aws/pacer.js';
import { FakeClock } from '../support/fake-clock.js';

/** A clock that moves only when the test says: sleeps end when `advance` passes their end. */
class ManualClock implements Clock {
  private time = 0;
  private readonly pending: { until: number; resolve: () => void }[] = [];
  sleeps = 0;
  now(): number {
    return this.time;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps += 1;
    return new Promise((resolve) => this.pending.push({ until: this.time + ms, resolve }));
  }
  advance(ms: number): void {
    this.time += ms;
    for (const p of this.pending.filter((p) => p.until <= this.time)) {
      this.pending.splice(this.pending.indexOf(p), 1);
      p.resolve();
    }
  }
}

/** Lets every pending promise callback run (the fake clock resolves its sleeps on microtasks). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 50; i++) await Promise.resolve();
};

describe('ELB API pacing', () => {
  it('files actions under the published categories', () => {
    expect(['DeregisterTargets', 'RegisterInstancesWithLoadBalancer', 'DescribeTargetHealth', 'ModifyTargetGroupAttributes'].map(categoryOf)).toEqual([
      'registration',
      'registration',
      'describe',
      'mutating',
    ]);
  });

  it('lets a burst of 40 through at once, then 10 a second of clock time', async () => {
    const clock = new FakeClock();
    const started = clock.now();
    const pacer = new ElbApiPacer(clock);
    await Promise.all(Array.from({ length: 40 }, () => pacer.acquire('describe')));
    expect(clock.sleeps).toEqual([]);
    await Promise.all(Array.from({ length: 8 }, (_, i) => pacer.acquire(i % 2 ? 'describe' : 'registration')));
    expect(clock.sleeps).toEqual(Array(8).fill(100));
    expect(clock.now() - started).toBe(800);
  });

  it('puts registrations ahead of describes already waiting', async () => {
    const clock = new ManualClock();
    const pacer = new ElbApiPacer(clock);
    const order: string[] = [];
    const calls = [
      ...Array.from({ length: 45 }, (_, i) => pacer.acquire('describe').then(() => order.push(`d${i}`))),
      ...Array.from({ length: 3 }, (_, i) => pacer.acquire('registration').then(() => order.push(`r${i}`))),
    ];
    await settle();
    expect(order).toHaveLength(40);
    for (let i = 0; i < 8; i++) {
      clock.advance(100);
      await settle();
    }
    await Promise.all(calls);
    expect(order.slice(40)).toEqual(['r0', 'r1', 'r2', 'd40', 'd41', 'd42', 'd43', 'd44']);
  });

  it('with the bucket exhausted, a queued call leaves the queue when its signal aborts, and the token goes to the next', async () => {
    const clock = new ManualClock();
    const pacer = new ElbApiPacer(clock);
    await Promise.all(Array.from({ length: 40 }, () => pacer.acquire('describe')));
    const controller = new AbortController();
    const aborted = pacer.acquire('describe', controller.signal).then(
      () => 'released',
      (error: { kind?: string }) => error.kind,
    );
    await settle();
    expect(clock.sleeps).toBe(1);
    controller.abort('SIGINT');
    expect(await aborted).toBe('interrupted');
    // An already-aborted signal never queues.
    expect(await pacer.acquire('describe', controller.signal).then(() => 'released', (error: { kind?: string }) => error.kind)).toBe('interrupted');
  });

  it('an aborted call gives its place to the one behind it', async () => {
    const clock = new ManualClock();
    const pacer = new ElbApiPacer(clock);
    await Promise.all(Array.from({ length: 40 }, () => pacer.acquire('describe')));
    const controller = new AbortController();
    const first = pacer.acquire('describe', controller.signal).catch((error: { kind?: string }) => error.kind);
    const second = pacer.acquire('describe');
    let released = false;
    void second.then(() => (released = true));
    controller.abort();
    expect(await first).toBe('interrupted');
    // One token's wait for the second call, not two.
    clock.advance(100);
    await settle();
    expect(released).toBe(true);
  });
});
