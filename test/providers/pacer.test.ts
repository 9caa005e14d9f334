import { describe, expect, it } from 'vitest';
import { categoryOf, ElbApiPacer } from '../../src/providers/aws/pacer.js';

describe('ELB API pacing', () => {
  it('files actions under the published categories', () => {
    expect(['DeregisterTargets', 'RegisterInstancesWithLoadBalancer', 'DescribeTargetHealth', 'ModifyTargetGroupAttributes'].map(categoryOf)).toEqual([
      'registration',
      'registration',
      'describe',
      'mutating',
    ]);
  });

  it('lets a burst of 40 through at once, then 10 a second, with registrations ahead of describes', async () => {
    let now = 0;
    const pacer = new ElbApiPacer(() => now);
    const order: string[] = [];
    const calls = [
      ...Array.from({ length: 45 }, (_, i) => pacer.acquire('describe').then(() => order.push(`d${i}`))),
      ...Array.from({ length: 3 }, (_, i) => pacer.acquire('registration').then(() => order.push(`r${i}`))),
    ];
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toHaveLength(40);
    expect(order.filter((o) => o.startsWith('r'))).toEqual([]);
    now += 500; // 5 tokens later
    await new Promise((r) => setTimeout(r, 60));
    expect(order.slice(40)).toEqual(['r0', 'r1', 'r2', 'd40', 'd41']);
    now += 1000;
    await Promise.all(calls);
    expect(order).toHaveLength(48);
  });
});
