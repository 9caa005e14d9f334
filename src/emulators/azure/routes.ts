/** Maps an ARM request path to the operation it names. */
import type { ResourceName } from './model.js';

/** A recognised request. */
export type Route =
  | { readonly kind: 'gateway'; readonly name: ResourceName }
  | { readonly kind: 'backendHealth'; readonly name: ResourceName }
  | { readonly kind: 'loadBalancer'; readonly name: ResourceName }
  | { readonly kind: 'pool'; readonly name: ResourceName; readonly pool: string }
  | { readonly kind: 'ruleHealth'; readonly name: ResourceName; readonly rule: string }
  | { readonly kind: 'operation'; readonly subscription: string; readonly location: string; readonly id: string }
  | { readonly kind: 'operationResult'; readonly subscription: string; readonly location: string; readonly id: string };

const NETWORK = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/(applicationGateways|loadBalancers)\/([^/]+)(?:\/(backendhealth|backendAddressPools|loadBalancingRules)(?:\/([^/]+)(\/health)?)?)?$/i;
const OPERATION = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Network\/locations\/([^/]+)\/(operations|operationResults)\/([^/]+)$/i;

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The route for a path, or undefined when the emulator does not serve it. */
export function routeOf(path: string): Route | undefined {
  const op = OPERATION.exec(path);
  if (op) {
    const [, subscription, location, kind, id] = op.map((s) => decode(s ?? ''));
    return { kind: kind!.toLowerCase() === 'operations' ? 'operation' : 'operationResult', subscription: subscription!, location: location!, id: id! };
  }
  const m = NETWORK.exec(path);
  if (!m) return undefined;
  const [, subscription, resourceGroup, type, resource, child, childName, health] = m.map((s) => (s === undefined ? undefined : decode(s)));
  const name: ResourceName = { subscription: subscription!, resourceGroup: resourceGroup!, name: resource! };
  const isGateway = type!.toLowerCase() === 'applicationgateways';
  const childKind = child?.toLowerCase();
  if (isGateway) {
    if (childKind === undefined) return { kind: 'gateway', name };
    if (childKind === 'backendhealth' && childName === undefined) return { kind: 'backendHealth', name };
    return undefined;
  }
  if (childKind === undefined) return { kind: 'loadBalancer', name };
  if (childKind === 'backendaddresspools' && childName !== undefined && health === undefined) return { kind: 'pool', name, pool: childName };
  if (childKind === 'loadbalancingrules' && childName !== undefined && health !== undefined) return { kind: 'ruleHealth', name, rule: childName };
  return undefined;
}

/** The SDK operation a method and route stand for, as the request log names it. */
export function actionOf(method: string, route: Route | undefined): string {
  if (!route) return 'unknown';
  const table: Record<Route['kind'], Record<string, string>> = {
    gateway: { GET: 'applicationGateways.get', PUT: 'applicationGateways.createOrUpdate' },
    backendHealth: { POST: 'applicationGateways.backendHealth' },
    loadBalancer: { GET: 'loadBalancers.get' },
    pool: { GET: 'loadBalancerBackendAddressPools.get', PUT: 'loadBalancerBackendAddressPools.createOrUpdate' },
    ruleHealth: { POST: 'loadBalancerLoadBalancingRules.health' },
    operation: { GET: 'operations.get' },
    operationResult: { GET: 'operationResults.get' },
  };
  return table[route.kind][method] ?? 'unknown';
}

/** The subscription a route is scoped to, for throttling. */
export function subscriptionOf(route: Route): string {
  return 'name' in route ? route.name.subscription : route.subscription;
}
