/**
 * Application gateways: whole-gateway GET and PUT (etags, If-Match, one operation at a time,
 * validation), backend health, and the record of removed addresses behind `Draining`.
 *
 * `Draining` is this emulator's reading of the documentation, not confirmed behaviour: an
 * address removed from a pool is reported `Draining` by backend health from the PUT until the
 * operation has finished plus the longest enabled connection-draining timeout of the backend
 * settings its pool is routed through, then it is gone from the report. With draining disabled
 * it disappears when the operation finishes.
 */
import { randomUUID } from 'node:crypto';
import { problemError, problemText } from './body-problems.js';
import { requireObjectBody } from './errors.js';
import { GATEWAY_COLLECTIONS, gatewayBodyProblem } from './gateway-validation.js';
import {
  GATEWAY_TYPE,
  type Json,
  type ResourceName,
  backendAddressKey,
  clone,
  collection,
  drainSecondsForPool,
  isObject,
  nameOf,
  poolAddresses,
  propertiesOf,
  resourceId,
  resourceKey,
  settingsForPool,
} from './model.js';
import type { Operation, OperationBook } from './operations.js';
import type { GatewayServerHealth } from './seed.js';
import { type EtagSource, ResourceStore, type StoreSettings, type StoredEntry, checkWritable, healthByKey } from './store.js';

/** An address taken out of a pool, still reported Draining until `until`. */
interface Removal {
  readonly pool: string;
  readonly address: string;
  readonly until: number;
}

interface GatewayEntry extends StoredEntry<GatewayServerHealth> {
  removed: Map<string, Removal>;
}

/** What a write answers before its operation finishes. */
export interface AcceptedWrite {
  readonly created: boolean;
  readonly body: Json;
  readonly operation: Operation;
}

export class GatewayStore extends ResourceStore<GatewayServerHealth, GatewayEntry> {
  constructor(operations: OperationBook, etags: EtagSource, settings: StoreSettings) {
    super(operations, etags, settings, GATEWAY_TYPE);
  }

  /** Adds a seeded gateway. */
  seed(name: ResourceName, resource: Json, health: Readonly<Record<string, GatewayServerHealth>> = {}): void {
    const stored = this.stored(name, clone(resource), undefined);
    propertiesOf(stored).provisioningState ??= 'Succeeded';
    this.entries.set(resourceKey(name), { name, resource: stored, etag: this.etags.next(), health: healthByKey(health), removed: new Map() });
  }

  /** GET: the gateway with its current etag. */
  get(name: ResourceName): Json {
    const entry = this.entry(name);
    return { ...clone(entry.resource), etag: entry.etag };
  }

  /**
   * PUT: checks If-Match and running operations, validates the body as ARM does (a 400 changes
   * nothing), stores the gateway and starts its operation.
   */
  put(name: ResourceName, body: unknown, ifMatch: string | undefined, now: number): AcceptedWrite {
    const existing = this.entries.get(resourceKey(name));
    checkWritable(existing, ifMatch);
    const gateway = requireObjectBody(body);
    const problem = gatewayBodyProblem(gateway, resourceId('applicationGateways', name), { requireLocation: true });
    if (problem) throw problemError(problem);

    const previous = existing ? { resource: existing.resource, removed: existing.removed } : undefined;
    const stored = this.stored(name, clone(gateway), existing?.resource);
    propertiesOf(stored).provisioningState = 'Updating';
    const entry: GatewayEntry = existing ?? { name, resource: stored, etag: '', health: new Map(), removed: new Map() };
    const operation = this.startOperation(name, stored, now, {
      mayFail: true,
      finish: (succeeded) => {
        if (succeeded) {
          propertiesOf(entry.resource).provisioningState = 'Succeeded';
          return;
        }
        // A failed update leaves the configuration as it was, marked Failed.
        if (previous) {
          entry.resource = previous.resource;
          entry.removed = previous.removed;
        }
        propertiesOf(entry.resource).provisioningState = 'Failed';
        entry.etag = this.etags.next();
      },
    });
    entry.removed = trackRemovals(entry, stored, operation, now);
    entry.resource = stored;
    entry.etag = this.etags.next();
    entry.busy = operation;
    this.entries.set(resourceKey(name), entry);
    return { created: existing === undefined, body: { ...clone(stored), etag: entry.etag }, operation };
  }

  /** POST backendhealth: starts the operation whose result is the health report. */
  backendHealth(name: ResourceName, now: number): Operation {
    const entry = this.entry(name);
    return this.startOperation(name, entry.resource, now, { mayFail: false, result: (at) => healthReport(entry, at) });
  }

  /** For tests: someone else changes the gateway (a new etag, no operation). */
  modify(name: ResourceName, change: (resource: Json) => void): void {
    const entry = this.entry(name);
    const copy = clone(entry.resource);
    change(copy);
    const problem = gatewayBodyProblem(copy, resourceId('applicationGateways', name), { requireLocation: true });
    if (problem) throw new Error(`modifyGateway: the change leaves ${name.name} invalid: ${problemText(problem)} (${problem.code})`);
    entry.resource = this.stored(name, copy, entry.resource);
    entry.etag = this.etags.next();
  }

  setHealth(name: ResourceName, address: string, health: GatewayServerHealth): void {
    this.entry(name).health.set(address.toLowerCase(), health);
  }

  has(name: ResourceName): boolean {
    return this.entries.has(resourceKey(name));
  }

  /** The body as the server keeps it: identity filled in, sub-resource ids added, server-owned fields carried over. */
  private stored(name: ResourceName, body: Json, previous: Json | undefined): Json {
    const id = resourceId('applicationGateways', name);
    const props = propertiesOf(body);
    const before = propertiesOf(previous);
    for (const key of ['operationalState', 'resourceGuid'] as const) {
      if (before[key] !== undefined) props[key] = before[key];
    }
    props.operationalState ??= 'Running';
    props.resourceGuid ??= randomUUID();
    for (const key of GATEWAY_COLLECTIONS) {
      for (const item of collection(props, key)) {
        if (typeof item.id !== 'string' && nameOf(item) !== '') item.id = `${id}/${key}/${nameOf(item)}`;
        if (isObject(item.properties)) item.properties.provisioningState ??= 'Succeeded';
      }
    }
    const { etag: _etag, ...rest } = body;
    return { ...rest, id, name: name.name, type: GATEWAY_TYPE, location: body.location ?? previous?.location ?? this.settings.location, properties: props };
  }
}

/** Carries over removals still draining, forgets re-added addresses, and records newly removed ones. */
function trackRemovals(entry: GatewayEntry, next: Json, op: Operation, now: number): Map<string, Removal> {
  const before = poolAddresses(entry.resource);
  const after = poolAddresses(next);
  const removed = new Map<string, Removal>();
  for (const [key, r] of entry.removed) {
    if (r.until > now && !after.get(r.pool)?.has(r.address)) removed.set(key, r);
  }
  for (const [pool, addresses] of before) {
    const drainMs = drainSecondsForPool(next, pool) * 1000;
    for (const address of addresses.keys()) {
      if (after.get(pool)?.has(address)) continue;
      removed.set(`${pool}|${address}`, { pool, address, until: op.doneAt + drainMs });
    }
  }
  return removed;
}

/** The backend health document at `now`, in the shape of ApplicationGatewayBackendHealthGet.json. */
function healthReport(entry: GatewayEntry, now: number): Json {
  const gateway = entry.resource;
  const id = String(gateway.id);
  const current = poolAddresses(gateway);
  const settingsNames = new Map(collection(propertiesOf(gateway), 'backendHttpSettingsCollection').map((s) => [nameOf(s).toLowerCase(), nameOf(s)]));
  return {
    backendAddressPools: collection(propertiesOf(gateway), 'backendAddressPools').map((pool) => {
      const poolKey = nameOf(pool).toLowerCase();
      const servers: { address: string; health: GatewayServerHealth | 'Draining' }[] = [...(current.get(poolKey)?.values() ?? [])].map((a) => ({
        address: String(a.ipAddress ?? a.fqdn),
        health: entry.health.get(backendAddressKey(a) ?? '') ?? 'Up',
      }));
      for (const r of entry.removed.values()) {
        if (r.pool === poolKey && r.until > now) servers.push({ address: r.address, health: 'Draining' });
      }
      return {
        backendAddressPool: { id: `${id}/backendAddressPools/${nameOf(pool)}` },
        backendHttpSettingsCollection: settingsForPool(gateway, poolKey).map((s) => ({
          backendHttpSettings: { id: `${id}/backendHttpSettingsCollection/${settingsNames.get(s) ?? s}` },
          servers,
        })),
      };
    }),
  };
}
