/**
 * The parts of ARM resource JSON the emulator reads: resource ids, application gateway pools,
 * backend settings and routing rules, load balancer pools and rules, and the checks that keep a
 * seeded or PUT resource usable. Pure: no state, no I/O.
 */

/** A JSON object as ARM sends it. */
export type Json = Record<string, unknown>;

/** The API version whose shapes the emulator follows (the one @azure/arm-network 36 sends). */
export const API_VERSION = '2025-05-01';

export const GATEWAY_TYPE = 'Microsoft.Network/applicationGateways';
export const LOAD_BALANCER_TYPE = 'Microsoft.Network/loadBalancers';
export const POOL_TYPE = 'Microsoft.Network/loadBalancers/backendAddressPools';

/** Subscription, resource group and name of a top-level Microsoft.Network resource. */
export interface ResourceName {
  readonly subscription: string;
  readonly resourceGroup: string;
  readonly name: string;
}

const ID_PATTERN = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/(applicationGateways|loadBalancers)\/([^/]+)$/i;

/** Parses `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Network/{type}/{name}`. */
export function parseResourceId(id: string, type: 'applicationGateways' | 'loadBalancers'): ResourceName | undefined {
  const m = ID_PATTERN.exec(id);
  if (!m || m[3]!.toLowerCase() !== type.toLowerCase()) return undefined;
  return { subscription: m[1]!, resourceGroup: m[2]!, name: m[4]! };
}

/** The canonical id of a top-level resource. */
export function resourceId(type: 'applicationGateways' | 'loadBalancers', r: ResourceName): string {
  return `/subscriptions/${r.subscription}/resourceGroups/${r.resourceGroup}/providers/Microsoft.Network/${type}/${r.name}`;
}

/** The store key of a resource: ARM names are case-insensitive. */
export function resourceKey(r: ResourceName): string {
  return `${r.subscription}/${r.resourceGroup}/${r.name}`.toLowerCase();
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value.properties` as an object (empty when absent). */
export function propertiesOf(value: unknown): Json {
  return isObject(value) && isObject(value.properties) ? value.properties : {};
}

/** A named sub-resource collection (`backendAddressPools`…) as an array of objects. */
export function collection(props: Json, key: string): Json[] {
  const value = props[key];
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** The last segment of a sub-resource reference `{ id: '…/backendAddressPools/web' }`. */
export function refName(ref: unknown): string | undefined {
  if (!isObject(ref) || typeof ref.id !== 'string') return undefined;
  return ref.id.split('/').pop()?.toLowerCase();
}

export function nameOf(item: Json): string {
  return typeof item.name === 'string' ? item.name : '';
}

/** The address a backend address object names: its IP address or FQDN, lower-cased. */
export function backendAddressKey(address: unknown): string | undefined {
  if (!isObject(address)) return undefined;
  const value = typeof address.ipAddress === 'string' && address.ipAddress !== '' ? address.ipAddress : typeof address.fqdn === 'string' && address.fqdn !== '' ? address.fqdn : undefined;
  return value?.toLowerCase();
}

/** Every (pool, backend settings) pair the gateway's request routing rules send traffic through, by lower-cased name. */
export function routedPairs(gateway: Json): { pool: string; settings: string }[] {
  const props = propertiesOf(gateway);
  const pairs: { pool: string; settings: string }[] = [];
  const add = (pool: unknown, settings: unknown) => {
    const p = refName(pool);
    const s = refName(settings);
    if (p && s) pairs.push({ pool: p, settings: s });
  };
  const pathMaps = new Map(collection(props, 'urlPathMaps').map((m) => [nameOf(m).toLowerCase(), propertiesOf(m)]));
  for (const rule of collection(props, 'requestRoutingRules')) {
    const r = propertiesOf(rule);
    add(r.backendAddressPool, r.backendHttpSettings);
    const map = pathMaps.get(refName(r.urlPathMap) ?? '');
    if (!map) continue;
    add(map.defaultBackendAddressPool, map.defaultBackendHttpSettings);
    for (const pathRule of collection(map, 'pathRules')) {
      const pr = propertiesOf(pathRule);
      add(pr.backendAddressPool, pr.backendHttpSettings);
    }
  }
  return pairs;
}

/** The backend settings (lower-cased names) that carry traffic to a pool. */
export function settingsForPool(gateway: Json, pool: string): string[] {
  return [...new Set(routedPairs(gateway).filter((p) => p.pool === pool.toLowerCase()).map((p) => p.settings))];
}

/** How long a pool's removed addresses drain: the longest enabled connection-draining timeout of its settings, in seconds. */
export function drainSecondsForPool(gateway: Json, pool: string): number {
  const wanted = new Set(settingsForPool(gateway, pool));
  let seconds = 0;
  for (const s of collection(propertiesOf(gateway), 'backendHttpSettingsCollection')) {
    if (!wanted.has(nameOf(s).toLowerCase())) continue;
    const cd = propertiesOf(s).connectionDraining;
    if (isObject(cd) && cd.enabled === true && typeof cd.drainTimeoutInSec === 'number') seconds = Math.max(seconds, cd.drainTimeoutInSec);
  }
  return seconds;
}

/** Addresses per pool (lower-cased pool name → address keys). */
export function poolAddresses(gateway: Json): Map<string, Map<string, Json>> {
  const pools = new Map<string, Map<string, Json>>();
  for (const pool of collection(propertiesOf(gateway), 'backendAddressPools')) {
    const addresses = new Map<string, Json>();
    for (const a of collection(propertiesOf(pool), 'backendAddresses')) {
      const key = backendAddressKey(a);
      if (key) addresses.set(key, a);
    }
    pools.set(nameOf(pool).toLowerCase(), addresses);
  }
  return pools;
}

function uniqueNames(items: Json[], path: string): string | undefined {
  const seen = new Set<string>();
  for (const [i, item] of items.entries()) {
    const name = nameOf(item);
    if (name === '') return `${path}[${i}].name is required`;
    if (seen.has(name.toLowerCase())) return `${path}[${i}].name "${name}" is used twice`;
    seen.add(name.toLowerCase());
  }
  return undefined;
}

function refProblem(ref: unknown, names: Set<string>, path: string, what: string): string | undefined {
  if (ref === undefined || ref === null) return undefined;
  const name = refName(ref);
  if (!name) return `${path} must be an object with an "id"`;
  return names.has(name) ? undefined : `${path}.id refers to ${what} "${name}", which the gateway does not have`;
}

/**
 * The first problem with an application gateway body, naming the field by its path
 * (`properties.backendHttpSettingsCollection[0].properties.connectionDraining.drainTimeoutInSec …`),
 * or undefined when it is usable.
 */
export function gatewayProblem(gateway: Json): string | undefined {
  if (!isObject(gateway.properties)) return 'properties must be an object';
  const props = gateway.properties;
  const pools = collection(props, 'backendAddressPools');
  const settings = collection(props, 'backendHttpSettingsCollection');
  const problem = uniqueNames(pools, 'properties.backendAddressPools') ?? uniqueNames(settings, 'properties.backendHttpSettingsCollection');
  if (problem) return problem;
  for (const [i, pool] of pools.entries()) {
    const addresses = propertiesOf(pool).backendAddresses;
    if (addresses === undefined) continue;
    if (!Array.isArray(addresses)) return `properties.backendAddressPools[${i}].properties.backendAddresses must be an array`;
    for (const [j, a] of addresses.entries()) {
      const path = `properties.backendAddressPools[${i}].properties.backendAddresses[${j}]`;
      if (!isObject(a)) return `${path} must be an object such as {"ipAddress": "10.0.0.4"} or {"fqdn": "app.example.com"} (got ${JSON.stringify(a)})`;
      if (backendAddressKey(a) === undefined) return `${path} must have a non-empty "ipAddress" or "fqdn"`;
    }
  }
  for (const [i, s] of settings.entries()) {
    const cd = propertiesOf(s).connectionDraining;
    if (cd === undefined) continue;
    const path = `properties.backendHttpSettingsCollection[${i}].properties.connectionDraining`;
    if (!isObject(cd)) return `${path} must be an object {enabled, drainTimeoutInSec}`;
    if (typeof cd.enabled !== 'boolean') return `${path}.enabled must be true or false`;
    const t = cd.drainTimeoutInSec;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 3600) return `${path}.drainTimeoutInSec must be an integer from 1 to 3600 (got ${JSON.stringify(t)})`;
  }
  const poolNames = new Set(pools.map((p) => nameOf(p).toLowerCase()));
  const settingNames = new Set(settings.map((s) => nameOf(s).toLowerCase()));
  const mapNames = new Set(collection(props, 'urlPathMaps').map((m) => nameOf(m).toLowerCase()));
  for (const [i, rule] of collection(props, 'requestRoutingRules').entries()) {
    const r = propertiesOf(rule);
    const path = `properties.requestRoutingRules[${i}].properties`;
    const p =
      refProblem(r.backendAddressPool, poolNames, `${path}.backendAddressPool`, 'backend pool') ??
      refProblem(r.backendHttpSettings, settingNames, `${path}.backendHttpSettings`, 'backend settings') ??
      refProblem(r.urlPathMap, mapNames, `${path}.urlPathMap`, 'URL path map');
    if (p) return p;
  }
  for (const [i, map] of collection(props, 'urlPathMaps').entries()) {
    const m = propertiesOf(map);
    const path = `properties.urlPathMaps[${i}].properties`;
    const p =
      refProblem(m.defaultBackendAddressPool, poolNames, `${path}.defaultBackendAddressPool`, 'backend pool') ??
      refProblem(m.defaultBackendHttpSettings, settingNames, `${path}.defaultBackendHttpSettings`, 'backend settings');
    if (p) return p;
    for (const [j, pr] of collection(m, 'pathRules').entries()) {
      const rp = propertiesOf(pr);
      const q =
        refProblem(rp.backendAddressPool, poolNames, `${path}.pathRules[${j}].properties.backendAddressPool`, 'backend pool') ??
        refProblem(rp.backendHttpSettings, settingNames, `${path}.pathRules[${j}].properties.backendHttpSettings`, 'backend settings');
      if (q) return q;
    }
  }
  return undefined;
}

export const ADMIN_STATES = ['None', 'Up', 'Down'] as const;

/** The first problem with a load balancer backend pool body (`path` prefixes field names), or undefined. */
export function poolProblem(pool: Json, path: string): string | undefined {
  const props = pool.properties;
  if (props === undefined) return undefined;
  if (!isObject(props)) return `${path}.properties must be an object`;
  const addresses = props.loadBalancerBackendAddresses;
  if (addresses === undefined) return undefined;
  if (!Array.isArray(addresses)) return `${path}.properties.loadBalancerBackendAddresses must be an array`;
  const seen = new Set<string>();
  for (const [i, a] of addresses.entries()) {
    const at = `${path}.properties.loadBalancerBackendAddresses[${i}]`;
    if (!isObject(a)) return `${at} must be an object`;
    const name = nameOf(a);
    if (name === '') return `${at}.name is required`;
    if (seen.has(name.toLowerCase())) return `${at}.name "${name}" is used twice`;
    seen.add(name.toLowerCase());
    const state = propertiesOf(a).adminState;
    if (state !== undefined && !(ADMIN_STATES as readonly unknown[]).includes(state)) return `${at}.properties.adminState must be one of None, Up, Down (got ${JSON.stringify(state)})`;
  }
  return undefined;
}

/** The first problem with a load balancer body, or undefined. */
export function loadBalancerProblem(lb: Json): string | undefined {
  if (!isObject(lb.properties)) return 'properties must be an object';
  const pools = collection(lb.properties, 'backendAddressPools');
  const problem = uniqueNames(pools, 'properties.backendAddressPools');
  if (problem) return problem;
  for (const [i, pool] of pools.entries()) {
    const p = poolProblem(pool, `properties.backendAddressPools[${i}]`);
    if (p) return p;
  }
  const poolNames = new Set(pools.map((p) => nameOf(p).toLowerCase()));
  const rules = collection(lb.properties, 'loadBalancingRules');
  const ruleProblem = uniqueNames(rules, 'properties.loadBalancingRules');
  if (ruleProblem) return ruleProblem;
  for (const [i, rule] of rules.entries()) {
    const p = refProblem(propertiesOf(rule).backendAddressPool, poolNames, `properties.loadBalancingRules[${i}].properties.backendAddressPool`, 'backend pool');
    if (p) return p;
  }
  return undefined;
}

/** A deep copy through JSON, so callers never share state with the store. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
