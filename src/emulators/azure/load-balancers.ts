/**
 * Load balancers: GET of the whole load balancer, GET and PUT of one backend pool (the
 * load balancer's etag, If-Match, one operation at a time), and per-rule health
 * (`POST …/loadBalancingRules/{rule}/health`) in the shape of "Manage Azure Load Balancer
 * health status" (states Up/Down, reasons such as Up_Admin, Down_Admin, Up_Probe_Success).
 */
import { problemError } from './body-problems.js';
import { childNotFound, requireObjectBody } from './errors.js';
import type { AcceptedWrite } from './gateways.js';
import { poolBodyProblem } from './load-balancer-validation.js';
import { LOAD_BALANCER_TYPE, POOL_TYPE, type Json, type ResourceName, clone, collection, isObject, nameOf, propertiesOf, refName, resourceId, resourceKey } from './model.js';
import type { Operation, OperationBook } from './operations.js';
import type { ProbeHealth } from './seed.js';
import { type EtagSource, ResourceStore, type StoreSettings, type StoredEntry, checkWritable, healthByKey } from './store.js';

type LoadBalancerEntry = StoredEntry<ProbeHealth>;

export class LoadBalancerStore extends ResourceStore<ProbeHealth, LoadBalancerEntry> {
  constructor(operations: OperationBook, etags: EtagSource, settings: StoreSettings) {
    super(operations, etags, settings, LOAD_BALANCER_TYPE);
  }

  seed(name: ResourceName, resource: Json, health: Readonly<Record<string, ProbeHealth>> = {}): void {
    const stored = clone(resource);
    const id = resourceId('loadBalancers', name);
    Object.assign(stored, { id, name: name.name, type: LOAD_BALANCER_TYPE, location: stored.location ?? this.settings.location });
    delete stored.etag;
    propertiesOf(stored).provisioningState ??= 'Succeeded';
    for (const pool of collection(propertiesOf(stored), 'backendAddressPools')) normalisePool(stored, pool);
    this.entries.set(resourceKey(name), { name, resource: stored, etag: this.etags.next(), health: healthByKey(health) });
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

  /**
   * PUT one pool: replaces its addresses (and other writable properties); rules stay as they
   * are. The body is validated first: a 400 changes nothing.
   */
  putPool(name: ResourceName, pool: string, request: unknown, ifMatch: string | undefined, now: number): AcceptedWrite {
    const entry = this.entry(name);
    checkWritable(entry, ifMatch);
    const body = requireObjectBody(request);
    const existing = findPool(entry.resource, pool);
    const problem = poolBodyProblem(body, `${resourceId('loadBalancers', name)}/backendAddressPools/${existing ? nameOf(existing) : pool}`, entry.resource);
    if (problem) throw problemError(problem);

    const previous = clone(entry.resource);
    const pools = collection(propertiesOf(entry.resource), 'backendAddressPools');
    const { etag: _etag, type: _type, id: _id, name: _name, ...rest } = body;
    const stored: Json = { ...rest, name: existing ? nameOf(existing) : pool, properties: { ...propertiesOf(body), provisioningState: 'Updating' } };
    normalisePool(entry.resource, stored);
    const props = propertiesOf(entry.resource);
    props.backendAddressPools = existing ? pools.map((p) => (p === existing ? stored : p)) : [...pools, stored];
    entry.etag = this.etags.next();
    entry.busy = this.startOperation(name, entry.resource, now, {
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
    return this.startOperation(name, entry.resource, now, { mayFail: false, result: () => ruleHealthReport(entry, refName(propertiesOf(found).backendAddressPool) ?? '') });
  }

  /** For tests: someone else changes the load balancer (a new etag, no operation). */
  modify(name: ResourceName, change: (resource: Json) => void): void {
    const entry = this.entry(name);
    change(entry.resource);
    entry.etag = this.etags.next();
  }

  setProbeHealth(name: ResourceName, addressName: string, health: ProbeHealth): void {
    this.entry(name).health.set(addressName.toLowerCase(), health);
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
