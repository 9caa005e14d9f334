/**
 * The checks a load balancer backend pool PUT body passes before anything is stored (and,
 * for seeds, a whole load balancer): types (InvalidRequestFormat with an InvalidJson or
 * MissingJsonReferenceId detail per field), named addresses with unique names, `adminState`
 * None/Up/Down, and references into the load balancer that point at nothing
 * (InvalidResourceReference). What a pool's addresses must otherwise carry (a virtual network
 * or subnet with the IP) is not checked.
 */
import { type BodyProblem, TypeChecks } from './body-problems.js';
import { type Json, isObject } from './model.js';
import { LOAD_BALANCER_REFERENCES, danglingReference, referencesOf, subResources, type SubResource } from './references.js';

const refs = (item: SubResource) => referencesOf(item, LOAD_BALANCER_REFERENCES);

export const ADMIN_STATES = ['None', 'Up', 'Down'] as const;

/** A load balancer's collections of sub-resources. */
const LOAD_BALANCER_COLLECTIONS = ['frontendIPConfigurations', 'backendAddressPools', 'loadBalancingRules', 'probes', 'inboundNatRules', 'inboundNatPools', 'outboundRules'] as const;

/** `properties` of a pool (at `path`, '' for a PUT body), typed; its addresses as sub-resources of `poolId`. */
function checkPool(t: TypeChecks, pool: Json, path: string, poolId: string): SubResource[] {
  const at = path === '' ? 'properties' : `${path}.properties`;
  const props = t.object(pool.properties, at, 'BackendAddressPoolPropertiesFormat');
  if (!props) return [];
  const list = t.array(props.loadBalancerBackendAddresses, `${at}.loadBalancerBackendAddresses`, 'LoadBalancerBackendAddress') ?? [];
  list.forEach((a, i) => t.object(a, `${at}.loadBalancerBackendAddresses[${i}]`, 'LoadBalancerBackendAddress'));
  t.names(list.filter(isObject), `${at}.loadBalancerBackendAddresses`);
  const addresses = subResources(props, ['loadBalancerBackendAddresses'], poolId, at);
  for (const address of addresses) {
    const p = t.object(address.item.properties, `${address.path}.properties`, 'LoadBalancerBackendAddressPropertiesFormat');
    if (!p) continue;
    t.string(p.ipAddress, `${address.path}.properties.ipAddress`);
    t.oneOf(p.adminState, `${address.path}.properties.adminState`, ADMIN_STATES, 'LoadBalancerBackendAddressAdminState');
    for (const ref of refs(address)) t.reference(ref.value, ref.path);
  }
  return addresses;
}

/**
 * The first problem with a backend pool body for pool `poolId` of `loadBalancer` (as stored),
 * or undefined when it can be written.
 */
export function poolBodyProblem(pool: Json, poolId: string, loadBalancer: Json): BodyProblem | undefined {
  const t = new TypeChecks();
  const addresses = checkPool(t, pool, '', poolId);
  const lbId = String(loadBalancer.id);
  const defined = subResources(isObject(loadBalancer.properties) ? loadBalancer.properties : {}, LOAD_BALANCER_COLLECTIONS, lbId);
  return t.problem() ?? danglingReference(addresses.flatMap(refs), lbId, defined);
}

/** The first problem with a seeded load balancer (its pools, and what its rules refer to), or undefined. */
export function loadBalancerProblem(lb: Json): BodyProblem | undefined {
  const t = new TypeChecks();
  const lbId = String(lb.id);
  const props = t.object(lb.properties, 'properties', 'LoadBalancerPropertiesFormat') ?? {};
  for (const key of LOAD_BALANCER_COLLECTIONS) {
    const list = t.array(props[key], `properties.${key}`, 'SubResource') ?? [];
    t.names(list.filter(isObject), `properties.${key}`);
  }
  const items = subResources(props, LOAD_BALANCER_COLLECTIONS, lbId);
  // checkPool types the pools' addresses and their references; the rest are typed here.
  for (const pool of items.filter((s) => s.collection === 'backendAddressPools' && !s.nested)) checkPool(t, pool.item, pool.path, pool.id);
  for (const ref of items.filter((s) => !s.nested).flatMap(refs)) t.reference(ref.value, ref.path);
  return t.problem() ?? danglingReference(items.flatMap(refs), lbId, items);
}
