/** The emulator's wire behaviour without the SDK: routing, api-version, throttling buckets, faults. */
import { describe, expect, it } from 'vitest';
import { ARM_RATES, demoSeed, mulberry32, startAzureEmulator, type AzureEmulator } from '../../../src/emulators/azure/index.js';
import { FakeClock, azureHarness } from './helpers.js';

const base = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/demo-rg/providers/Microsoft.Network';
const get = (e: AzureEmulator, path: string, query = '?api-version=2025-05-01') => fetch(`${e.url}${path}${query}`);

describe('Azure emulator wire', () => {
  const harness = azureHarness();

  it('answers unknown paths 404, other methods 405, and a missing api-version 400, all logged', async () => {
    const emulator = await harness.start({ seed: demoSeed() });
    expect((await get(emulator, '/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/virtualMachines/z')).status).toBe(404);
    expect((await fetch(`${emulator.url}${base}/loadBalancers/demo-lb?api-version=2025-05-01`, { method: 'DELETE' })).status).toBe(405);
    const missing = await get(emulator, `${base}/applicationGateways/demo-agw`, '');
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('MissingApiVersionParameter');
    expect(emulator.requestLog.map((e) => [e.action, e.status])).toEqual([['unknown', 404], ['unknown', 405], ['applicationGateways.get', 400]]);
  });

  it('throttles reads per subscription as ARM publishes: 250 tokens, 25 a second, 429 with Retry-After', async () => {
    const clock = new FakeClock();
    const emulator = await harness.start({ seed: demoSeed(), clock, faults: {} });
    expect(ARM_RATES.reads).toEqual({ capacity: 250, refillPerSecond: 25 });
    let last: Response | undefined;
    for (let i = 0; i < ARM_RATES.reads.capacity; i++) last = await get(emulator, `${base}/loadBalancers/demo-lb`);
    expect(last!.status).toBe(200);
    expect(last!.headers.get('x-ms-ratelimit-remaining-subscription-reads')).toBe('0');
    const refused = await get(emulator, `${base}/loadBalancers/demo-lb`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('SubscriptionRequestsThrottled');
    // Writes have their own bucket.
    const write = await fetch(`${emulator.url}${base}/applicationGateways/demo-agw/backendhealth?api-version=2025-05-01`, { method: 'POST' });
    expect(write.status).toBe(202);
    expect(write.headers.get('x-ms-ratelimit-remaining-subscription-writes')).toBe('199');
    clock.advance(1000);
    expect((await get(emulator, `${base}/loadBalancers/demo-lb`)).headers.get('x-ms-ratelimit-remaining-subscription-reads')).toBe('24');
    emulator.setThrottle('off');
    for (let i = 0; i < 30; i++) expect((await get(emulator, `${base}/loadBalancers/demo-lb`)).status).toBe(200);
  });

  it('injects server errors and resets deterministically with a seeded PRNG; a reset still applies the write', async () => {
    const outcomes = async () => {
      const emulator = await startAzureEmulator({ seed: demoSeed(), random: mulberry32(42), faults: { serverErrorRate: 0.3, resetRate: 0.2, latencyMs: 1 } });
      const seen: string[] = [];
      for (let i = 0; i < 20; i++) {
        seen.push(await get(emulator, `${base}/loadBalancers/demo-lb`).then((r) => String(r.status), () => 'reset'));
      }
      const faults = emulator.requestLog.map((e) => e.fault ?? '-');
      await emulator.stop();
      return { seen, faults };
    };
    const first = await outcomes();
    expect(first).toEqual(await outcomes());
    expect(first.seen).toContain('reset');
    expect(first.seen.some((s) => s === '500' || s === '503')).toBe(true);

    const emulator = await harness.start({ seed: demoSeed(), operationDelayMs: 0, faults: { resetRate: 1 } });
    const pool = `${base}/loadBalancers/demo-lb/backendAddressPools/web-pool`;
    const put = fetch(`${emulator.url}${pool}?api-version=2025-05-01`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ properties: { loadBalancerBackendAddresses: [{ name: 'web-1', properties: { ipAddress: '10.2.0.4', adminState: 'Down' } }] } }) });
    await expect(put).rejects.toThrow();
    emulator.setFaults({});
    const after = (await (await get(emulator, pool)).json()) as { properties: { loadBalancerBackendAddresses: { name: string; properties: { adminState: string } }[] } };
    expect(after.properties.loadBalancerBackendAddresses.map((a) => [a.name, a.properties.adminState])).toEqual([['web-1', 'Down']]);
    expect(emulator.requestLog[0]).toMatchObject({ action: 'loadBalancerBackendAddressPools.createOrUpdate', fault: 'reset', status: 200, mutating: true });
  });

  it('operation status moves InProgress → Succeeded with the clock; the gateway is Updating meanwhile', async () => {
    const clock = new FakeClock();
    const emulator = await harness.start({ seed: demoSeed(), clock, operationDelayMs: 5000, faults: {} });
    const body = await (await get(emulator, `${base}/applicationGateways/demo-agw`)).json();
    const put = await fetch(`${emulator.url}${base}/applicationGateways/demo-agw?api-version=2025-05-01`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(put.status).toBe(200);
    expect(put.headers.get('retry-after')).toBe('0');
    const operation = put.headers.get('azure-asyncoperation')!;
    expect(operation).toMatch(/\/subscriptions\/00000000-0000-0000-0000-000000000001\/providers\/Microsoft\.Network\/locations\/westus\/operations\/[0-9a-f-]{36}\?api-version=2025-05-01$/);
    expect(((await (await fetch(operation)).json()) as { status: string }).status).toBe('InProgress');
    expect(((await (await get(emulator, `${base}/applicationGateways/demo-agw`)).json()) as { properties: { provisioningState: string } }).properties.provisioningState).toBe('Updating');
    clock.advance(5000);
    expect(await (await fetch(operation)).json()).toMatchObject({ status: 'Succeeded', endTime: expect.any(String) });
    expect(((await (await get(emulator, `${base}/applicationGateways/demo-agw`)).json()) as { properties: { provisioningState: string } }).properties.provisioningState).toBe('Succeeded');
  });
});
