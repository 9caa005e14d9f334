/**
 * The parts of ARM resource JSON the emulator reads: resource ids, application gateway pools,
 * backend settings and routing rules, load balancer pools and rules. Pure: no state, no I/O.
 * What a body must be to be accepted is in gateway-validation.ts and load-balancer-validation.ts.
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

/** A deep copy through JSON, so callers never share state with the store. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
