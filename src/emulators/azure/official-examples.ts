/**
 * Builds a seed from the official example files of Azure/azure-rest-api-specs (see the
 * fixtures README beside them), applying the fixes those examples need before a real
 * client can use them:
 *
 *  1. ApplicationGatewayGet.json lists `backendAddresses` as plain strings; the API (and
 *     @azure/arm-network, which turns strings into garbage) expects `{ "ipAddress": … }` objects.
 *  2. No example carries `connectionDraining` on backend settings or `adminState` on load
 *     balancer backend addresses: settings get `{ enabled: true, drainTimeoutInSec }`,
 *     addresses `adminState: "None"`.
 *
 * And two placements, so that every example can live in one emulator:
 *
 *  3. ApplicationGatewayCreate.json's gateway has the same id as ApplicationGatewayGet.json's
 *     ("appgw" in rg1); it is loaded under the name `appgw-create`.
 *  4. LBBackendAddressPoolWithBackendAddressesGet.json is a pool of load balancer "lb" in
 *     resource group "testrg", which no example defines; a minimal parent load balancer is
 *     made for it, with the rule the pool names ("rulelb") pointing back at it.
 *
 * The files are read, never copied; a missing file is an error naming it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Json, collection, isObject, propertiesOf } from './model.js';
import { parseSeed, type AzureSeed } from './seed.js';

/** The example files the loader reads. */
export const OFFICIAL_EXAMPLE_FILES = [
  'ApplicationGatewayGet.json',
  'ApplicationGatewayCreate.json',
  'LoadBalancerGet.json',
  'LBBackendAddressPoolWithBackendAddressesGet.json',
] as const;

/** What the fixes fill in. */
export interface OfficialExampleOptions {
  /** The connection-draining timeout given to every backend setting (default 60). */
  readonly drainTimeoutInSec?: number;
}

async function readExample(dir: string, file: string): Promise<Json> {
  const path = join(dir, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: cannot read the official example (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const json: unknown = JSON.parse(text);
  if (!isObject(json) || !isObject(json.responses)) throw new Error(`${path}: not an x-ms-examples file (no "responses")`);
  return json;
}

/** The body of the example's 200 response. */
function okBody(example: Json, file: string): Json {
  const responses = example.responses as Json;
  const ok = responses['200'];
  if (!isObject(ok) || !isObject(ok.body)) throw new Error(`${file}: has no 200 response body`);
  return structuredClone(ok.body);
}

/** Fix 1: `"10.0.0.1"` → `{ "ipAddress": "10.0.0.1" }`. */
function objectAddresses(gateway: Json): void {
  for (const pool of collection(propertiesOf(gateway), 'backendAddressPools')) {
    const props = propertiesOf(pool);
    if (Array.isArray(props.backendAddresses)) {
      props.backendAddresses = props.backendAddresses.map((a: unknown) => (typeof a === 'string' ? { ipAddress: a } : a));
    }
  }
}

/** Fix 2 for gateways: connection draining on every backend setting that has none. */
function addConnectionDraining(gateway: Json, seconds: number): void {
  for (const settings of collection(propertiesOf(gateway), 'backendHttpSettingsCollection')) {
    const props = propertiesOf(settings);
    props.connectionDraining ??= { enabled: true, drainTimeoutInSec: seconds };
  }
}

/** Fix 2 for load balancers: `adminState: "None"` on every backend address that has none. */
function addAdminState(pool: Json): void {
  for (const address of collection(propertiesOf(pool), 'loadBalancerBackendAddresses')) {
    if (!isObject(address.properties)) address.properties = {};
    (address.properties as Json).adminState ??= 'None';
  }
}

/** Placement 3: moves a gateway to another name by rewriting its id and every id beneath it. */
function renameGateway(gateway: Json, name: string): Json {
  const oldId = String(gateway.id);
  const newId = oldId.replace(/[^/]+$/, name);
  const text = JSON.stringify(gateway).split(`"${oldId}"`).join(`"${newId}"`).split(`${oldId}/`).join(`${newId}/`);
  return { ...(JSON.parse(text) as Json), name };
}

/** Placement 4: a minimal load balancer holding a pool whose parent no example defines. */
function parentFor(pool: Json, location: string): Json {
  const poolId = String(pool.id);
  const lbId = poolId.replace(/\/backendAddressPools\/[^/]+$/, '');
  const rules = collection(propertiesOf(pool), 'loadBalancingRules').map((ref) => {
    const ruleName = String(ref.id).split('/').pop() ?? 'rule';
    return { name: ruleName, id: `${lbId}/loadBalancingRules/${ruleName}`, properties: { protocol: 'Tcp', frontendPort: 80, backendPort: 80, backendAddressPool: { id: poolId } } };
  });
  return { name: lbId.split('/').pop(), id: lbId, type: 'Microsoft.Network/loadBalancers', location, properties: { backendAddressPools: [pool], loadBalancingRules: rules } };
}

/**
 * Reads the official examples from `dir` and returns a validated seed: gateways `appgw` and
 * `appgw-create` (subscription "subid", resource group "rg1"), load balancer `lb` in rg1
 * (pool `be-lb`) and load balancer `lb` in testrg (pool `backend` with address1 and address2).
 */
export async function seedFromOfficialExamples(dir: string, options: OfficialExampleOptions = {}): Promise<AzureSeed> {
  const seconds = options.drainTimeoutInSec ?? 60;
  // One after another, so a missing directory is reported by its first file every time.
  const examples: Json[] = [];
  for (const file of OFFICIAL_EXAMPLE_FILES) examples.push(await readExample(dir, file));
  const [get, create, lbGet, poolGet] = examples;

  const gateways = [okBody(get!, 'ApplicationGatewayGet.json'), renameGateway(okBody(create!, 'ApplicationGatewayCreate.json'), 'appgw-create')];
  for (const gateway of gateways) {
    objectAddresses(gateway);
    addConnectionDraining(gateway, seconds);
  }

  const loadBalancer = okBody(lbGet!, 'LoadBalancerGet.json');
  for (const pool of collection(propertiesOf(loadBalancer), 'backendAddressPools')) addAdminState(pool);
  const pool = okBody(poolGet!, 'LBBackendAddressPoolWithBackendAddressesGet.json');
  addAdminState(pool);
  const location = typeof loadBalancer.location === 'string' ? loadBalancer.location : 'westus';

  return parseSeed(
    {
      location,
      applicationGateways: gateways.map((resource) => ({ resource })),
      loadBalancers: [{ resource: loadBalancer }, { resource: parentFor(pool, location) }],
    },
    `official examples in ${dir}`,
  );
}
