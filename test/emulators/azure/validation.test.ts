/**
 * PUT bodies ARM refuses are refused here too: 400, ARM's error body and code, and nothing
 * changed (a GET afterwards returns the resource and etag as before). Every official PUT
 * example, and every official GET example written back, is accepted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoSeed, seedFromOfficialExamples, type AzureEmulator, type Json } from '../../../src/emulators/azure/index.js';
import { FIXTURES_DIR, azureHarness, minimalGateway, officialExamplesAvailable, rejectionOf, sdkClient } from './helpers.js';

const haveExamples = officialExamplesAvailable();
const SUB = '00000000-0000-0000-0000-000000000001';
const NETWORK = `/subscriptions/${SUB}/resourceGroups/demo-rg/providers/Microsoft.Network`;
const AGW_ID = `${NETWORK}/applicationGateways/demo-agw`;
const POOL_PATH = `${NETWORK}/loadBalancers/demo-lb/backendAddressPools/web-pool`;
const API = '?api-version=2025-05-01';

interface ArmErrorBody {
  error: { code: string; message: string; details?: { code: string; message: string }[] };
}

function put(emulator: AzureEmulator, path: string, body: string): Promise<Response> {
  return fetch(`${emulator.url}${path}${API}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
}

async function getJson(emulator: AzureEmulator, path: string): Promise<Json> {
  const response = await fetch(`${emulator.url}${path}${API}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Json;
}

/** PUTs `body` (text as sent), expects a 400 with ARM's error shape and `code`, and that nothing changed. */
async function refused(emulator: AzureEmulator, path: string, body: string, code: string): Promise<ArmErrorBody['error']> {
  const before = await getJson(emulator, path);
  const response = await put(emulator, path, body);
  expect(response.status).toBe(400);
  expect(response.headers.get('azure-asyncoperation')).toBeNull();
  const answer = (await response.json()) as ArmErrorBody;
  expect(Object.keys(answer)).toEqual(['error']);
  expect(answer.error).toMatchObject({ code, message: expect.any(String) });
  expect(Object.keys(answer.error).every((k) => ['code', 'message', 'details'].includes(k))).toBe(true);
  expect(await getJson(emulator, path)).toEqual(before);
  expect(emulator.requestLog.at(-2)).toMatchObject({ method: 'PUT', status: 400, errorCode: code, mutating: true });
  return answer.error;
}

/** The demo gateway as GET returns it, changed by `change`, as JSON text. */
async function demoGatewayWith(emulator: AzureEmulator, change: (props: Json) => void): Promise<string> {
  const gw = await getJson(emulator, AGW_ID);
  change(gw.properties as Json);
  return JSON.stringify(gw);
}

const at = (props: Json, key: string, i = 0): Json => ((props[key] as Json[])[i]!.properties as Json);

describe('Azure emulator: application gateway PUT validation', () => {
  const harness = azureHarness();
  const start = () => harness.start({ seed: demoSeed(), operationDelayMs: 0 });

  it('{"properties":{}} is refused (LocationRequired) and the pools and rules stay', async () => {
    const emulator = await start();
    const error = await refused(emulator, AGW_ID, '{"properties":{}}', 'LocationRequired');
    expect(error).toEqual({ code: 'LocationRequired', message: 'The location property is required for this definition.', details: [] });
    const gw = await getJson(emulator, AGW_ID);
    expect((gw.properties as Json).backendAddressPools).toHaveLength(2);
    expect((gw.properties as Json).requestRoutingRules).toHaveLength(1);
  });

  it('empty properties with a location: at least one gateway IP configuration is required', async () => {
    const emulator = await start();
    const error = await refused(emulator, AGW_ID, '{"location":"westus","properties":{}}', 'ApplicationGatewayMustHaveAtleastOneResourceOfType');
    expect(error.message).toBe(`At least one GatewayIPConfiguration resource must be specified for the Application Gateway ${AGW_ID}.`);
  });

  it('a gateway without backend pools is refused with ARM\'s message', async () => {
    const emulator = await start();
    const body = await demoGatewayWith(emulator, (p) => delete p.backendAddressPools);
    const error = await refused(emulator, AGW_ID, body, 'ApplicationGatewayMustHaveAtleastOneResourceOfType');
    expect(error).toEqual({ code: 'ApplicationGatewayMustHaveAtleastOneResourceOfType', message: `At least one BackendAddressPool resource must be specified for the Application Gateway ${AGW_ID}.`, details: [] });
  });

  it('a rule pointing to a missing listener is InvalidResourceReference, naming both resources', async () => {
    const emulator = await start();
    const body = await demoGatewayWith(emulator, (p) => (at(p, 'requestRoutingRules').httpListener = { id: `${AGW_ID}/httpListeners/nope` }));
    const error = await refused(emulator, AGW_ID, body, 'InvalidResourceReference');
    expect(error.message).toBe(
      `Resource ${AGW_ID}/httpListeners/nope referenced by resource ${AGW_ID}/requestRoutingRules/routing was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`,
    );
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"gateway"'],
    ['null', 'null'],
    ['nothing', ''],
  ])('a body that is %s is InvalidRequestContent', async (_what, body) => {
    const emulator = await start();
    const error = await refused(emulator, AGW_ID, body, 'InvalidRequestContent');
    expect(error.message).toMatch(/^The request content was invalid and could not be deserialized: '.*must be a JSON object.*'\.$/);
  });

  it('malformed JSON is InvalidRequestContent, routed and logged like any request', async () => {
    const emulator = await start();
    const error = await refused(emulator, AGW_ID, '{"location": "westus", "properties": {', 'InvalidRequestContent');
    expect(error.message).toMatch(/^The request content was invalid and could not be deserialized: '.+'\.$/);
    expect(emulator.requestLog.at(-2)).toMatchObject({ action: 'applicationGateways.createOrUpdate' });
  });

  it('wrong types are InvalidRequestFormat "Cannot parse the request." with a detail per field', async () => {
    const emulator = await start();
    const body = await demoGatewayWith(emulator, (p) => {
      at(p, 'frontendPorts').port = 'eighty';
      at(p, 'httpListeners').frontendPort = { name: 'port80' };
      (at(p, 'backendAddressPools').backendAddresses as unknown[])[0] = '10.1.0.4';
    });
    const error = await refused(emulator, AGW_ID, body, 'InvalidRequestFormat');
    expect(error.message).toBe('Cannot parse the request.');
    // In the order the body gives them (the demo gateway lists frontend ports before pools).
    expect(error.details).toEqual([
      { code: 'InvalidJson', message: "Error converting value \"eighty\" to type 'System.Int32'. Path 'properties.frontendPorts[0].properties.port'." },
      { code: 'InvalidJson', message: "Error converting value \"10.1.0.4\" to type 'Microsoft.WindowsAzure.Networking.Nrp.Frontend.Contract.Csm.Public.ApplicationGatewayBackendAddress'. Path 'properties.backendAddressPools[0].properties.backendAddresses[0]'." },
      { code: 'MissingJsonReferenceId', message: 'Value for reference id is missing. Path properties.httpListeners[0].properties.frontendPort.' },
    ]);
    await refused(emulator, AGW_ID, JSON.stringify({ location: 'westus', properties: 'x' }), 'InvalidRequestFormat');
    await refused(emulator, AGW_ID, JSON.stringify({ location: 'westus', properties: { ...minimalGateway(AGW_ID).properties, backendAddressPools: {} } }), 'InvalidRequestFormat');
  });

  it.each<[string, (p: Json) => void, string, string]>([
    ['a gateway IP configuration without a subnet', (p) => delete at(p, 'gatewayIPConfigurations').subnet, 'SubnetIsRequired', `Subnet reference is required for ipconfiguration ${AGW_ID}/gatewayIPConfigurations/gwipc.`],
    ['a frontend IP with neither public IP nor subnet', (p) => delete at(p, 'frontendIPConfigurations').publicIPAddress, 'ApplicationGatewayFrontendIpBothPublicIpAddressAndSubnetCannotBeNull', `FrontendIpConfiguration ${AGW_ID}/frontendIPConfigurations/fip cannot have both subnet and publicIp as null. Either publicIp or subnet should be specified.`],
    ['a frontend port of 0', (p) => (at(p, 'frontendPorts').port = 0), 'ApplicationGatewayFrontendPortInvalidPortNumber', `Port specified for FrontendPort ${AGW_ID}/frontendPorts/port80 is not valid. Supported range is [1, 65502].`],
    ['backend settings without a port', (p) => delete at(p, 'backendHttpSettingsCollection').port, 'ApplicationGatewayBackendHttpSettingsPortIsInvalid', `Port specified for BackendHttpSettings ${AGW_ID}/backendHttpSettingsCollection/web-http is not valid. Supported range is [1, 65535].`],
    ['a drain timeout of 0', (p) => (at(p, 'backendHttpSettingsCollection').connectionDraining = { enabled: false, drainTimeoutInSec: 0 }), 'ApplicationGatewayConnectionDrainingTimeoutInvalid', `Backend Http Settings ${AGW_ID}/backendHttpSettingsCollection/web-http connection draining timeout is invalid. The current value is 0. Supported range is [1, 3600].`],
    ['a listener without a frontend port', (p) => delete at(p, 'httpListeners').frontendPort, 'ApplicationGatewayHttpListenerMustReference', `Http Listener ${AGW_ID}/httpListeners/listener80 must reference a FrontendPort.`],
    ['a rule without a listener', (p) => delete at(p, 'requestRoutingRules').httpListener, 'ApplicationGatewayRequestRoutingRuleMustReference', `Request Routing Rule ${AGW_ID}/requestRoutingRules/routing must reference a HttpListener.`],
    ['a basic rule without a pool', (p) => Object.assign(at(p, 'requestRoutingRules'), { ruleType: 'Basic', urlPathMap: undefined }), 'ApplicationGatewayRequestRoutingRuleMustReference', `Request Routing Rule ${AGW_ID}/requestRoutingRules/routing must reference a BackendAddressPool.`],
  ])('%s is refused with its own code and message', async (_what, change, code, message) => {
    const emulator = await start();
    const error = await refused(emulator, AGW_ID, await demoGatewayWith(emulator, change), code);
    expect(error).toEqual({ code, message, details: [] });
  });

  it('two rules on one listener, and priority on some rules only, are refused', async () => {
    const emulator = await start();
    const second = (p: Json, priority: number | undefined) => (p.requestRoutingRules as Json[]).push({ name: 'second', properties: { ...at(p, 'requestRoutingRules'), priority } });
    const same = await refused(emulator, AGW_ID, await demoGatewayWith(emulator, (p) => second(p, 200)), 'ApplicationGatewayRequestRoutingRulesUsingSameHttpListener');
    expect(same.message).toBe(`Two Request Routing Rules of Application Gateway ${AGW_ID} are using the same Http Listener ${AGW_ID}/httpListeners/listener80.`);
    const partial = await demoGatewayWith(emulator, (p) => {
      (p.httpListeners as Json[]).push({ name: 'listener8080', properties: { ...at(p, 'httpListeners'), frontendPort: { id: `${AGW_ID}/frontendPorts/port8080` } } });
      (p.frontendPorts as Json[]).push({ name: 'port8080', properties: { port: 8080 } });
      second(p, undefined);
      at(p, 'requestRoutingRules', 1).httpListener = { id: `${AGW_ID}/httpListeners/listener8080` };
    });
    expect((await refused(emulator, AGW_ID, partial, 'ApplicationGatewayRequestRoutingRulePartialPriorityDefined')).message).toBe('Either all or no rule should have the priority specified.');
  });

  it('a gateway without a sku is refused', async () => {
    const emulator = await start();
    await refused(emulator, AGW_ID, await demoGatewayWith(emulator, (p) => delete p.sku), 'InvalidRequestFormat');
  });

  it('the smallest complete gateway is created (201), and a valid change to it is accepted (200)', async () => {
    const emulator = await start();
    const id = `${NETWORK}/applicationGateways/new-agw`;
    const created = await put(emulator, id, JSON.stringify(minimalGateway(id)));
    expect(created.status).toBe(201);
    const body = await getJson(emulator, id);
    ((body.properties as Json).requestRoutingRules as Json[]).splice(0);
    expect((await put(emulator, id, JSON.stringify(body))).status).toBe(400);
    const ok = await getJson(emulator, id);
    at(ok.properties as Json, 'backendAddressPools').backendAddresses = [];
    expect((await put(emulator, id, JSON.stringify(ok))).status).toBe(200);
  });

  it('through @azure/arm-network the refusal is a RestError with ARM\'s code, and the gateway is unchanged', async () => {
    const emulator = await start();
    const client = sdkClient(emulator, SUB);
    const gw = await client.applicationGateways.get('demo-rg', 'demo-agw');
    gw.requestRoutingRules![0]!.httpListener = { id: `${AGW_ID}/httpListeners/nope` };
    const error = await rejectionOf(client.applicationGateways.beginCreateOrUpdateAndWait('demo-rg', 'demo-agw', gw, { updateIntervalInMs: 5 }));
    expect(error).toMatchObject({ name: 'RestError', statusCode: 400, code: 'InvalidResourceReference' });
    expect(error.message).toContain(`Resource ${AGW_ID}/httpListeners/nope referenced by resource ${AGW_ID}/requestRoutingRules/routing was not found.`);
    const after = await client.applicationGateways.get('demo-rg', 'demo-agw');
    expect(after.etag).toBe(gw.etag);
    expect(after.requestRoutingRules![0]!.httpListener!.id).toBe(`${AGW_ID}/httpListeners/listener80`);
    expect(emulator.mutatingCalls().map((e) => [e.status, e.errorCode])).toEqual([[400, 'InvalidResourceReference']]);
  });
});

describe('Azure emulator: load balancer pool PUT validation', () => {
  const harness = azureHarness();
  const start = () => harness.start({ seed: demoSeed(), operationDelayMs: 0 });
  const poolWith = (change: (address: Json) => void): string => {
    const address = { name: 'web-1', properties: { ipAddress: '10.2.0.4', adminState: 'None' } as Json };
    change(address.properties);
    return JSON.stringify({ properties: { loadBalancerBackendAddresses: [address] } });
  };

  it('an unknown adminState, an address without a name, and a non-object body are refused; nothing changes', async () => {
    const emulator = await start();
    const error = await refused(emulator, POOL_PATH, poolWith((a) => (a.adminState = 'Drain')), 'InvalidRequestFormat');
    expect(error.details).toEqual([{ code: 'InvalidJson', message: "Error converting value \"Drain\" to type 'Microsoft.WindowsAzure.Networking.Nrp.Frontend.Contract.Csm.Public.LoadBalancerBackendAddressAdminState'. Path 'properties.loadBalancerBackendAddresses[0].properties.adminState'." }]);
    await refused(emulator, POOL_PATH, JSON.stringify({ properties: { loadBalancerBackendAddresses: [{ properties: { ipAddress: '10.2.0.9' } }] } }), 'InvalidRequestFormat');
    await refused(emulator, POOL_PATH, JSON.stringify({ properties: { loadBalancerBackendAddresses: 'web-1' } }), 'InvalidRequestFormat');
    await refused(emulator, POOL_PATH, '[1]', 'InvalidRequestContent');
    await refused(emulator, POOL_PATH, '{', 'InvalidRequestContent');
  });

  it('an address referring to a frontend IP configuration the load balancer lacks is InvalidResourceReference', async () => {
    const emulator = await start();
    const missing = `${NETWORK}/loadBalancers/demo-lb/frontendIPConfigurations/nope`;
    const error = await refused(emulator, POOL_PATH, poolWith((a) => (a.loadBalancerFrontendIPConfiguration = { id: missing })), 'InvalidResourceReference');
    expect(error.message).toBe(`Resource ${missing} referenced by resource ${POOL_PATH}/loadBalancerBackendAddresses/web-1 was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`);
    const fe = `${NETWORK}/loadBalancers/demo-lb/frontendIPConfigurations/fe`;
    expect((await put(emulator, POOL_PATH, poolWith((a) => (a.loadBalancerFrontendIPConfiguration = { id: fe })))).status).toBe(200);
  });
});

describe.runIf(haveExamples)('Azure emulator: the official PUT and GET examples are accepted', () => {
  const harness = azureHarness();
  const example = (file: string) => JSON.parse(readFileSync(join(FIXTURES_DIR, file), 'utf8')) as { parameters: Json; responses: Record<string, { body: Json }> };
  const gatewayPath = (name: string) => `/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/applicationGateways/${name}`;

  it('ApplicationGatewayCreate.json: created on an empty emulator (201) and written over the seeded appgw (200)', async () => {
    const { parameters } = example('ApplicationGatewayCreate.json');
    const body = JSON.stringify(parameters.parameters);
    const empty = await harness.start({ operationDelayMs: 0 });
    expect((await put(empty, gatewayPath('appgw'), body)).status).toBe(201);
    const seeded = await harness.start({ seed: await seedFromOfficialExamples(FIXTURES_DIR), operationDelayMs: 0 });
    expect((await put(seeded, gatewayPath('appgw'), body)).status).toBe(200);
    expect(((await getJson(seeded, gatewayPath('appgw'))).properties as Json).sku).toEqual({ name: 'Standard_v2', tier: 'Standard_v2', capacity: 3 });
  });

  it('LBBackendAddressPoolWithBackendAddressesPut.json: accepted for pool backend of lb in testrg', async () => {
    const { parameters } = example('LBBackendAddressPoolWithBackendAddressesPut.json');
    const emulator = await harness.start({ seed: await seedFromOfficialExamples(FIXTURES_DIR), operationDelayMs: 0 });
    const path = '/subscriptions/subid/resourceGroups/testrg/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/backend';
    expect((await put(emulator, path, JSON.stringify(parameters.parameters))).status).toBe(200);
  });

  it('every seeded official gateway, and the pools of every official load balancer, written back as GET returns them', async () => {
    const emulator = await harness.start({ seed: await seedFromOfficialExamples(FIXTURES_DIR), operationDelayMs: 0 });
    for (const name of ['appgw', 'appgw-create']) expect((await put(emulator, gatewayPath(name), JSON.stringify(await getJson(emulator, gatewayPath(name))))).status).toBe(200);
    for (const path of ['/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/be-lb', '/subscriptions/subid/resourceGroups/testrg/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/backend']) {
      expect((await put(emulator, path, JSON.stringify(await getJson(emulator, path)))).status).toBe(200);
    }
  });
});
