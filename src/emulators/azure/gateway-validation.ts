/**
 * The checks an application gateway PUT body passes before anything is stored, in the order
 * they are made and, where Microsoft.Network's answer is on record, with its code and message:
 *
 *  1. types (InvalidRequestFormat "Cannot parse the request.", one `details` entry per field:
 *     InvalidJson, MissingJsonReferenceId for a reference without an id);
 *  2. `location` (LocationRequired);
 *  3. at least one of each part a gateway cannot run without
 *     (ApplicationGatewayMustHaveAtleastOneResourceOfType), then `sku`;
 *  4. references inside the gateway that point at nothing (InvalidResourceReference);
 *  5. each part's own rules: a gateway IP configuration's subnet (SubnetIsRequired), a
 *     frontend IP's public IP or subnet, port ranges, the connection-draining range, what a
 *     listener and a request routing rule must reference (…MustReference), one rule per
 *     listener, priority on all rules or none.
 *
 * Wording marked "emulator's" below has no recorded ARM answer to copy.
 */
import { type BodyProblem, TypeChecks, rpProblem } from './body-problems.js';
import { type Json, isObject } from './model.js';
import { GATEWAY_REFERENCES, type SubResource, danglingReference, referencesOf, subResources } from './references.js';

/** Collections whose items are sub-resources with ids under the gateway's id. */
export const GATEWAY_COLLECTIONS = [
  'gatewayIPConfigurations', 'sslCertificates', 'trustedRootCertificates', 'trustedClientCertificates', 'authenticationCertificates',
  'frontendIPConfigurations', 'frontendPorts', 'probes', 'backendAddressPools', 'backendHttpSettingsCollection', 'backendSettingsCollection',
  'httpListeners', 'listeners', 'sslProfiles', 'urlPathMaps', 'requestRoutingRules', 'routingRules', 'rewriteRuleSets', 'redirectConfigurations',
  'privateLinkConfigurations', 'loadDistributionPolicies', 'entraJWTValidationConfigs',
] as const;

/**
 * What a gateway cannot be without, in the order checked: the collections (either one of a
 * pair: layer-4 gateways use listeners/routingRules/backendSettingsCollection) and the type
 * name ARM's message gives.
 */
const REQUIRED_PARTS: readonly { keys: readonly string[]; type: string }[] = [
  { keys: ['gatewayIPConfigurations'], type: 'GatewayIPConfiguration' },
  { keys: ['frontendIPConfigurations'], type: 'FrontendIPConfiguration' },
  { keys: ['frontendPorts'], type: 'FrontendPort' },
  { keys: ['backendAddressPools'], type: 'BackendAddressPool' },
  { keys: ['backendHttpSettingsCollection', 'backendSettingsCollection'], type: 'BackendHttpSettings' },
  { keys: ['httpListeners', 'listeners'], type: 'HttpListener' },
  { keys: ['requestRoutingRules', 'routingRules'], type: 'RequestRoutingRule' },
];

/** Options: seeds may leave `location` to the seed's default. */
export interface GatewayCheckOptions {
  readonly requireLocation: boolean;
}

function typeName(collection: string): string {
  const list = collection.replace(/Collection$/, '');
  const singular = list.endsWith('Settings') ? list : list.replace(/ies$/, 'y').replace(/s$/, '');
  return `ApplicationGateway${singular[0]!.toUpperCase()}${singular.slice(1)}`;
}

function checkAddresses(t: TypeChecks, pool: SubResource): void {
  const path = `${pool.path}.properties.backendAddresses`;
  const addresses = t.array(isObject(pool.item.properties) ? pool.item.properties.backendAddresses : undefined, path, 'ApplicationGatewayBackendAddress') ?? [];
  for (const [j, a] of addresses.entries()) {
    const at = `${path}[${j}]`;
    if (!isObject(a)) {
      t.fail(at, `must be an object such as {"ipAddress": "10.0.0.4"} or {"fqdn": "app.example.com"} (got ${JSON.stringify(a)})`, `Error converting value ${JSON.stringify(a)} to type 'Microsoft.WindowsAzure.Networking.Nrp.Frontend.Contract.Csm.Public.ApplicationGatewayBackendAddress'.`);
      continue;
    }
    t.string(a.ipAddress, `${at}.ipAddress`);
    t.string(a.fqdn, `${at}.fqdn`);
    // Emulator's wording: an address naming nothing has no recorded ARM answer.
    if (!(typeof a.ipAddress === 'string' && a.ipAddress !== '') && !(typeof a.fqdn === 'string' && a.fqdn !== '')) t.fail(at, 'must have a non-empty "ipAddress" or "fqdn"', 'A backend address needs an ipAddress or an fqdn.');
  }
}

/** Step 1: every field the emulator (or a client reading it back) relies on has its JSON type. */
function typeProblem(body: Json, items: readonly SubResource[]): BodyProblem | undefined {
  const t = new TypeChecks();
  t.string(body.location, 'location');
  const props = t.object(body.properties, 'properties', 'ApplicationGatewayPropertiesFormat') ?? {};
  const sku = t.object(props.sku, 'properties.sku', 'ApplicationGatewaySku');
  if (sku) {
    t.string(sku.name, 'properties.sku.name');
    t.string(sku.tier, 'properties.sku.tier');
    t.integer(sku.capacity, 'properties.sku.capacity');
  }
  for (const key of GATEWAY_COLLECTIONS) {
    const list = t.array(props[key], `properties.${key}`, typeName(key)) ?? [];
    list.forEach((item, i) => t.object(item, `properties.${key}[${i}]`, typeName(key)));
    t.names(list.filter(isObject), `properties.${key}`);
  }
  for (const item of items) {
    const p = t.object(item.item.properties, `${item.path}.properties`, `${typeName(item.collection)}PropertiesFormat`);
    if (!p) continue;
    for (const ref of referencesOf(item, GATEWAY_REFERENCES)) t.reference(ref.value, ref.path);
    const at = (key: string) => !item.nested && item.collection === key;
    if (at('backendAddressPools')) checkAddresses(t, item);
    if (at('frontendPorts') || at('backendHttpSettingsCollection')) t.integer(p.port, `${item.path}.properties.port`);
    if (at('requestRoutingRules')) t.integer(p.priority, `${item.path}.properties.priority`);
    const cd = at('backendHttpSettingsCollection') ? t.object(p.connectionDraining, `${item.path}.properties.connectionDraining`, 'ApplicationGatewayConnectionDraining') : undefined;
    if (cd) {
      t.boolean(cd.enabled, `${item.path}.properties.connectionDraining.enabled`);
      t.integer(cd.drainTimeoutInSec, `${item.path}.properties.connectionDraining.drainTimeoutInSec`);
    }
  }
  return t.problem();
}

/** Step 3: the parts no gateway runs without, then the SKU. */
function missingPartProblem(props: Json, gatewayId: string): BodyProblem | undefined {
  const count = (key: string) => (Array.isArray(props[key]) ? (props[key] as unknown[]).length : 0);
  for (const part of REQUIRED_PARTS) {
    if (part.keys.some((k) => count(k) > 0)) continue;
    return rpProblem(
      `properties.${part.keys[0]}`,
      `must list at least one ${part.type}`,
      'ApplicationGatewayMustHaveAtleastOneResourceOfType',
      `At least one ${part.type} resource must be specified for the Application Gateway ${gatewayId}.`,
    );
  }
  if (!isObject(props.sku)) {
    // Emulator's wording: a gateway without a SKU has no recorded ARM answer.
    return { path: 'properties.sku', problem: 'is required', code: 'InvalidRequestFormat', message: 'Cannot parse the request.', details: [{ code: 'InvalidJson', message: "Required property 'sku' not found in JSON. Path 'properties'." }] };
  }
  return undefined;
}

function inCollection(items: readonly SubResource[], key: string): SubResource[] {
  return items.filter((s) => !s.nested && s.collection === key);
}

function propsOf(item: SubResource): Json {
  return isObject(item.item.properties) ? item.item.properties : {};
}

const present = (ref: unknown): boolean => isObject(ref) && typeof ref.id === 'string';

function portProblem(item: SubResource, what: string, code: string, max: number): BodyProblem | undefined {
  const port = propsOf(item).port;
  if (typeof port === 'number' && port >= 1 && port <= max) return undefined;
  return rpProblem(`${item.path}.properties.port`, `must be from 1 to ${max} (got ${JSON.stringify(port ?? 0)})`, code, `Port specified for ${what} ${item.id} is not valid. Supported range is [1, ${max}].`);
}

/** Step 5a: what each gateway IP, frontend IP, port and backend setting needs. */
function partProblem(items: readonly SubResource[]): BodyProblem | undefined {
  for (const ipc of inCollection(items, 'gatewayIPConfigurations')) {
    if (!present(propsOf(ipc).subnet)) return rpProblem(`${ipc.path}.properties.subnet`, 'is required', 'SubnetIsRequired', `Subnet reference is required for ipconfiguration ${ipc.id}.`);
  }
  for (const fip of inCollection(items, 'frontendIPConfigurations')) {
    const p = propsOf(fip);
    if (!present(p.publicIPAddress) && !present(p.subnet)) {
      return rpProblem(`${fip.path}.properties`, 'must have a publicIPAddress or a subnet', 'ApplicationGatewayFrontendIpBothPublicIpAddressAndSubnetCannotBeNull', `FrontendIpConfiguration ${fip.id} cannot have both subnet and publicIp as null. Either publicIp or subnet should be specified.`);
    }
  }
  for (const port of inCollection(items, 'frontendPorts')) {
    const p = portProblem(port, 'FrontendPort', 'ApplicationGatewayFrontendPortInvalidPortNumber', 65502);
    if (p) return p;
  }
  for (const s of inCollection(items, 'backendHttpSettingsCollection')) {
    const p = portProblem(s, 'BackendHttpSettings', 'ApplicationGatewayBackendHttpSettingsPortIsInvalid', 65535);
    if (p) return p;
    const cd = propsOf(s).connectionDraining;
    if (!isObject(cd)) continue;
    const t = cd.drainTimeoutInSec;
    if (typeof t === 'number' && t >= 1 && t <= 3600) continue;
    return rpProblem(
      `${s.path}.properties.connectionDraining.drainTimeoutInSec`,
      `must be an integer from 1 to 3600 (got ${JSON.stringify(t)})`,
      'ApplicationGatewayConnectionDrainingTimeoutInvalid',
      `Backend Http Settings ${s.id} connection draining timeout is invalid. The current value is ${JSON.stringify(t ?? 0)}. Supported range is [1, 3600].`,
    );
  }
  return undefined;
}

function mustReference(item: SubResource, kind: 'Http Listener' | 'Request Routing Rule', code: string, field: string, type: string): BodyProblem {
  return rpProblem(`${item.path}.properties.${field}`, `is required (a ${kind.toLowerCase()} must reference a ${type})`, code, `${kind} ${item.id} must reference a ${type}.`);
}

/** What a basic rule sends traffic to: a pool and settings, or a redirect; a path-based rule needs its path map. */
function ruleTargetProblem(rule: SubResource): BodyProblem | undefined {
  const p = propsOf(rule);
  const code = 'ApplicationGatewayRequestRoutingRuleMustReference';
  if (p.ruleType === 'PathBasedRouting') return present(p.urlPathMap) ? undefined : mustReference(rule, 'Request Routing Rule', code, 'urlPathMap', 'UrlPathMap');
  if (present(p.redirectConfiguration)) return undefined;
  if (!present(p.backendAddressPool)) return mustReference(rule, 'Request Routing Rule', code, 'backendAddressPool', 'BackendAddressPool');
  if (!present(p.backendHttpSettings)) return mustReference(rule, 'Request Routing Rule', code, 'backendHttpSettings', 'BackendHttpSettings');
  return undefined;
}

/** Step 5b: listeners and request routing rules. */
function routingProblem(items: readonly SubResource[], gatewayId: string): BodyProblem | undefined {
  const listenerCode = 'ApplicationGatewayHttpListenerMustReference';
  for (const l of inCollection(items, 'httpListeners')) {
    const p = propsOf(l);
    if (!present(p.frontendIPConfiguration)) return mustReference(l, 'Http Listener', listenerCode, 'frontendIPConfiguration', 'FrontendIpConfiguration');
    if (!present(p.frontendPort)) return mustReference(l, 'Http Listener', listenerCode, 'frontendPort', 'FrontendPort');
  }
  const rules = inCollection(items, 'requestRoutingRules');
  const listeners = new Map<string, SubResource>();
  for (const rule of rules) {
    const listener = propsOf(rule).httpListener;
    if (!present(listener)) return mustReference(rule, 'Request Routing Rule', 'ApplicationGatewayRequestRoutingRuleMustReference', 'httpListener', 'HttpListener');
    const problem = ruleTargetProblem(rule);
    if (problem) return problem;
    const key = String((listener as Json).id).toLowerCase();
    if (listeners.has(key)) {
      return rpProblem(
        `${rule.path}.properties.httpListener`,
        `uses the listener of ${listeners.get(key)!.path} (one rule per listener)`,
        'ApplicationGatewayRequestRoutingRulesUsingSameHttpListener',
        `Two Request Routing Rules of Application Gateway ${gatewayId} are using the same Http Listener ${String((listener as Json).id)}.`,
      );
    }
    listeners.set(key, rule);
  }
  const withPriority = rules.filter((r) => propsOf(r).priority !== undefined && propsOf(r).priority !== null);
  if (withPriority.length > 0 && withPriority.length < rules.length) {
    const without = rules.find((r) => !withPriority.includes(r))!;
    return rpProblem(`${without.path}.properties.priority`, 'is required when other rules have a priority (all rules or none)', 'ApplicationGatewayRequestRoutingRulePartialPriorityDefined', 'Either all or no rule should have the priority specified.');
  }
  return undefined;
}

/**
 * The first problem with an application gateway body (`gatewayId` is the id the request
 * addresses), or undefined when ARM would accept it.
 */
export function gatewayBodyProblem(body: Json, gatewayId: string, options: GatewayCheckOptions): BodyProblem | undefined {
  const props = isObject(body.properties) ? body.properties : {};
  const items = subResources(props, GATEWAY_COLLECTIONS, gatewayId);
  const typed = typeProblem(body, items);
  if (typed) return typed;
  if (options.requireLocation && (typeof body.location !== 'string' || body.location === '')) {
    return rpProblem('location', 'is required', 'LocationRequired', 'The location property is required for this definition.');
  }
  return (
    missingPartProblem(props, gatewayId) ??
    danglingReference(items.flatMap((i) => referencesOf(i, GATEWAY_REFERENCES)), gatewayId, items) ??
    partProblem(items) ??
    routingProblem(items, gatewayId)
  );
}
