import type { TimeoutSetting } from '../../core/provider.js';
import type { Health } from '../../core/state.js';
import type { ComputeApi } from './client.js';
import type { GcpCallContext } from './errors.js';
import { lastSegment, resourcePath } from './urls.js';

/** A backend service that uses a group, with what drainctl needs of it. */
export interface ServiceUse {
  readonly project: string;
  /** `global` or a region. */
  readonly location: string;
  readonly name: string;
  readonly drainingTimeoutSec: number;
  readonly scheme: string | undefined;
}

/** The gcp-bs reference of a service. */
export function serviceRef(s: Pick<ServiceUse, 'project' | 'location' | 'name'>): string {
  return `gcp-bs:${s.project}/${s.location}/${s.name}`;
}

/**
 * Every backend service, global and regional (one aggregatedList), that has `groupPath`
 * (`projects/p/zones/z/instanceGroups/ig`) as a backend.
 */
export async function servicesUsing(api: ComputeApi, project: string, groupPath: string, context: GcpCallContext): Promise<ServiceUse[]> {
  const found: ServiceUse[] = [];
  const scopes = await api.call('backendServices.aggregatedList', `projects/${project}`, context, (signal) => api.backendServices.aggregatedList({ project }, { signal }));
  for (const [scope, list] of scopes) {
    for (const s of list) {
      if (!(s.backends ?? []).some((b) => b.group && resourcePath(b.group) === groupPath)) continue;
      const location = scope === 'global' ? 'global' : lastSegment(scope);
      found.push({ project, location, name: s.name ?? '', drainingTimeoutSec: s.connectionDraining?.drainingTimeoutSec ?? 0, scheme: s.loadBalancingScheme ?? undefined });
    }
  }
  return found;
}

/**
 * A group's drain timeout as GCP applies it: each service has its own, and when several
 * services use a group the largest wins (enabling-connection-draining). Unset counts as 0.
 */
export function groupTimeout(services: readonly ServiceUse[], extra: Record<string, unknown> = {}): TimeoutSetting {
  const seconds = Math.max(0, ...services.map((s) => s.drainingTimeoutSec));
  const listed = services.map((s) => `${serviceRef(s)}=${s.drainingTimeoutSec}s`);
  return {
    seconds,
    enabled: seconds > 0,
    extra: { backendServices: listed, ...(services.length === 0 ? { note: 'no backend service uses this group' } : {}), ...extra },
  };
}

/** One health from the states several services report: any UNHEALTHY wins, all HEALTHY is healthy. */
export function mergeHealth(states: readonly (string | null | undefined)[]): Health {
  if (states.length === 0) return 'unknown';
  if (states.some((s) => s === 'UNHEALTHY')) return 'unhealthy';
  if (states.every((s) => s === 'HEALTHY')) return 'healthy';
  return 'unknown';
}

/** getHealth of one group on one service: instance URL (or ip:port) → health states. */
export async function groupHealth(api: ComputeApi, service: Pick<ServiceUse, 'project' | 'location' | 'name'>, groupUrl: string, context: GcpCallContext): Promise<{ instance?: string | null; ipAddress?: string | null; port?: number | null; healthState?: string | null }[]> {
  const request = { project: service.project, backendService: service.name, group: groupUrl };
  const health = await api.call(
    service.location === 'global' ? 'backendServices.getHealth' : 'regionBackendServices.getHealth',
    `${serviceRef(service)} ${resourcePath(groupUrl)}`,
    context,
    (signal) => (service.location === 'global' ? api.backendServices.getHealth(request, { signal }) : api.regionBackendServices.getHealth({ ...request, region: service.location }, { signal })),
  );
  return health.healthStatus ?? [];
}
