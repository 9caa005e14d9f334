/**
 * Sub-resources of a gateway or load balancer and the references between them: where each
 * named item sits in the body, its id under the resource, the references a client writes in
 * its properties, and which of those point at nothing (ARM's InvalidResourceReference).
 * Read-only back-references (a pool's `loadBalancingRules`, say) are not followed: ARM
 * ignores them in a PUT, so the emulator does too.
 */
import { type BodyProblem, rpProblem } from './body-problems.js';
import { type Json, isObject } from './model.js';

/** Which properties of a sub-resource hold references a client writes: one `{ id }`, or a list of them. */
export interface ReferenceKeys {
  readonly single: ReadonlySet<string>;
  readonly lists: ReadonlySet<string>;
}

/** An application gateway's (a rule's `httpListener`, a listener's `frontendPort`…). */
export const GATEWAY_REFERENCES: ReferenceKeys = {
  single: new Set([
    'subnet', 'publicIPAddress', 'privateLinkConfiguration', 'frontendIPConfiguration', 'frontendPort', 'sslCertificate', 'sslProfile', 'firewallPolicy',
    'httpListener', 'listener', 'targetListener', 'backendAddressPool', 'backendHttpSettings', 'backendSettings', 'urlPathMap', 'redirectConfiguration',
    'rewriteRuleSet', 'loadDistributionPolicy', 'probe', 'defaultBackendAddressPool', 'defaultBackendHttpSettings', 'defaultRewriteRuleSet',
    'defaultRedirectConfiguration', 'defaultLoadDistributionPolicy', 'entraJWTValidationConfig',
  ]),
  lists: new Set(['trustedClientCertificates', 'trustedRootCertificates', 'authenticationCertificates']),
};

/** A load balancer's (a rule's `backendAddressPool`, an address's `virtualNetwork`…); its `frontendPort` is a number. */
export const LOAD_BALANCER_REFERENCES: ReferenceKeys = {
  single: new Set(['frontendIPConfiguration', 'backendAddressPool', 'probe', 'subnet', 'publicIPAddress', 'publicIPPrefix', 'virtualNetwork', 'loadBalancerFrontendIPConfiguration', 'gatewayLoadBalancer']),
  lists: new Set(['backendAddressPools']),
};

/** A named sub-resource: the item, its path in the body, and its id under the resource. */
export interface SubResource {
  readonly item: Json;
  readonly path: string;
  readonly id: string;
  /** The collection it is in (`pathRules` for a path rule), and whether that collection is inside another item. */
  readonly collection: string;
  readonly nested: boolean;
}

/** A reference found in a sub-resource's properties. */
export interface Reference {
  readonly value: unknown;
  readonly path: string;
  /** The sub-resource holding it (ARM names it in InvalidResourceReference). */
  readonly owner: SubResource;
}

function named(value: unknown): value is Json & { name: string } {
  return isObject(value) && typeof value.name === 'string' && value.name !== '';
}

/** Nested collections of named items (a URL path map's pathRules, a private link's ipConfigurations). */
function nestedItems(parent: SubResource): SubResource[] {
  const props = parent.item.properties;
  if (!isObject(props)) return [];
  const found: SubResource[] = [];
  for (const [key, value] of Object.entries(props)) {
    if (!Array.isArray(value) || !value.every(named)) continue;
    for (const [i, item] of value.entries()) found.push({ item, path: `${parent.path}.properties.${key}[${i}]`, id: `${parent.id}/${key}/${item.name}`, collection: key, nested: true });
  }
  return found;
}

/** Every named item of `collections` in `props` (at `path`), and the named items nested in them. */
export function subResources(props: Json, collections: readonly string[], resourceId: string, path = 'properties'): SubResource[] {
  const found: SubResource[] = [];
  for (const key of collections) {
    const value = props[key];
    if (!Array.isArray(value)) continue;
    for (const [i, item] of value.entries()) {
      if (!named(item)) continue;
      const sub: SubResource = { item, path: `${path}.${key}[${i}]`, id: `${resourceId}/${key}/${item.name}`, collection: key, nested: false };
      found.push(sub, ...nestedItems(sub));
    }
  }
  return found;
}

/** The references a client writes in a sub-resource's own properties. */
export function referencesOf(owner: SubResource, keys: ReferenceKeys): Reference[] {
  const props = owner.item.properties;
  if (!isObject(props)) return [];
  const found: Reference[] = [];
  for (const [key, value] of Object.entries(props)) {
    const path = `${owner.path}.properties.${key}`;
    if (keys.single.has(key)) found.push({ value, path, owner });
    else if (keys.lists.has(key) && Array.isArray(value)) value.forEach((v, i) => found.push({ value: v, path: `${path}[${i}]`, owner }));
  }
  return found;
}

const NETWORK_CHILD = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/(applicationGateways|loadBalancers)\/[^/]+)\/(.+)$/i;

/**
 * The first reference that points inside a resource of `resourceId`'s type but at nothing
 * `defined` there (ids of `defined` are compared case-insensitively), as ARM reports it.
 * References to other kinds of resource (subnets, public IPs) are not checked.
 */
export function danglingReference(references: readonly Reference[], resourceId: string, defined: readonly SubResource[]): BodyProblem | undefined {
  const type = NETWORK_CHILD.exec(`${resourceId}/x`)?.[2]?.toLowerCase();
  const ids = new Set(defined.map((d) => d.id.toLowerCase()));
  for (const ref of references) {
    if (!isObject(ref.value) || typeof ref.value.id !== 'string') continue;
    const m = NETWORK_CHILD.exec(ref.value.id);
    if (!m || m[2]!.toLowerCase() !== type) continue;
    const target = `${resourceId}/${m[3]}`.toLowerCase();
    if (m[1]!.toLowerCase() === resourceId.toLowerCase() && ids.has(target)) continue;
    return rpProblem(
      `${ref.path}.id`,
      `refers to ${ref.value.id}, which is not there`,
      'InvalidResourceReference',
      `Resource ${ref.value.id} referenced by resource ${ref.owner.id} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`,
    );
  }
  return undefined;
}
