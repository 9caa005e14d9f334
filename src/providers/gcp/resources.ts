/**
 * The Compute Engine methods drainctl calls, one object per API collection as the library names
 * them (backendServices, instanceGroups…), each a thin REST call: paths, query and body exactly
 * as the API reference gives them. Only the fields drainctl reads are typed.
 */
import type { OperationLike } from './operations.js';
import { restCall, restPages, type RestTarget } from './rest.js';

/** A backend as listed in a backend service. */
export type BackendResource = { group?: string | null; balancingMode?: string | null; capacityScaler?: number | null } & Record<string, unknown>;

/** The parts of a BackendService drainctl reads. */
export interface BackendServiceResource {
  name?: string | null;
  backends?: BackendResource[] | null;
  fingerprint?: string | null;
  loadBalancingScheme?: string | null;
  protocol?: string | null;
  connectionDraining?: { drainingTimeoutSec?: number | null } | null;
}

/** One entry of getHealth's healthStatus. */
export interface HealthStatusResource {
  instance?: string | null;
  ipAddress?: string | null;
  port?: number | null;
  healthState?: string | null;
}

export interface InstanceWithStatus {
  instance?: string | null;
  status?: string | null;
}

export interface NetworkEndpointWithHealth {
  networkEndpoint?: { instance?: string | null; ipAddress?: string | null; port?: number | null } | null;
  healths?: { healthState?: string | null }[] | null;
}

export interface NetworkEndpoint {
  instance?: string;
  ipAddress: string;
  port: number;
}

type Page<K extends string, T> = { nextPageToken?: string } & { [key in K]?: T[] };
/** Options every method takes: the signal that cancels the request. */
export interface MethodOptions {
  readonly signal?: AbortSignal;
}

const at = (project: string, scope: string, collection: string, name: string): string => `projects/${project}/${scope}/${collection}/${name}`;

/** backendServices (global) or regionBackendServices: get, patch, getHealth; aggregatedList for the global collection. */
export function backendServices(target: RestTarget, regional: boolean) {
  const path = (r: { project: string; region?: string; backendService: string }): string => at(r.project, regional ? `regions/${r.region}` : 'global', 'backendServices', r.backendService);
  return {
    get: (r: { project: string; region?: string; backendService: string }, o: MethodOptions = {}) => restCall<BackendServiceResource>(target, { method: 'GET', path: path(r), signal: o.signal }),
    patch: (r: { project: string; region?: string; backendService: string; requestId: string; backendServiceResource: BackendServiceResource }, o: MethodOptions = {}) =>
      restCall<OperationLike>(target, { method: 'PATCH', path: path(r), query: { requestId: r.requestId }, body: r.backendServiceResource, signal: o.signal }),
    getHealth: (r: { project: string; region?: string; backendService: string; group: string }, o: MethodOptions = {}) =>
      restCall<{ healthStatus?: HealthStatusResource[] }>(target, { method: 'POST', path: `${path(r)}/getHealth`, body: { group: r.group }, signal: o.signal }),
    /** Every backend service of the project, global and regional, by scope (`global`, `regions/<r>`). */
    aggregatedList: async (r: { project: string }, o: MethodOptions = {}): Promise<[string, BackendServiceResource[]][]> => {
      const pages = await restPages<{ nextPageToken?: string; items?: Record<string, { backendServices?: BackendServiceResource[] }> }>(target, { method: 'GET', path: `projects/${r.project}/aggregated/backendServices`, signal: o.signal });
      return pages.flatMap((p) => Object.entries(p.items ?? {}).map(([scope, list]): [string, BackendServiceResource[]] => [scope, list.backendServices ?? []]));
    },
  };
}

/** instanceGroups (zonal) and instanceGroupManagers.get. */
export function instanceGroups(target: RestTarget) {
  type Ref = { project: string; zone: string; instanceGroup: string };
  const path = (r: Ref): string => at(r.project, `zones/${r.zone}`, 'instanceGroups', r.instanceGroup);
  const change = (verb: 'addInstances' | 'removeInstances') => (r: Ref & { requestId: string; instances: { instance: string }[] }, o: MethodOptions = {}) =>
    restCall<OperationLike>(target, { method: 'POST', path: `${path(r)}/${verb}`, query: { requestId: r.requestId }, body: { instances: r.instances }, signal: o.signal });
  return {
    get: (r: Ref, o: MethodOptions = {}) => restCall<{ name?: string }>(target, { method: 'GET', path: path(r), signal: o.signal }),
    listInstances: async (r: Ref, o: MethodOptions = {}): Promise<InstanceWithStatus[]> => {
      const pages = await restPages<Page<'items', InstanceWithStatus>>(target, { method: 'POST', path: `${path(r)}/listInstances`, body: { instanceState: 'ALL' }, signal: o.signal });
      return pages.flatMap((p) => p.items ?? []);
    },
    addInstances: change('addInstances'),
    removeInstances: change('removeInstances'),
  };
}

export function instanceGroupManagers(target: RestTarget) {
  return {
    get: (r: { project: string; zone: string; instanceGroupManager: string }, o: MethodOptions = {}) =>
      restCall<{ name?: string }>(target, { method: 'GET', path: at(r.project, `zones/${r.zone}`, 'instanceGroupManagers', r.instanceGroupManager), signal: o.signal }),
  };
}

/** networkEndpointGroups (zonal): get, listNetworkEndpoints with health, attach and detach. */
export function networkEndpointGroups(target: RestTarget) {
  type Ref = { project: string; zone: string; networkEndpointGroup: string };
  const path = (r: Ref): string => at(r.project, `zones/${r.zone}`, 'networkEndpointGroups', r.networkEndpointGroup);
  const change = (verb: 'attachNetworkEndpoints' | 'detachNetworkEndpoints') => (r: Ref & { requestId: string; networkEndpoints: NetworkEndpoint[] }, o: MethodOptions = {}) =>
    restCall<OperationLike>(target, { method: 'POST', path: `${path(r)}/${verb}`, query: { requestId: r.requestId }, body: { networkEndpoints: r.networkEndpoints }, signal: o.signal });
  return {
    get: (r: Ref, o: MethodOptions = {}) => restCall<{ networkEndpointType?: string | null }>(target, { method: 'GET', path: path(r), signal: o.signal }),
    listNetworkEndpoints: async (r: Ref, o: MethodOptions = {}): Promise<NetworkEndpointWithHealth[]> => {
      const pages = await restPages<Page<'items', NetworkEndpointWithHealth>>(target, { method: 'POST', path: `${path(r)}/listNetworkEndpoints`, body: { healthStatus: 'SHOW' }, signal: o.signal });
      return pages.flatMap((p) => p.items ?? []);
    },
    attachNetworkEndpoints: change('attachNetworkEndpoints'),
    detachNetworkEndpoints: change('detachNetworkEndpoints'),
  };
}

/** zoneOperations, regionOperations and globalOperations: wait (a long poll that returns the operation, DONE or not). */
export function operations(target: RestTarget) {
  return {
    wait: (r: { project: string; scope: string; operation: string }, o: MethodOptions = {}) =>
      restCall<OperationLike>(target, { method: 'POST', path: `projects/${r.project}/${r.scope}/operations/${r.operation}/wait`, signal: o.signal }),
  };
}
