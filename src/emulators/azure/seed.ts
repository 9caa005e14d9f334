/**
 * The seed: the application gateways and load balancers the emulator starts with, as ARM
 * resource JSON (the shape GET returns), plus the health each backend reports. Top-level and
 * health fields are checked strictly; inside a resource, the fields the emulator reads are
 * checked and everything else ARM may carry is kept as given.
 */
import { readFile } from 'node:fs/promises';
import { type Json, collection, gatewayProblem, isObject, loadBalancerProblem, nameOf, parseResourceId, propertiesOf, resourceKey } from './model.js';

/** A server's health as application gateway backend health reports it (`Draining` is the emulator's to give). */
export type GatewayServerHealth = 'Up' | 'Down' | 'Unknown' | 'Partial';

/** A backend address's health-probe result on a load balancer. */
export type ProbeHealth = 'Up' | 'Down';

/** One application gateway. */
export interface ApplicationGatewaySeed {
  /** ARM JSON as GET returns it; `id` names the subscription, resource group and gateway. */
  readonly resource: Json;
  /** Backend health by address (IP or FQDN); default Up. */
  readonly health?: Readonly<Record<string, GatewayServerHealth>>;
}

/** One load balancer, its backend pools (with their addresses) inside `resource.properties.backendAddressPools`. */
export interface LoadBalancerSeed {
  readonly resource: Json;
  /** Health-probe result by backend address name; default Up. */
  readonly health?: Readonly<Record<string, ProbeHealth>>;
}

/** The whole seed document. */
export interface AzureSeed {
  /** Location for resources that give none, and for operation URLs; default westus. */
  readonly location?: string;
  readonly applicationGateways?: readonly ApplicationGatewaySeed[];
  readonly loadBalancers?: readonly LoadBalancerSeed[];
}

class SeedError extends Error {}

function fail(source: string, path: string, problem: string): never {
  throw new SeedError(`${source}: ${path} ${problem}`);
}

function knownKeys(source: string, value: unknown, path: string, known: readonly string[]): Json {
  if (!isObject(value)) fail(source, path || 'the seed', 'must be a JSON object');
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) fail(source, path ? `${path}.${key}` : key, `is not a known field (known: ${known.join(', ')})`);
  }
  return value;
}

function arrayAt(source: string, value: unknown, path: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(source, path, 'must be an array');
  return value;
}

function healthMap<T extends string>(source: string, value: unknown, path: string, allowed: readonly T[]): Record<string, T> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) fail(source, path, 'must be an object of address to health');
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(source, `${path}[${JSON.stringify(key)}]`, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
  }
  return value as Record<string, T>;
}

/** Fills `name` from the id and checks it matches; returns the resource's key. */
function checkIdentity(source: string, resource: Json, path: string, type: 'applicationGateways' | 'loadBalancers'): string {
  if (typeof resource.id !== 'string') fail(source, `${path}.id`, `is required: /subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Network/${type}/<name>`);
  const parsed = parseResourceId(resource.id, type);
  if (!parsed) fail(source, `${path}.id`, `must be /subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Network/${type}/<name> (got ${JSON.stringify(resource.id)})`);
  if (resource.name !== undefined && (typeof resource.name !== 'string' || resource.name.toLowerCase() !== parsed.name.toLowerCase())) {
    fail(source, `${path}.name`, `must match the id's last segment "${parsed.name}" (got ${JSON.stringify(resource.name)})`);
  }
  return resourceKey(parsed);
}

function readGateway(source: string, value: unknown, path: string): ApplicationGatewaySeed {
  const o = knownKeys(source, value, path, ['resource', 'health']);
  if (!isObject(o.resource)) fail(source, `${path}.resource`, 'must be the gateway as ARM JSON (an object with id and properties)');
  checkIdentity(source, o.resource, `${path}.resource`, 'applicationGateways');
  const problem = gatewayProblem(o.resource);
  if (problem) {
    const hint = /backendAddresses\[\d+\] must be an object/.test(problem) ? ' — the official ApplicationGatewayGet.json example lists plain strings; seedFromOfficialExamples() rewrites them' : '';
    throw new SeedError(`${source}: ${path}.resource.${problem}${hint}`);
  }
  return { resource: o.resource, health: healthMap(source, o.health, `${path}.health`, ['Up', 'Down', 'Unknown', 'Partial'] as const) };
}

function readLoadBalancer(source: string, value: unknown, path: string): LoadBalancerSeed {
  const o = knownKeys(source, value, path, ['resource', 'health']);
  if (!isObject(o.resource)) fail(source, `${path}.resource`, 'must be the load balancer as ARM JSON (an object with id and properties)');
  checkIdentity(source, o.resource, `${path}.resource`, 'loadBalancers');
  const problem = loadBalancerProblem(o.resource);
  if (problem) throw new SeedError(`${source}: ${path}.resource.${problem}`);
  const names = new Set(collection(propertiesOf(o.resource), 'backendAddressPools').flatMap((p) => collection(propertiesOf(p), 'loadBalancerBackendAddresses').map((a) => nameOf(a).toLowerCase())));
  const health = healthMap(source, o.health, `${path}.health`, ['Up', 'Down'] as const);
  for (const key of Object.keys(health ?? {})) {
    if (!names.has(key.toLowerCase())) fail(source, `${path}.health[${JSON.stringify(key)}]`, 'names no backend address of this load balancer');
  }
  return { resource: o.resource, health };
}

function noDuplicates(source: string, items: readonly { resource: Json }[], path: string, type: 'applicationGateways' | 'loadBalancers'): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const key = resourceKey(parseResourceId(item.resource.id as string, type)!);
    const first = seen.get(key);
    if (first !== undefined) fail(source, `${path}[${i}].resource.id`, `repeats ${path}[${first}]`);
    seen.set(key, i);
  });
}

/** Validates a seed document; throws an Error whose one-line message names the bad field's path. */
export function parseSeed(json: unknown, source = 'seed'): AzureSeed {
  const o = knownKeys(source, json, '', ['location', 'applicationGateways', 'loadBalancers']);
  if (o.location !== undefined && (typeof o.location !== 'string' || !/^[a-z0-9]+$/.test(o.location))) fail(source, 'location', `must be an Azure location name such as westus (got ${JSON.stringify(o.location)})`);
  const applicationGateways = arrayAt(source, o.applicationGateways, 'applicationGateways').map((v, i) => readGateway(source, v, `applicationGateways[${i}]`));
  const loadBalancers = arrayAt(source, o.loadBalancers, 'loadBalancers').map((v, i) => readLoadBalancer(source, v, `loadBalancers[${i}]`));
  noDuplicates(source, applicationGateways, 'applicationGateways', 'applicationGateways');
  noDuplicates(source, loadBalancers, 'loadBalancers', 'loadBalancers');
  return { location: o.location as string | undefined, applicationGateways, loadBalancers };
}

/** Reads and validates a seed file; errors name the file. */
export async function loadSeedFile(path: string): Promise<AzureSeed> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: cannot read the seed file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return parseSeed(json, path);
}
