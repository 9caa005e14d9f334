/**
 * Load balancers: GET of the whole load balancer, GET and PUT of one backend pool (the
 * load balancer's etag, If-Match, one operation at a time), and per-rule health
 * (`POST …/loadBalancingRules/{rule}/health`) in the shape of "Manage Azure Load Balancer
 * health status" (states Up/Down, reasons such as Up_Admin, Down_Admin, Up_Probe_Success).
 */
import { ArmError, childNotFound, invalidRequest, resourceNotFound } from './errors.js';
import type { AcceptedWrite, EtagSource } from './gateways.js';
import { LOAD_BALANCER_TYPE, POOL_TYPE, type Json, type ResourceName, clone, collection, isObject, nameOf, poolProblem, propertiesOf, refName, resourceId, resourceKey } from './model.js';
import type { Operation, OperationBook } from './operations.js';
import type { ProbeHealth } from './seed.js';

interface LoadBalancerEntry {
  readonly name: ResourceName;
  resource: Json;
  etag: string;
  readonly health: Map<string, ProbeHealth>;
  busy?: Operation;
}

export class LoadBalancerStore {
  private readonly loadBalancers = new Map<string, LoadBalancerEntry>();

  constructor(
    private readonly operations: OperationBook,
    private readonly etags: EtagSource,
    private readonly settings: { operationDelayMs: number; location: string },
  ) {}

  seed(name: ResourceName, resource: Json, health: Readonly<Record<string, ProbeHealth>> = {}): void {
    const stored = clone(resource);
    const id = resourceId('loadBalancers', name);
    Object.assign(stored, { id, name: name.name, type: LOAD_BALANCER_TYPE, location: stored.location ?? this.settings.location });
    delete stored.etag;
    propertiesOf(stored).provisioningState ??= 'Succeeded';
    for (const pool of collection(propertiesOf(stored), 'backendAddressPools')) normalisePool(stored, pool);
    this.loadBalancers.set(resourceKey(name), { name, resource: stored, etag: this.etags.next(), health: new Map(Object.entries(health).map(([k, v]) => [k.toLowerCase(), v])) });
  }

  /** GET the load balancer: its pools and rules carry the load balancer's etag, as Microsoft.Network shows them. */
  get(name: ResourceName): Json {
    const entry = this.entry(name);
    const copy = clone(entry.resource);
    for (const key of ['backendAddressPools', 'loadBalancingRules', 'probes', 'frontendIPConfigurations'] as const) {
      for (const item of collection(propertiesOf(copy), key)) item.etag = entry.etag;
    }
    return { ...copy, etag: entry.etag };
  }

  getPool(name: ResourceName, pool: string): Json {
    const entry = this.entry(name);
    const found = findPool(entry.resource, pool);
    if (!found) throw childNotFound(`${resourceId('loadBalancers', name)}/backendAddressPools/${pool}`);
    return { ...clone(found), etag: entry.etag, type: POOL_TYPE };
  }

  /** PUT one pool: replaces its addresses (and other writable properties); rules stay as they are. */
  putPool(name: ResourceName, pool: string, body: unknown, ifMatch: string | undefined, now: number): AcceptedWrite {
    const entry = this.entry(name);
    if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== entry.etag) {
      throw new ArmError(412, 'PreconditionFailed', 'The condition specified using HTTP conditional header(s) is not met.');
    }
    if (entry.busy && !entry.busy.finished) {
      const op = entry.busy;
      throw new ArmError(409, 'AnotherOperationInProgress', `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: /subscriptions/${op.subscription}/providers/Microsoft.Network/locations/${op.location}/operations/${op.id}. Details: Operation Id: ${op.id}`);
    }
    if (!isObject(body)) throw invalidRequest('The request content must be a JSON object.');
    const problem = poolProblem(body, 'backendAddressPool');
    if (problem) throw invalidRequest(`Backend address pool ${pool} is invalid: ${problem}.`);

    const previous = clone(entry.resource);
    const pools = collection(propertiesOf(entry.resource), 'backendAddressPools');
    const existing = findPool(entry.resource, pool);
    const { etag: _etag, type: _type, id: _id, name: _name, ...rest } = body;
    const stored: Json = { ...rest, name: existing ? nameOf(existing) : pool, properties: { ...propertiesOf(body), provisioningState: 'Updating' } };
    normalisePool(entry.resource, stored);
    const props = propertiesOf(entry.resource);
    props.backendAddressPools = existing ? pools.map((p) => (p === existing ? stored : p)) : [...pools, stored];
    entry.etag = this.etags.next();
    entry.busy = this.operations.start({
      subscription: name.subscription,
      location: String(entry.resource.location ?? this.settings.location),
      now,
      durationMs: this.settings.operationDelayMs,
      mayFail: true,
      finish: (succeeded) => {
        if (succeeded) {
          propertiesOf(stored).provisioningState = 'Succeeded';
          return;
        }
        entry.resource = previous;
        const back = findPool(entry.resource, pool);
        if (back) propertiesOf(back).provisioningState = 'Failed';
        entry.etag = this.etags.next();
      },
    });
    return { created: existing === undefined, body: { ...clone(stored), etag: entry.etag, type: POOL_TYPE }, operation: entry.busy };
  }

  /** POST rule health: starts the operation whose result reports each address of the rule's pool. */
  ruleHealth(name: ResourceName, rule: string, now: number): Operation {
    const entry = this.entry(name);
    const found = collection(propertiesOf(entry.resource), 'loadBalancingRules').find((r) => nameOf(r).toLowerCase() === rule.toLowerCase());
    if (!found) throw childNotFound(`${resourceId('loadBalancers', name)}/loadBalancingRules/${rule}`);
    return this.operations.start({
      subscription: name.subscription,
      location: String(entry.resource.location ?? this.settings.location),
      now,
      durationMs: this.settings.operationDelayMs,
      mayFail: false,
      result: () => ruleHealthReport(entry, refName(propertiesOf(found).backendAddressPool) ?? ''),
    });
  }

  /** For tests: someone else changes the load balancer (a new etag, no operation). */
  modify(name: ResourceName, change: (resource: Json) => void): void {
    const entry = this.entry(name);
    change(entry.resource);
    entry.etag = this.etags.next();
  }

  occupy(name: ResourceName, now: number, ms: number): void {
    const entry = this.entry(name);
    entry.busy = this.operations.start({ subscription: name.subscription, location: String(entry.resource.location ?? this.settings.location), now, durationMs: ms, mayFail: false });
  }

  setProbeHealth(name: ResourceName, addressName: string, health: ProbeHealth): void {
    this.entry(name).health.set(addressName.toLowerCase(), health);
  }

  private entry(name: ResourceName): LoadBalancerEntry {
    const entry = this.loadBalancers.get(resourceKey(name));
    if (!entry) throw resourceNotFound(LOAD_BALANCER_TYPE, name.name, name.resourceGroup);
    return entry;
  }
}

function findPool(lb: Json, pool: string): Json | undefined {
  return collection(propertiesOf(lb), 'backendAddressPools').find((p) => nameOf(p).toLowerCase() === pool.toLowerCase());
}

/** Server-owned pool fields: id, and the (read-only) rules that use the pool. */
function normalisePool(lb: Json, pool: Json): void {
  const id = `${String(lb.id)}/backendAddressPools/${nameOf(pool)}`;
  pool.id = id;
  delete pool.etag;
  const props = propertiesOf(pool);
  if (!isObject(pool.properties)) pool.properties = props;
  props.provisioningState ??= 'Succeeded';
  const rules = collection(propertiesOf(lb), 'loadBalancingRules').filter((r) => refName(propertiesOf(r).backendAddressPool) === nameOf(pool).toLowerCase());
  if (rules.length > 0) props.loadBalancingRules = rules.map((r) => ({ id: String(r.id ?? `${String(lb.id)}/loadBalancingRules/${nameOf(r)}`) }));
}

function ruleHealthReport(entry: LoadBalancerEntry, pool: string): Json {
  const found = findPool(entry.resource, pool);
  const addresses = collection(propertiesOf(found), 'loadBalancerBackendAddresses').map((a) => {
    const props = propertiesOf(a);
    const admin = props.adminState;
    const probe = entry.health.get(nameOf(a).toLowerCase()) ?? 'Up';
    const [state, reason] = admin === 'Down' ? ['Down', 'Down_Admin'] : admin === 'Up' ? ['Up', 'Up_Admin'] : probe === 'Up' ? ['Up', 'Up_Probe_Success'] : ['Down', 'Down_Probe_TcpProbeTimeout'];
    return { ...(typeof props.ipAddress === 'string' && { ipAddress: props.ipAddress }), state, reason };
  });
  return { up: addresses.filter((a) => a.state === 'Up').length, down: addresses.filter((a) => a.state === 'Down').length, loadBalancerBackendAddresses: addresses };
}
