/**
 * The real @azure/arm-network client against the emulator seeded from the official examples
 * (after the fixes seedFromOfficialExamples applies): what the SDK parses, sends and throws.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApplicationGateway } from '@azure/arm-network';
import { describe, expect, it } from 'vitest';
import { seedFromOfficialExamples, type AzureSeed } from '../../../src/emulators/azure/index.js';
import { EXAMPLE_SUBSCRIPTION, FIXTURES_DIR, FakeClock, azureHarness, officialExamplesAvailable, rejectionOf, sdkClient } from './helpers.js';

const haveExamples = officialExamplesAvailable();
const appgw = { subscription: EXAMPLE_SUBSCRIPTION, resourceGroup: 'rg1', name: 'appgw' };
const poll = { updateIntervalInMs: 5 };

/** Read-only fields the SDK leaves out of a PUT body, and defaults its serializer adds. */
const READ_ONLY = new Set(['etag', 'provisioningState', 'publicCertData', 'validatedCertData', 'clientCertIssuerDN', 'privateEndpointConnections']);
const SDK_DEFAULTS = new Set(['validateCertChainAndExpiry', 'validateSNI']);

function withoutReadOnly(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutReadOnly);
  if (typeof value !== 'object' || value === null) return value;
  const kept = Object.entries(value).filter(([k]) => !READ_ONLY.has(k) && !SDK_DEFAULTS.has(k)).map(([k, v]) => [k, withoutReadOnly(v)] as const);
  // An object of nothing but read-only fields is left out of the PUT altogether.
  return Object.fromEntries(kept.filter(([, v]) => !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)));
}

describe.runIf(haveExamples)('@azure/arm-network against the emulator seeded from the official examples', () => {
  const harness = azureHarness();
  let seed: AzureSeed;
  const start = async (options: Parameters<typeof harness.start>[0] = {}) => {
    seed ??= await seedFromOfficialExamples(FIXTURES_DIR, { drainTimeoutInSec: 1 });
    return harness.start({ seed, ...options });
  };

  it('applicationGateways.get parses backend addresses as objects and connection draining as added', async () => {
    const client = sdkClient(await start());
    const gw = await client.applicationGateways.get('rg1', 'appgw');
    const pool = gw.backendAddressPools?.find((p) => p.name === 'appgwpool1');
    expect(pool?.backendAddresses).toEqual([{ ipAddress: '10.0.0.1' }, { ipAddress: '10.0.0.2' }]);
    expect(gw.backendHttpSettingsCollection?.[0]?.connectionDraining).toEqual({ enabled: true, drainTimeoutInSec: 1 });
    expect(gw.etag).toMatch(/^W\/"[0-9a-f-]{36}"$/);
    expect(gw.requestRoutingRules?.map((r) => r.name)).toEqual(['appgwrule', 'appgwPathBasedRule']);
    const created = await client.applicationGateways.get('rg1', 'appgw-create');
    expect(created.backendAddressPools?.[0]?.backendAddresses).toEqual([{ ipAddress: '10.0.1.1' }, { ipAddress: '10.0.1.2' }]);
  });

  it('beginCreateOrUpdateAndWait follows Azure-AsyncOperation to Succeeded and returns the final GET', async () => {
    // The operation ends only when the clock is moved, at the second poll: two polls, whatever the machine's speed.
    const clock = new FakeClock();
    const emulator = await start({ operationDelayMs: 5000, clock });
    let polls = 0;
    emulator.onRequest(({ action }) => {
      if (action === 'operations.get' && ++polls === 2) clock.advance(5000);
    });
    const client = sdkClient(emulator);
    const gw = await client.applicationGateways.get('rg1', 'appgw');
    gw.backendAddressPools!.find((p) => p.name === 'appgwpool1')!.backendAddresses = [{ ipAddress: '10.0.0.1' }];
    emulator.clearLog();
    const result = await client.applicationGateways.beginCreateOrUpdateAndWait('rg1', 'appgw', gw, poll);
    expect(result.provisioningState).toBe('Succeeded');
    expect(result.backendAddressPools!.find((p) => p.name === 'appgwpool1')!.backendAddresses).toEqual([{ ipAddress: '10.0.0.1' }]);
    expect(result.etag).not.toBe(gw.etag);
    const actions = emulator.requestLog.map((e) => e.action);
    expect(actions[0]).toBe('applicationGateways.createOrUpdate');
    expect(actions.filter((a) => a === 'operations.get')).toHaveLength(2);
    expect(actions.at(-1)).toBe('applicationGateways.get');
  });

  it('a GET-then-PUT round trip through the SDK loses nothing but read-only fields', async () => {
    const emulator = await start({ operationDelayMs: 0 });
    const client = sdkClient(emulator);
    for (const name of ['appgw', 'appgw-create']) {
      const ref = { ...appgw, name };
      const before = emulator.gateway(ref);
      await client.applicationGateways.beginCreateOrUpdateAndWait('rg1', name, await client.applicationGateways.get('rg1', name), poll);
      expect(withoutReadOnly(emulator.gateway(ref))).toEqual(withoutReadOnly(before));
    }
  });

  it('a PUT while an operation is in flight is 409 AnotherOperationInProgress', async () => {
    const client = sdkClient(await start({ operationDelayMs: 500 }));
    const gw = await client.applicationGateways.get('rg1', 'appgw');
    const poller = await client.applicationGateways.beginCreateOrUpdate('rg1', 'appgw', gw, poll);
    const error = await rejectionOf(client.applicationGateways.beginCreateOrUpdateAndWait('rg1', 'appgw', gw, poll));
    expect(error).toMatchObject({ name: 'RestError', statusCode: 409, code: 'AnotherOperationInProgress' });
    await poller.pollUntilDone();
  });

  it('a PUT with a stale If-Match is 412, and the current etag goes through', async () => {
    const emulator = await start({ operationDelayMs: 0 });
    const client = sdkClient(emulator);
    const gw = await client.applicationGateways.get('rg1', 'appgw');
    emulator.modifyGateway(appgw, (r) => ((r as { tags?: unknown }).tags = { owner: 'someone-else' }));
    const stale = { ...poll, requestOptions: { customHeaders: { 'If-Match': gw.etag! } } };
    const error = await rejectionOf(client.applicationGateways.beginCreateOrUpdateAndWait('rg1', 'appgw', gw, stale));
    expect(error).toMatchObject({ statusCode: 412, code: 'PreconditionFailed' });
    const fresh = await client.applicationGateways.get('rg1', 'appgw');
    expect(fresh.tags).toEqual({ owner: 'someone-else' });
    await client.applicationGateways.beginCreateOrUpdateAndWait('rg1', 'appgw', fresh, { ...poll, requestOptions: { customHeaders: { 'If-Match': fresh.etag! } } });
    expect(emulator.requestLog.filter((e) => e.method === 'PUT').map((e) => [e.status, e.ifMatch])).toEqual([[412, gw.etag], [200, fresh.etag]]);
  });

  it('an invalid connection-draining timeout is 400 and changes nothing', async () => {
    const emulator = await start({ operationDelayMs: 0 });
    const client = sdkClient(emulator);
    const gw = await client.applicationGateways.get('rg1', 'appgw');
    gw.backendHttpSettingsCollection![0]!.connectionDraining = { enabled: true, drainTimeoutInSec: 3601 };
    const error = await rejectionOf(client.applicationGateways.beginCreateOrUpdateAndWait('rg1', 'appgw', gw, poll));
    expect(error).toMatchObject({ statusCode: 400, code: 'ApplicationGatewayConnectionDrainingTimeoutInvalid' });
    expect(error.message).toBe(`Backend Http Settings ${gw.backendHttpSettingsCollection![0]!.id} connection draining timeout is invalid. The current value is 3601. Supported range is [1, 3600].`);
    expect((await client.applicationGateways.get('rg1', 'appgw')).etag).toBe(gw.etag);
  });

  it('backend health is an LRO with Location, shaped like the official example, and reports a removed address as Draining', async () => {
    const emulator = await start({ operationDelayMs: 20 });
    const client = sdkClient(emulator);
    const official = JSON.parse(readFileSync(join(FIXTURES_DIR, 'ApplicationGatewayBackendHealthGet.json'), 'utf8')) as { responses: { 200: { body: { backendAddressPools: Record<string, unknown>[] } } } };
    const officialPool = official.responses[200].body.backendAddressPools[0]!;

    const gw = await client.applicationGateways.get('rg1', 'appgw');
    // Route appgwpool1 through the settings, as appgwpool is, so its servers are reported.
    gw.requestRoutingRules![0]!.backendAddressPool = { id: gw.backendAddressPools![1]!.id };
    await client.applicationGateways.beginCreateOrUpdateAndWait('rg1', 'appgw', gw, poll);
    emulator.clearLog();
    const health = await client.applicationGateways.beginBackendHealthAndWait('rg1', 'appgw', poll);
    expect(emulator.requestLog.map((e) => [e.action, e.status])).toEqual(expect.arrayContaining([['applicationGateways.backendHealth', 202], ['operationResults.get', 200]]));
    const pool1 = health.backendAddressPools!.find((p) => p.backendAddressPool?.id?.endsWith('/appgwpool1'))!;
    expect(Object.keys(pool1).sort()).toEqual(Object.keys(officialPool).sort());
    expect(pool1.backendHttpSettingsCollection![0]!.servers).toEqual([{ address: '10.0.0.1', health: 'Up' }, { address: '10.0.0.2', health: 'Up' }]);

    const current = await client.applicationGateways.get('rg1', 'appgw');
    current.backendAddressPools![1]!.backendAddresses = [{ ipAddress: '10.0.0.1' }];
    await client.applicationGateways.beginCreateOrUpdateAndWait('rg1', 'appgw', current, poll);
    const during = await client.applicationGateways.beginBackendHealthAndWait('rg1', 'appgw', poll);
    const servers = during.backendAddressPools!.find((p) => p.backendAddressPool?.id?.endsWith('/appgwpool1'))!.backendHttpSettingsCollection![0]!.servers;
    expect(servers).toEqual([{ address: '10.0.0.1', health: 'Up' }, { address: '10.0.0.2', health: 'Draining' }]);
  });

  it('load balancer pools: get and put adminState, and rule health follows it', async () => {
    const emulator = await start({ operationDelayMs: 10 });
    const client = sdkClient(emulator);
    const pool = await client.loadBalancerBackendAddressPools.get('testrg', 'lb', 'backend');
    expect(pool.loadBalancerBackendAddresses?.map((a) => [a.name, a.ipAddress, a.adminState])).toEqual([['address1', '10.0.0.4', 'None'], ['address2', '10.0.0.5', 'None']]);
    expect(pool.loadBalancingRules?.map((r) => r.id?.split('/').pop())).toEqual(['rulelb']);
    pool.loadBalancerBackendAddresses![0]!.adminState = 'Down';
    const put = await client.loadBalancerBackendAddressPools.beginCreateOrUpdateAndWait('testrg', 'lb', 'backend', pool, { ...poll, requestOptions: { customHeaders: { 'If-Match': pool.etag! } } });
    expect(put.loadBalancerBackendAddresses?.map((a) => a.adminState)).toEqual(['Down', 'None']);
    expect(put.provisioningState).toBe('Succeeded');
    const rule = await client.loadBalancerLoadBalancingRules.beginHealthAndWait('testrg', 'lb', 'rulelb', poll);
    expect(rule).toEqual({ up: 1, down: 1, loadBalancerBackendAddresses: [{ ipAddress: '10.0.0.4', state: 'Down', reason: 'Down_Admin' }, { ipAddress: '10.0.0.5', state: 'Up', reason: 'Up_Probe_Success' }] });
    const stale = await rejectionOf(client.loadBalancerBackendAddressPools.beginCreateOrUpdateAndWait('testrg', 'lb', 'backend', pool, { ...poll, requestOptions: { customHeaders: { 'If-Match': pool.etag! } } }));
    expect(stale).toMatchObject({ statusCode: 412 });
    const lb = await client.loadBalancers.get('rg1', 'lb');
    expect(lb.backendAddressPools?.map((p) => p.name)).toEqual(['be-lb']);
    expect(lb.loadBalancingRules?.[0]?.probe?.id).toMatch(/probes\/probe-lb$/);
  });

  it('unknown resources are 404: ResourceNotFound for a gateway, NotFound for a pool of an existing load balancer', async () => {
    const client = sdkClient(await start());
    expect(await rejectionOf(client.applicationGateways.get('rg1', 'nope'))).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    expect(await rejectionOf(client.loadBalancerBackendAddressPools.get('testrg', 'lb', 'nope'))).toMatchObject({ statusCode: 404, code: 'NotFound' });
    expect(await rejectionOf(client.loadBalancerBackendAddressPools.get('testrg', 'nolb', 'backend'))).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });

  it('429 carries Retry-After and the remaining-reads header', async () => {
    const emulator = await start({ faults: { throttleRate: 1 } });
    const error = await rejectionOf(sdkClient(emulator).applicationGateways.get('rg1', 'appgw'));
    expect(error).toMatchObject({ statusCode: 429, code: 'SubscriptionRequestsThrottled' });
    expect(error.response?.headers.get('retry-after')).toBe('1');
    emulator.setFaults({});
    await sdkClient(emulator).applicationGateways.get('rg1', 'appgw');
  });

  it('an operation that ends Failed surfaces as the SDK error and leaves the gateway as it was, Failed', async () => {
    const emulator = await start({ operationDelayMs: 10 });
    const client = sdkClient(emulator);
    const gw = await client.applicationGateways.get('rg1', 'appgw');
    gw.backendAddressPools![1]!.backendAddresses = [];
    emulator.failNextOperations(1, { code: 'ApplicationGatewayOperationFailed', message: 'The update could not be applied.' });
    const error = await rejectionOf(client.applicationGateways.beginCreateOrUpdateAndWait('rg1', 'appgw', gw, poll));
    expect(error.message).toContain('ApplicationGatewayOperationFailed');
    expect(error.message).toContain('The update could not be applied.');
    expect((error as { statusCode?: number }).statusCode).toBeUndefined();
    const after = await client.applicationGateways.get('rg1', 'appgw');
    expect(after.provisioningState).toBe('Failed');
    expect(after.backendAddressPools![1]!.backendAddresses).toHaveLength(2);
  });

  it('the request log records method, path, action, status, If-Match, and never an Authorization header here', async () => {
    const emulator = await start({ operationDelayMs: 0 });
    const client = sdkClient(emulator);
    const gw = await client.applicationGateways.get('rg1', 'appgw');
    await client.applicationGateways.beginCreateOrUpdateAndWait('rg1', 'appgw', gw, { ...poll, requestOptions: { customHeaders: { 'If-Match': gw.etag! } } });
    const log = emulator.requestLog;
    expect(log[0]).toMatchObject({ seq: 1, method: 'GET', path: '/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/applicationGateways/appgw', action: 'applicationGateways.get', status: 200, mutating: false, authorization: false });
    expect(log[1]).toMatchObject({ seq: 2, method: 'PUT', action: 'applicationGateways.createOrUpdate', status: 200, mutating: true, ifMatch: gw.etag });
    expect(emulator.mutatingCalls()).toHaveLength(1);
    expect(emulator.callCount({ action: 'applicationGateways.get' })).toBe(2);
    expect(log.every((e) => e.authorization === false)).toBe(true);
    const seen = log.length;
    emulator.clearLog();
    await client.applicationGateways.get('rg1', 'appgw');
    expect(emulator.requestLog[0]!.seq).toBe(seen + 1);
  });
});

describe('an ApplicationGateway body as the SDK sends it', () => {
  it('keeps string backend addresses out: the emulator refuses them with the path', async () => {
    const { startAzureEmulator } = await import('../../../src/emulators/azure/index.js');
    const emulator = await startAzureEmulator({ operationDelayMs: 0 });
    try {
      const response = await fetch(`${emulator.url}/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationGateways/g?api-version=2025-05-01`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ location: 'westus', properties: { backendAddressPools: [{ name: 'p', properties: { backendAddresses: ['10.0.0.1'] } }] } } satisfies ApplicationGateway | Record<string, unknown>),
      });
      expect(response.status).toBe(400);
      // As ARM answers it: the deserializer's complaint, naming the path, in the details.
      expect(await response.json()).toEqual({
        error: {
          code: 'InvalidRequestFormat',
          message: 'Cannot parse the request.',
          details: [{ code: 'InvalidJson', message: "Error converting value \"10.0.0.1\" to type 'Microsoft.WindowsAzure.Networking.Nrp.Frontend.Contract.Csm.Public.ApplicationGatewayBackendAddress'. Path 'properties.backendAddressPools[0].properties.backendAddresses[0]'." }],
        },
      });
    } finally {
      await emulator.stop();
    }
  });
});
