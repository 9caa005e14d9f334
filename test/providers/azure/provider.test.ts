/** azure-agw and azure-lb on the emulator: grammar, batching, If-Match, conflicts, timeouts, admin state, credentials. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DrainctlError } from '../../../src/core/errors.js';
import { formatRef, parseRef } from '../../../src/core/refs.js';
import { startAzureEmulator, type AzureEmulator, type AzureEmulatorOptions, type Json } from '../../../src/emulators/azure/index.js';
import { AzureAgwProvider } from '../../../src/providers/azure/agw-provider.js';
import { agwSyntax, lbSyntax } from '../../../src/providers/azure/syntax.js';
import { AGW, LB, RG, SUB, adminStates, agwProvider, demoSeedWithDrain, group, lbProvider, poolAddresses, target } from './helpers.js';
import { testCall } from '../../support/call.js';

// DefaultAzureCredential must never be built for a plain-http endpoint; building it fails loudly here.
const identity = vi.hoisted(() => ({ constructed: 0 }));
vi.mock('@azure/identity', () => ({
  DefaultAzureCredential: class {
    constructor() {
      identity.constructed += 1;
    }
    async getToken(): Promise<never> {
      throw new Error('the test credential has no token');
    }
  },
}));

const emulators: AzureEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.stop()));
});
async function start(options: AzureEmulatorOptions = {}): Promise<AzureEmulator> {
  const emulator = await startAzureEmulator({ seed: demoSeedWithDrain(1), operationDelayMs: 20, ...options });
  emulators.push(emulator);
  return emulator;
}
async function failure(promise: Promise<unknown>): Promise<DrainctlError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DrainctlError);
  return error as DrainctlError;
}

const web = group('azure-agw', 'demo-agw', 'web-pool');
const api = group('azure-agw', 'demo-agw', 'api-pool');
const lbWeb = group('azure-lb', 'demo-lb', 'web-pool');
const syntaxes = [agwSyntax, lbSyntax];

describe('reference grammar', () => {
  const defaults = { subscription: SUB };
  it('round-trips canonical references and lower-cases the subscription', () => {
    for (const text of [`azure-agw:${SUB}/${RG}/demo-agw/web-pool/10.1.0.4`, `azure-agw:${SUB}/${RG}/demo-agw/api-pool/api-1.demo.internal`, `azure-lb:${SUB}/${RG}/demo-lb/web-pool/web-1`, `azure-agw:${SUB}/${RG}/demo-agw/web-pool`]) {
      expect(formatRef(parseRef(text, syntaxes))).toBe(text);
    }
    expect(formatRef(parseRef(`azure-agw:${SUB.toUpperCase()}/${RG}/demo-agw/web-pool/API-1.Demo.Internal`, syntaxes))).toBe(`azure-agw:${SUB}/${RG}/demo-agw/web-pool/api-1.demo.internal`);
    expect(parseRef(`azure-agw:${SUB}/${RG}/demo-agw/web-pool/2001:DB8::4`, syntaxes, 'target')).toMatchObject({ target: '2001:db8::4' });
  });

  it('fills a missing subscription from the default, for targets and groups', () => {
    expect(formatRef(parseRef(`azure-lb:${RG}/demo-lb/web-pool/web-1`, syntaxes, 'target', defaults))).toBe(`azure-lb:${SUB}/${RG}/demo-lb/web-pool/web-1`);
    expect(parseRef(`azure-agw:${RG}/demo-agw/web-pool`, syntaxes, 'group', defaults)).toEqual(web);
    // A written subscription wins over the default.
    const other = '11111111-2222-3333-4444-555555555555';
    expect(parseRef(`azure-agw:${other}/${RG}/demo-agw/web-pool`, syntaxes, 'group', defaults)).toMatchObject({ group: `${other}/${RG}/demo-agw/web-pool` });
  });

  it.each([
    [`azure-agw:${RG}/demo-agw/web-pool/10.1.0.4`, {}, /subscription is missing.*--subscription <id>, or set AZURE_SUBSCRIPTION_ID/s],
    [`azure-agw:subid/rg1/appgw/appgwpool/10.0.0.1`, defaults, /"subid" is not a subscription ID \(a GUID\)/],
    [`azure-agw:${SUB}/${RG}/demo-agw/web-pool/10.1.0.256`, defaults, /"10\.1\.0\.256" is not a backend address/],
    [`azure-agw:${SUB}/${RG}/demo-agw/web-pool/backend`, defaults, /not a backend address: expected an IP address or a fully qualified domain name/],
    [`azure-agw:${SUB}/${RG}/demo agw/web-pool/10.1.0.4`, defaults, /"demo agw" is not a valid application-gateway name/],
    [`azure-lb:${SUB}/${RG}/demo-lb/-pool/web-1`, defaults, /"-pool" is not a valid backend pool name/],
    [`azure-lb:${SUB}/${RG}/demo-lb/web-pool/web 1`, defaults, /"web 1" is not a backend address name/],
    [`azure-lb:${SUB}/${RG}/demo-lb/web-pool/extra/web-1`, defaults, /is not a backend pool: expected \[<subscription>\/\]<resource-group>\/<load-balancer>\/<backend-pool>/],
    [`azure-agw:${RG}/demo-agw/web-pool/10.1.0.4`, { subscription: 'not-a-guid' }, /default subscription "not-a-guid" is not a subscription ID/],
    [`azure-agw:${SUB}/bad.rg./demo-agw/web-pool/10.1.0.4`, defaults, /"bad\.rg\." is not a resource group name/],
  ])('rejects %s', (text, refDefaults, message) => {
    const error = (() => {
      try {
        parseRef(text, syntaxes, 'target', refDefaults);
      } catch (e) {
        return e as DrainctlError;
      }
      throw new Error('parsed');
    })();
    expect(error.kind).toBe('usage');
    expect(`${error.message} ${error.hint ?? ''}`).toMatch(message);
    expect(error.message).toContain(`invalid reference "${text}"`);
  });

  it('a group named alone is a group, and a target where a group is expected is refused', () => {
    expect(() => parseRef(`azure-agw:${SUB}/${RG}/demo-agw/web-pool`, syntaxes, 'target')).toThrow(/names a whole application gateway backend pool, not a target/);
    expect(() => parseRef(`azure-agw:${SUB}/${RG}/demo-agw/web-pool/10.1.0.4`, syntaxes, 'group')).toThrow(/names a target, not a application gateway backend pool/);
  });
});

describe('azure-agw', () => {
  it('drains a batch of addresses of one pool with one GET and one PUT, sending If-Match on the PUT only', async () => {
    const emulator = await start();
    const provider = await agwProvider(emulator.url);
    const snapshot = await provider.describe(web, [target(web, '10.1.0.4'), target(web, '10.1.0.5')], testCall());
    expect(snapshot.targets.map((t) => [t.state, t.health])).toEqual([['active', 'healthy'], ['active', 'healthy']]);
    emulator.clearLog();
    await provider.drain(web, snapshot.targets, testCall());
    const puts = emulator.mutatingCalls();
    expect(puts).toHaveLength(1);
    expect(emulator.callCount({ action: 'applicationGateways.get' })).toBe(2); // the read, and the SDK's final GET after the operation
    const read = emulator.requestLog.find((e) => e.action === 'applicationGateways.get')!;
    expect(puts[0]!.ifMatch).toMatch(/^W\/"/);
    expect(emulator.requestLog.filter((e) => e.ifMatch !== undefined)).toHaveLength(1);
    expect(read.seq).toBeLessThan(puts[0]!.seq);
    expect(poolAddresses(emulator.gateway(AGW), 'web-pool')).toEqual(['10.1.0.6']);
    expect(emulator.requestLog.every((e) => !e.authorization)).toBe(true);
  });

  it('changes to two pools of one gateway made together share one PUT; another gateway gets its own', async () => {
    const seed = demoSeedWithDrain(1);
    const second = structuredClone(seed.applicationGateways![0]!);
    second.resource.id = String(second.resource.id).replace('demo-agw', 'other-agw');
    second.resource.name = 'other-agw';
    const emulator = await start({ seed: { ...seed, applicationGateways: [...seed.applicationGateways!, { resource: JSON.parse(JSON.stringify(second.resource).split('/applicationGateways/demo-agw/').join('/applicationGateways/other-agw/')) as Json }] } });
    const provider = await agwProvider(emulator.url);
    const otherWeb = group('azure-agw', 'other-agw', 'web-pool');
    const [w, a, o] = await Promise.all([provider.describe(web, [target(web, '10.1.0.4')], testCall()), provider.describe(api, [target(api, 'api-1.demo.internal')], testCall()), provider.describe(otherWeb, [target(otherWeb, '10.1.0.5')], testCall())]);
    emulator.clearLog();
    await Promise.all([provider.drain(web, w.targets, testCall()), provider.drain(api, a.targets, testCall()), provider.drain(otherWeb, o.targets, testCall())]);
    expect(emulator.mutatingCalls().map((e) => e.path.split('/').pop()).sort()).toEqual(['demo-agw', 'other-agw']);
    expect(poolAddresses(emulator.gateway(AGW), 'web-pool')).toEqual(['10.1.0.5', '10.1.0.6']);
    expect(poolAddresses(emulator.gateway(AGW), 'api-pool')).toEqual(['api-2.demo.internal']);
  });

  it('a 412 is retried after a fresh read, keeping the change someone else made between our read and write', async () => {
    const emulator = await start();
    const provider = await agwProvider(emulator.url);
    const snapshot = await provider.describe(web, [target(web, '10.1.0.4')], testCall());
    let interfered = false;
    emulator.onRequest(({ action }) => {
      if (action !== 'applicationGateways.createOrUpdate' || interfered) return;
      interfered = true;
      emulator.modifyGateway(AGW, (gw) => {
        (gw as { tags?: unknown }).tags = { changedBy: 'someone-else' };
        const pools = (gw.properties as Json).backendAddressPools as Json[];
        ((pools[0]!.properties as Json).backendAddresses as Json[]).push({ ipAddress: '10.1.0.99' });
      });
    });
    emulator.clearLog();
    await provider.drain(web, snapshot.targets, testCall());
    expect(emulator.mutatingCalls().map((e) => e.status)).toEqual([412, 200]);
    const gw = emulator.gateway(AGW);
    expect(poolAddresses(gw, 'web-pool')).toEqual(['10.1.0.5', '10.1.0.6', '10.1.0.99']);
    expect((gw as { tags?: unknown }).tags).toEqual({ changedBy: 'someone-else' });
    const [first, second] = emulator.mutatingCalls();
    expect(second!.ifMatch).not.toBe(first!.ifMatch);
  });

  it('a 409 AnotherOperationInProgress is retried after backoff and a fresh read', async () => {
    const emulator = await start();
    const provider = await agwProvider(emulator.url, { conflict: { baseDelayMs: 20, maxDelayMs: 60 }, pollIntervalMs: 5 });
    const snapshot = await provider.describe(web, [target(web, '10.1.0.6')], testCall());
    let occupied = false;
    emulator.onRequest(({ action }) => {
      if (action === 'applicationGateways.createOrUpdate' && !occupied) {
        occupied = true;
        emulator.occupy('applicationGateway', AGW, 40);
      }
    });
    emulator.clearLog();
    await provider.drain(web, snapshot.targets, testCall());
    const statuses = emulator.mutatingCalls().map((e) => e.status);
    expect(statuses[0]).toBe(409);
    expect(statuses.at(-1)).toBe(200);
    expect(emulator.callCount({ action: 'applicationGateways.get' })).toBeGreaterThanOrEqual(statuses.length + 1);
    expect(poolAddresses(emulator.gateway(AGW), 'web-pool')).toEqual(['10.1.0.4', '10.1.0.5']);
  });

  it('gives up after a bounded number of conflicts with a retryable provider error', async () => {
    const emulator = await start();
    const provider = await agwProvider(emulator.url, { conflict: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 }, pollIntervalMs: 5 });
    const snapshot = await provider.describe(web, [target(web, '10.1.0.6')], testCall());
    emulator.onRequest(({ action }) => {
      if (action === 'applicationGateways.createOrUpdate') emulator.modifyGateway(AGW, () => {});
    });
    const error = await failure(provider.drain(web, snapshot.targets, testCall()));
    expect(error).toMatchObject({ kind: 'provider', retryable: 'transient' });
    expect(error.message).toMatch(/update application gateway demo-agw: still conflicting after 3 tries/);
    expect(emulator.mutatingCalls()).toHaveLength(3);
  });

  it('reports a removed address as draining while backend health says Draining, then absent; restore adds the same address back', async () => {
    const emulator = await start();
    const provider = await agwProvider(emulator.url);
    const before = (await provider.describe(web, [target(web, '10.1.0.5')], testCall())).targets[0]!;
    expect(before.registration).toEqual({ ipAddress: '10.1.0.5' });
    await provider.drain(web, [before], testCall());
    const during = await provider.describe(web, 'all', testCall());
    expect(during.targets.find((t) => t.ref.target === '10.1.0.5')).toMatchObject({ state: 'draining', raw: { state: 'Draining' } });
    expect(during.registered!.map((t) => t.ref.target)).toEqual(['10.1.0.4', '10.1.0.6']);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await provider.describe(web, [before.ref], testCall())).targets[0]).toMatchObject({ state: 'absent', raw: { state: 'NotInPool' } });
    await provider.restore(web, [{ ref: before.ref, registration: before.registration }], testCall());
    expect(poolAddresses(emulator.gateway(AGW), 'web-pool')).toEqual(['10.1.0.4', '10.1.0.6', '10.1.0.5']);
    await provider.restore(web, [{ ref: before.ref, registration: before.registration }], testCall());
    expect(emulator.mutatingCalls()).toHaveLength(2);
  });

  it('timeout: the largest drain timeout of every settings object the pool is routed through; set updates all of them and says which', async () => {
    const emulator = await start();
    emulator.modifyGateway(AGW, (gw) => {
      const props = gw.properties as Json;
      const id = String(gw.id);
      (props.backendHttpSettingsCollection as Json[]).push({ name: 'web-static', properties: { port: 8081, protocol: 'Http', connectionDraining: { enabled: true, drainTimeoutInSec: 10 } } });
      const map = (props.urlPathMaps as Json[])[0]!.properties as Json;
      (map.pathRules as Json[]).push({ name: 'static', properties: { paths: ['/static/*'], backendAddressPool: { id: `${id}/backendAddressPools/web-pool` }, backendHttpSettings: { id: `${id}/backendHttpSettingsCollection/web-static` } } });
    });
    const provider = await agwProvider(emulator.url);
    expect(await provider.getTimeout(web, testCall())).toEqual({ seconds: 10, enabled: true, extra: { backendSettings: ['web-http=1s', 'web-static=10s'] } });
    const set = await provider.setTimeout(web, 20, testCall());
    expect(set).toEqual({ seconds: 20, enabled: true, extra: { backendSettings: ['web-http=20s', 'web-static=20s'], changed: ['web-http', 'web-static'] } });
    const settings = ((emulator.gateway(AGW).properties as Json).backendHttpSettingsCollection as Json[]).map((s) => [s.name, (s.properties as Json).connectionDraining]);
    expect(settings).toEqual([['web-http', { enabled: true, drainTimeoutInSec: 20 }], ['api-http', { enabled: true, drainTimeoutInSec: 1 }], ['web-static', { enabled: true, drainTimeoutInSec: 20 }]]);
    expect((await provider.setTimeout(web, 20, testCall())).extra.changed).toEqual([]);
    expect(emulator.mutatingCalls()).toHaveLength(1);
  });

  it('timeout: draining disabled on a setting reads as disabled, names settings shared with other pools, and set enables it', async () => {
    const emulator = await start();
    emulator.modifyGateway(AGW, (gw) => {
      const props = gw.properties as Json;
      const id = String(gw.id);
      ((props.backendHttpSettingsCollection as Json[])[1]!.properties as Json).connectionDraining = { enabled: false, drainTimeoutInSec: 1 };
      const map = (props.urlPathMaps as Json[])[0]!.properties as Json;
      (map.pathRules as Json[])[0]!.properties = { ...((map.pathRules as Json[])[0]!.properties as Json), backendHttpSettings: { id: `${id}/backendHttpSettingsCollection/api-http` } };
      (map.pathRules as Json[]).push({ name: 'legacy', properties: { paths: ['/old/*'], backendAddressPool: { id: `${id}/backendAddressPools/web-pool` }, backendHttpSettings: { id: `${id}/backendHttpSettingsCollection/api-http` } } });
    });
    const provider = await agwProvider(emulator.url);
    expect(await provider.getTimeout(api, testCall())).toEqual({ seconds: 1, enabled: false, extra: { backendSettings: ['api-http=disabled'], sharedWithPools: ['web-pool'] } });
    expect(await provider.getTimeout(web, testCall())).toMatchObject({ seconds: 1, enabled: false });
    expect(await provider.setTimeout(api, 30, testCall())).toMatchObject({ seconds: 30, enabled: true, extra: { changed: ['api-http'] } });
  });

  it('not found: an unknown gateway names it; an unknown pool lists the pools there are', async () => {
    const emulator = await start();
    const provider = await agwProvider(emulator.url);
    const gone = await failure(provider.describe(group('azure-agw', 'nope', 'web-pool'), 'all', testCall()));
    expect(gone).toMatchObject({ kind: 'not_found', message: `application gateway nope not found in resource group ${RG} of subscription ${SUB}` });
    const noPool = await failure(provider.getTimeout(group('azure-agw', 'demo-agw', 'nope'), testCall()));
    expect(noPool).toMatchObject({ kind: 'not_found', message: 'application gateway demo-agw has no backend pool nope (pools: web-pool, api-pool)' });
    expect(emulator.mutatingCalls()).toHaveLength(0);
  });

  it('an operation that ends Failed is a provider error, not retried', async () => {
    const emulator = await start();
    const provider = await agwProvider(emulator.url);
    const snapshot = await provider.describe(web, [target(web, '10.1.0.4')], testCall());
    emulator.failNextOperations(1, { code: 'ApplicationGatewayUpdateFailed', message: 'could not apply' });
    const error = await failure(provider.drain(web, snapshot.targets, testCall()));
    expect(error).toMatchObject({ kind: 'provider', retryable: undefined });
    expect(error.message).toMatch(/update application gateway demo-agw: the Azure operation failed: .*ApplicationGatewayUpdateFailed.*could not apply/);
    expect(emulator.mutatingCalls()).toHaveLength(1);
  });

  it('429 is a retryable throttle and 5xx a retryable transient fault', async () => {
    const emulator = await start({ faults: { throttleRate: 1 } });
    const provider = await agwProvider(emulator.url);
    expect(await failure(provider.getTimeout(web, testCall()))).toMatchObject({ kind: 'provider', retryable: 'throttle' });
    emulator.setFaults({ serverErrorRate: 1 });
    const error = await failure(provider.getTimeout(web, testCall()));
    expect(error).toMatchObject({ kind: 'provider', retryable: 'transient' });
    expect(error.message).toMatch(/HTTP 50[03]/);
    // The SDK tried three times (two retries of its own) before drainctl saw the error.
    expect(emulator.requestLog.filter((e) => e.fault === 'server_error')).toHaveLength(3);
  });

  it('an aborted signal stops a write before it is sent', async () => {
    const emulator = await start();
    const provider = await agwProvider(emulator.url);
    const controller = new AbortController();
    controller.abort('SIGINT');
    const error = await failure(provider.drain(web, [], testCall({ signal: controller.signal })));
    expect(error.kind).toBe('interrupted');
    expect(emulator.requestLog).toHaveLength(0);
  });

  it('over http no credential is built and no Authorization header is sent; debug lines carry no headers', async () => {
    const emulator = await start();
    const lines: string[] = [];
    const provider = await AzureAgwProvider.create({ endpointUrl: emulator.url, env: {}, debug: (l) => lines.push(l) }, { pollIntervalMs: 5 });
    await provider.describe(web, 'all', testCall());
    expect(identity.constructed).toBe(0);
    expect(emulator.requestLog.length).toBeGreaterThan(0);
    expect(emulator.requestLog.every((e) => e.authorization === false)).toBe(true);
    expect(lines.some((l) => /^azure GET \/subscriptions\/.*\/applicationGateways\/demo-agw <- 200 in \d+ms request-id=/.test(l))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/authorization|bearer|token/i);
  });

  it('over https DefaultAzureCredential is built (and DRAINCTL_ENDPOINT_URL is read from the environment)', async () => {
    await AzureAgwProvider.create({ env: { DRAINCTL_ENDPOINT_URL: 'https://127.0.0.1:1' } });
    expect(identity.constructed).toBe(1);
    await expect(AzureAgwProvider.create({ env: { DRAINCTL_ENDPOINT_URL: 'ftp://x' } })).rejects.toThrow(/only http and https/);
  });
});

describe('azure-lb', () => {
  it('drains with admin state Down in one PUT per pool, and restores each address to the admin state it had (None or Up)', async () => {
    const seed = demoSeedWithDrain(1);
    const pool = ((seed.loadBalancers![0]!.resource.properties as Json).backendAddressPools as Json[])[0]!;
    (((pool.properties as Json).loadBalancerBackendAddresses as Json[])[1]!.properties as Json).adminState = 'Up';
    const emulator = await start({ seed });
    const provider = await lbProvider(emulator.url);
    const before = await provider.describe(lbWeb, [target(lbWeb, 'web-1'), target(lbWeb, 'web-2')], testCall());
    expect(before.targets.map((t) => [t.state, t.health, t.registration?.adminState, t.raw.reason])).toEqual([['active', 'healthy', 'None', 'Up_Probe_Success'], ['active', 'healthy', 'Up', 'Up_Admin']]);
    expect(before.targets[0]!.registration).toEqual({ name: 'web-1', adminState: 'None', ipAddress: '10.2.0.4', virtualNetwork: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/demo-vnet` });
    emulator.clearLog();
    await provider.drain(lbWeb, before.targets, testCall());
    expect(emulator.mutatingCalls()).toHaveLength(1);
    expect(emulator.mutatingCalls()[0]!.ifMatch).toMatch(/^W\//);
    expect(adminStates(emulator.loadBalancer(LB), 'web-pool')).toEqual({ 'web-1': 'Down', 'web-2': 'Down', 'web-3': 'None' });
    const during = await provider.describe(lbWeb, [target(lbWeb, 'web-1')], testCall());
    // Draining, and no registration: the state to put back is the one recorded before the drain.
    expect(during.targets[0]).toMatchObject({ state: 'draining', health: 'unhealthy', raw: { state: 'Down', reason: 'Down_Admin' } });
    expect(during.targets[0]!.registration).toBeUndefined();
    await provider.restore(lbWeb, before.targets.map((t) => ({ ref: t.ref, registration: t.registration })), testCall());
    expect(adminStates(emulator.loadBalancer(LB), 'web-pool')).toEqual({ 'web-1': 'None', 'web-2': 'Up', 'web-3': 'None' });
    expect(emulator.mutatingCalls()).toHaveLength(2);
  });

  it('restore with no recorded registration puts None back (the health probe decides)', async () => {
    const emulator = await start();
    const provider = await lbProvider(emulator.url);
    const t = (await provider.describe(lbWeb, [target(lbWeb, 'web-3')], testCall())).targets;
    await provider.drain(lbWeb, t, testCall());
    await provider.restore(lbWeb, [{ ref: target(lbWeb, 'web-3'), registration: undefined }], testCall());
    expect(adminStates(emulator.loadBalancer(LB), 'web-pool')['web-3']).toBe('None');
  });

  it('a 412 is retried after a fresh read, keeping someone else\'s admin-state change', async () => {
    const emulator = await start();
    const provider = await lbProvider(emulator.url);
    const t = (await provider.describe(lbWeb, [target(lbWeb, 'web-1')], testCall())).targets;
    let interfered = false;
    emulator.onRequest(({ action }) => {
      if (action !== 'loadBalancerBackendAddressPools.createOrUpdate' || interfered) return;
      interfered = true;
      emulator.modifyLoadBalancer(LB, (lb) => {
        const pool = ((lb.properties as Json).backendAddressPools as Json[])[0]!;
        (((pool.properties as Json).loadBalancerBackendAddresses as Json[])[2]!.properties as Json).adminState = 'Up';
      });
    });
    await provider.drain(lbWeb, t, testCall());
    expect(emulator.mutatingCalls().map((e) => e.status)).toEqual([412, 200]);
    expect(adminStates(emulator.loadBalancer(LB), 'web-pool')).toEqual({ 'web-1': 'Down', 'web-2': 'None', 'web-3': 'Up' });
  });

  it('has no drain timeout: seconds undefined, no limits, setTimeout refused; an unknown pool lists the pools, an unknown load balancer names it', async () => {
    const emulator = await start();
    const provider = await lbProvider(emulator.url);
    expect(provider.descriptor.timeout).toBeUndefined();
    expect(provider.descriptor.completion).toBe('countdown');
    expect(await provider.getTimeout(lbWeb, testCall())).toMatchObject({ seconds: undefined, enabled: true });
    expect(await failure(provider.setTimeout(lbWeb, 30, testCall()))).toMatchObject({ kind: 'usage' });
    expect(await failure(provider.describe(group('azure-lb', 'demo-lb', 'nope'), 'all', testCall()))).toMatchObject({ kind: 'not_found', message: 'load balancer demo-lb has no backend pool nope (pools: web-pool)' });
    expect(await failure(provider.getTimeout(group('azure-lb', 'nope', 'web-pool'), testCall()))).toMatchObject({ kind: 'not_found', message: `load balancer nope not found in resource group ${RG} of subscription ${SUB}` });
  });
});

