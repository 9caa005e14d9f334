/** Seeds: the official-examples loader and its fixes, the demo seed, and one-line validation errors. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoSeed, loadSeedFile, parseSeed, seedFromOfficialExamples, startAzureEmulator, type Json } from '../../../src/emulators/azure/index.js';
import { FIXTURES_DIR, minimalGateway, officialExamplesAvailable } from './helpers.js';

const haveExamples = officialExamplesAvailable();
const gatewayId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationGateways/g';
const lbId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb';

function seedError(json: unknown): string {
  try {
    parseSeed(json, 'seed.json');
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the seed was accepted');
}

describe.runIf(haveExamples)('seedFromOfficialExamples', () => {
  it('loads both gateways and both load balancers, with the fixes applied', async () => {
    const seed = await seedFromOfficialExamples(FIXTURES_DIR, { drainTimeoutInSec: 7 });
    expect(seed.applicationGateways!.map((g) => g.resource.name)).toEqual(['appgw', 'appgw-create']);
    const [get, create] = seed.applicationGateways!.map((g) => g.resource.properties as Json);
    const pool1 = (get!.backendAddressPools as Json[]).find((p) => p.name === 'appgwpool1')!;
    expect((pool1.properties as Json).backendAddresses).toEqual([{ ipAddress: '10.0.0.1' }, { ipAddress: '10.0.0.2' }]);
    for (const props of [get!, create!]) {
      for (const s of props.backendHttpSettingsCollection as Json[]) expect((s.properties as Json).connectionDraining).toEqual({ enabled: true, drainTimeoutInSec: 7 });
    }
    // Every id of the renamed gateway moved with it.
    expect(JSON.stringify(seed.applicationGateways![1]!.resource)).not.toContain('/applicationGateways/appgw/');
    expect(seed.loadBalancers!.map((l) => l.resource.id)).toEqual([
      '/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb',
      '/subscriptions/subid/resourceGroups/testrg/providers/Microsoft.Network/loadBalancers/lb',
    ]);
    const testrgPool = ((seed.loadBalancers![1]!.resource.properties as Json).backendAddressPools as Json[])[0]!;
    expect(((testrgPool.properties as Json).loadBalancerBackendAddresses as Json[]).map((a) => (a.properties as Json).adminState)).toEqual(['None', 'None']);
  });

  it('refuses the unfixed ApplicationGatewayGet.json example, naming the path and the fix', async () => {
    const { readFileSync } = await import('node:fs');
    const raw = JSON.parse(readFileSync(join(FIXTURES_DIR, 'ApplicationGatewayGet.json'), 'utf8')) as { responses: { 200: { body: Json } } };
    expect(seedError({ applicationGateways: [{ resource: raw.responses[200].body }] })).toBe(
      'seed.json: applicationGateways[0].resource.properties.backendAddressPools[1].properties.backendAddresses[0] must be an object such as {"ipAddress": "10.0.0.4"} or {"fqdn": "app.example.com"} (got "10.0.0.1") — the official ApplicationGatewayGet.json example lists plain strings; seedFromOfficialExamples() rewrites them',
    );
  });

  it('names a missing example file', async () => {
    await expect(seedFromOfficialExamples(join(FIXTURES_DIR, 'nope'))).rejects.toThrow(/nope\/ApplicationGatewayGet\.json: cannot read the official example \(ENOENT\)/);
  });
});

describe('demoSeed', () => {
  it('is valid and holds demo-agw (web-pool of three IPs, 5 s draining) and demo-lb (three named addresses, admin state None)', async () => {
    const seed = parseSeed(demoSeed());
    const gw = seed.applicationGateways![0]!.resource;
    expect(gw.id).toBe('/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/demo-rg/providers/Microsoft.Network/applicationGateways/demo-agw');
    const props = gw.properties as Json;
    expect((((props.backendAddressPools as Json[])[0]!.properties as Json).backendAddresses as Json[]).length).toBe(3);
    expect(((props.backendHttpSettingsCollection as Json[])[0]!.properties as Json).connectionDraining).toEqual({ enabled: true, drainTimeoutInSec: 5 });
    const lb = seed.loadBalancers![0]!.resource;
    const addresses = (((lb.properties as Json).backendAddressPools as Json[])[0]!.properties as Json).loadBalancerBackendAddresses as Json[];
    expect(addresses.map((a) => [a.name, (a.properties as Json).adminState])).toEqual([['web-1', 'None'], ['web-2', 'None'], ['web-3', 'None']]);
    const emulator = await startAzureEmulator({ seed });
    await emulator.stop();
  });
});

describe('parseSeed', () => {
  /** A valid gateway at gatewayId, changed by `change`. */
  const gateway = (change: (g: ReturnType<typeof minimalGateway>) => void = () => {}, extra: Json = {}): Json => {
    const g = minimalGateway(gatewayId);
    change(g);
    return { applicationGateways: [{ resource: g, ...extra }] };
  };
  const settings0 = (g: ReturnType<typeof minimalGateway>) => ((g.properties.backendHttpSettingsCollection as Json[])[0]!.properties as Json);
  it.each([
    [[], 'seed.json: the seed must be a JSON object'],
    [{ gateways: [] }, 'seed.json: gateways is not a known field (known: location, applicationGateways, loadBalancers)'],
    [{ location: 'West US' }, 'seed.json: location must be an Azure location name such as westus (got "West US")'],
    [{ applicationGateways: [{ resource: { properties: {} } }] }, 'seed.json: applicationGateways[0].resource.id is required: /subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Network/applicationGateways/<name>'],
    [{ applicationGateways: [{ resource: { id: lbId, properties: {} } }] }, `seed.json: applicationGateways[0].resource.id must be /subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Network/applicationGateways/<name> (got "${lbId}")`],
    [{ applicationGateways: [{ resource: { id: gatewayId, name: 'other', properties: {} } }] }, 'seed.json: applicationGateways[0].resource.name must match the id\'s last segment "g" (got "other")'],
    // A seed is what GET returns: a gateway ARM would not accept cannot be seeded.
    [{ applicationGateways: [{ resource: { id: gatewayId, properties: {} } }] }, 'seed.json: applicationGateways[0].resource.properties.gatewayIPConfigurations must list at least one GatewayIPConfiguration'],
    [gateway((g) => delete g.properties.sku), 'seed.json: applicationGateways[0].resource.properties.sku is required'],
    [gateway((g) => (settings0(g).connectionDraining = { enabled: true, drainTimeoutInSec: 0 })), 'seed.json: applicationGateways[0].resource.properties.backendHttpSettingsCollection[0].properties.connectionDraining.drainTimeoutInSec must be an integer from 1 to 3600 (got 0)'],
    [gateway((g) => (settings0(g).port = '80')), 'seed.json: applicationGateways[0].resource.properties.backendHttpSettingsCollection[0].properties.port must be an integer (got "80")'],
    [
      gateway((g) => (((g.properties.requestRoutingRules as Json[])[0]!.properties as Json).backendAddressPool = { id: `${gatewayId}/backendAddressPools/missing` })),
      `seed.json: applicationGateways[0].resource.properties.requestRoutingRules[0].properties.backendAddressPool.id refers to ${gatewayId}/backendAddressPools/missing, which is not there`,
    ],
    [gateway(() => {}, { health: { '10.0.0.1': 'Draining' } }), 'seed.json: applicationGateways[0].health["10.0.0.1"] must be one of Up, Down, Unknown, Partial (got "Draining")'],
    [{ applicationGateways: [{ resource: minimalGateway(gatewayId) }, { resource: minimalGateway(gatewayId.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/')) }] }, 'seed.json: applicationGateways[1].resource.id repeats applicationGateways[0]'],
    [{ loadBalancers: [{ resource: { id: lbId, properties: { backendAddressPools: [{ name: 'p', properties: { loadBalancerBackendAddresses: [{ name: 'a', properties: { adminState: 'Drain' } }] } }] } } }] }, 'seed.json: loadBalancers[0].resource.properties.backendAddressPools[0].properties.loadBalancerBackendAddresses[0].properties.adminState must be one of None, Up, Down (got "Drain")'],
    [{ loadBalancers: [{ resource: { id: lbId, properties: { backendAddressPools: [{ name: 'p', properties: { loadBalancerBackendAddresses: [{ properties: {} }] } }] } } }] }, 'seed.json: loadBalancers[0].resource.properties.backendAddressPools[0].properties.loadBalancerBackendAddresses[0].name is required'],
    [
      { loadBalancers: [{ resource: { id: lbId, properties: { loadBalancingRules: [{ name: 'r', properties: { frontendPort: 80, backendAddressPool: { id: `${lbId}/backendAddressPools/gone` } } }] } } }] },
      `seed.json: loadBalancers[0].resource.properties.loadBalancingRules[0].properties.backendAddressPool.id refers to ${lbId}/backendAddressPools/gone, which is not there`,
    ],
    [{ loadBalancers: [{ resource: { id: lbId, properties: {} }, health: { ghost: 'Down' } }] }, 'seed.json: loadBalancers[0].health["ghost"] names no backend address of this load balancer'],
  ])('%j → one line naming the path', (json, message) => {
    const error = seedError(json);
    expect(error).toBe(message);
    expect(error).not.toContain('\n');
  });

  it('loadSeedFile names the file for unreadable and invalid JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drainctl-azure-seed-'));
    await expect(loadSeedFile(join(dir, 'missing.json'))).rejects.toThrow(/missing\.json: cannot read the seed file \(ENOENT\)/);
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    await expect(loadSeedFile(join(dir, 'bad.json'))).rejects.toThrow(/bad\.json: not valid JSON/);
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(demoSeed()));
    expect((await loadSeedFile(join(dir, 'ok.json'))).applicationGateways).toHaveLength(1);
  });
});

describe('docs/emulators.md, Azure', () => {
  it('shows a seed the emulator accepts, with the health it describes', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../../../docs/emulators.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('\n## Azure\n'));
    expect(section.length).toBeLessThan(doc.length);
    const block = /```json\n([\s\S]*?)\n```/.exec(section);
    expect(block).toBeTruthy();
    const seed = parseSeed(JSON.parse(block![1]!), 'docs/emulators.md');
    expect(seed.applicationGateways![0]!.health).toEqual({ '10.1.0.5': 'Down' });
    const emulator = await startAzureEmulator({ seed, operationDelayMs: 0 });
    try {
      const base = `${emulator.url}/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/demo-rg/providers/Microsoft.Network`;
      expect((await fetch(`${base}/loadBalancers/demo-lb/backendAddressPools/web-pool?api-version=2025-05-01`)).status).toBe(200);
    } finally {
      await emulator.stop();
    }
  });
});
