/**
 * The seed: the application gateways and load balancers the emulator starts with, as ARM
 * resource JSON (the shape GET returns), plus the health each backend reports. Top-level and
 * health fields are checked strictly; inside a resource, the fields the emulator reads are
 * checked and everything else ARM may carry is kept as given.
 */
import { SeedError, SeedReader, findRepeat, readSeedFile } from '../shared/seed.js';
import { problemText } from './body-problems.js';
import { gatewayBodyProblem } from './gateway-validation.js';
import { loadBalancerProblem } from './load-balancer-validation.js';
import { type Json, collection, isObject, nameOf, parseResourceId, propertiesOf, resourceKey } from './model.js';

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

/** A seed entry: an object of `known` fields (ARM's own are checked inside `resource`). */
function entry(r: SeedReader, value: unknown, path: string, known: readonly string[]): Json {
  if (!isObject(value)) r.fail(path, 'must be a JSON object');
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) r.fail(`${path}.${key}`, `is not a known field (known: ${known.join(', ')})`);
  }
  return value;
}

function healthMap<T extends string>(r: SeedReader, value: unknown, path: string, allowed: readonly T[]): Record<string, T> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) r.fail(path, 'must be an object of address to health');
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) r.fail(`${path}[${JSON.stringify(key)}]`, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
  }
  return value as Record<string, T>;
}

/** Fills `name` from the id and checks it matches; returns the resource's key. */
function checkIdentity(r: SeedReader, resource: Json, path: string, type: 'applicationGateways' | 'loadBalancers'): string {
  if (typeof resource.id !== 'string') r.fail(`${path}.id`, `is required: /subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Network/${type}/<name>`);
  const parsed = parseResourceId(resource.id, type);
  if (!parsed) r.fail(`${path}.id`, `must be /subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Network/${type}/<name> (got ${JSON.stringify(resource.id)})`);
  if (resource.name !== undefined && (typeof resource.name !== 'string' || resource.name.toLowerCase() !== parsed.name.toLowerCase())) {
    r.fail(`${path}.name`, `must match the id's last segment "${parsed.name}" (got ${JSON.stringify(resource.name)})`);
  }
  return resourceKey(parsed);
}

function readGateway(r: SeedReader, value: unknown, path: string): ApplicationGatewaySeed {
  const o = entry(r, value, path, ['resource', 'health']);
  if (!isObject(o.resource)) r.fail(`${path}.resource`, 'must be the gateway as ARM JSON (an object with id and properties)');
  checkIdentity(r, o.resource, `${path}.resource`, 'applicationGateways');
  // A seed is what GET returns, so it must be a gateway ARM would accept: a client reads it, changes it and PUTs it back.
  const found = gatewayBodyProblem(o.resource, o.resource.id as string, { requireLocation: false });
  if (found) {
    const problem = problemText(found);
    const hint = /backendAddresses\[\d+\] must be an object/.test(problem) ? ' — the official ApplicationGatewayGet.json example lists plain strings; seedFromOfficialExamples() rewrites them' : '';
    throw new SeedError(`${r.source}: ${path}.resource.${problem}${hint}`);
  }
  return { resource: o.resource, health: healthMap(r, o.health, `${path}.health`, ['Up', 'Down', 'Unknown', 'Partial'] as const) };
}

function readLoadBalancer(r: SeedReader, value: unknown, path: string): LoadBalancerSeed {
  const o = entry(r, value, path, ['resource', 'health']);
  if (!isObject(o.resource)) r.fail(`${path}.resource`, 'must be the load balancer as ARM JSON (an object with id and properties)');
  checkIdentity(r, o.resource, `${path}.resource`, 'loadBalancers');
  const problem = loadBalancerProblem(o.resource);
  if (problem) throw new SeedError(`${r.source}: ${path}.resource.${problemText(problem)}`);
  const names = new Set(collection(propertiesOf(o.resource), 'backendAddressPools').flatMap((p) => collection(propertiesOf(p), 'loadBalancerBackendAddresses').map((a) => nameOf(a).toLowerCase())));
  const health = healthMap(r, o.health, `${path}.health`, ['Up', 'Down'] as const);
  for (const key of Object.keys(health ?? {})) {
    if (!names.has(key.toLowerCase())) r.fail(`${path}.health[${JSON.stringify(key)}]`, 'names no backend address of this load balancer');
  }
  return { resource: o.resource, health };
}

function noDuplicates(r: SeedReader, items: readonly { resource: Json }[], path: string, type: 'applicationGateways' | 'loadBalancers'): void {
  const repeat = findRepeat(items.map((item) => resourceKey(parseResourceId(item.resource.id as string, type)!)));
  if (repeat) r.fail(`${path}[${repeat.index}].resource.id`, `repeats ${path}[${repeat.first}]`);
}

/** Validates a seed document; throws an Error whose one-line message names the bad field's path. */
export function parseSeed(json: unknown, source = 'seed'): AzureSeed {
  const r = new SeedReader(source);
  const o = r.root(json, ['location', 'applicationGateways', 'loadBalancers']);
  if (o.location !== undefined && (typeof o.location !== 'string' || !/^[a-z0-9]+$/.test(o.location))) r.fail('location', `must be an Azure location name such as westus (got ${JSON.stringify(o.location)})`);
  const applicationGateways = r.array(o.applicationGateways, 'applicationGateways').map((v, i) => readGateway(r, v, `applicationGateways[${i}]`));
  const loadBalancers = r.array(o.loadBalancers, 'loadBalancers').map((v, i) => readLoadBalancer(r, v, `loadBalancers[${i}]`));
  noDuplicates(r, applicationGateways, 'applicationGateways', 'applicationGateways');
  noDuplicates(r, loadBalancers, 'loadBalancers', 'loadBalancers');
  return { location: o.location as string | undefined, applicationGateways, loadBalancers };
}

/** Reads and validates a seed file; errors name the file. */
export async function loadSeedFile(path: string): Promise<AzureSeed> {
  return parseSeed(await readSeedFile(path), path);
}
