/**
 * backendServices and regionBackendServices: get, list, aggregatedList, patch (fingerprint and
 * capacityScaler rules enforced) and getHealth.
 */
import { badRequest, conditionNotMet, invalidField } from './errors.js';
import { NAME, REGION, bodyObject, mutate, page, type HandlerContext, type Route } from './handler.js';
import { BALANCING_MODES, isPassthrough } from './seed.js';
import { resourcePath, resourceUrl, type ScopePath } from './urls.js';
import { BACKEND_FIELDS, type BackendRecord, type BackendServiceState, type ProjectState } from './world.js';

function scopeOf(ctx: HandlerContext): ScopePath {
  return ctx.params.region ? `regions/${ctx.params.region}` : 'global';
}

function render(project: ProjectState, s: BackendServiceState): Record<string, unknown> {
  const path = `projects/${project.id}/${s.scope}/backendServices/${s.name}`;
  const out: Record<string, unknown> = {
    kind: 'compute#backendService',
    id: s.id,
    creationTimestamp: s.creationTimestamp,
    name: s.name,
    selfLink: resourceUrl(path),
    backends: s.backends.map((b) => ({ ...b })),
    healthChecks: [resourceUrl(`projects/${project.id}/global/healthChecks/${s.name}-hc`)],
    timeoutSec: 30,
    port: 80,
    protocol: s.protocol,
    fingerprint: s.fingerprint,
    loadBalancingScheme: s.scheme,
  };
  if (!isPassthrough(s.scheme)) out.portName = 'http';
  if (s.description !== undefined) out.description = s.description;
  if (s.drainingTimeoutSec !== undefined) out.connectionDraining = { drainingTimeoutSec: s.drainingTimeoutSec };
  if (s.scope.startsWith('regions/')) out.region = resourceUrl(`projects/${project.id}/${s.scope}`);
  return out;
}

function get(ctx: HandlerContext): unknown {
  return render(ctx.project, ctx.world.service(ctx.project, scopeOf(ctx), ctx.params.name!));
}

function list(ctx: HandlerContext): unknown {
  const scope = scopeOf(ctx);
  const services = [...ctx.project.services.values()].filter((s) => s.scope === scope).map((s) => render(ctx.project, s));
  return { kind: 'compute#backendServiceList', id: `projects/${ctx.project.id}/${scope}/backendServices`, selfLink: resourceUrl(`projects/${ctx.project.id}/${scope}/backendServices`), ...page(services, ctx) };
}

function aggregatedList(ctx: HandlerContext): unknown {
  const items: Record<string, unknown> = {};
  const scopes = new Set<ScopePath>(['global', ...[...ctx.project.services.values()].map((s) => s.scope)]);
  for (const scope of scopes) {
    const services = [...ctx.project.services.values()].filter((s) => s.scope === scope).map((s) => render(ctx.project, s));
    items[scope] = services.length > 0
      ? { backendServices: services }
      : { warning: { code: 'NO_RESULTS_ON_PAGE', message: `There are no results for scope '${scope}' on this page.`, data: [{ key: 'scope', value: scope }] } };
  }
  return { kind: 'compute#backendServiceAggregatedList', id: `projects/${ctx.project.id}/aggregated/backendServices`, items, selfLink: resourceUrl(`projects/${ctx.project.id}/aggregated/backendServices`) };
}

/** The group path (`projects/p/zones/z/…`) a backend names, checked to exist in this project. */
function resolveGroup(ctx: HandlerContext, reference: unknown, field: string): string {
  if (typeof reference !== 'string' || reference === '') throw invalidField(field, reference ?? '', 'A backend must name its group.');
  const path = resourcePath(reference, ctx.project.id);
  const m = path && /^projects\/([^/]+)\/zones\/([^/]+)\/(instanceGroups|networkEndpointGroups)\/([^/]+)$/.exec(path);
  if (!path || !m || m[1] !== ctx.project.id) throw invalidField(field, reference, 'The group must be a zonal instance group or network endpoint group in this project.');
  const [, , zone, kind, name] = m;
  if (kind === 'instanceGroups') ctx.world.group(ctx.project, zone!, name!);
  else ctx.world.neg(ctx.project, zone!, name!);
  return path;
}

/**
 * The new backends array. PATCH replaces the array wholesale: a field a client leaves out of a
 * backend takes its default, so a client must resend balancingMode and its targets.
 */
function readBackends(ctx: HandlerContext, service: BackendServiceState, value: unknown): BackendRecord[] {
  if (!Array.isArray(value)) throw invalidField('resource.backends', JSON.stringify(value), 'backends must be a list.');
  const passthrough = isPassthrough(service.scheme);
  const seen = new Set<string>();
  const backends = value.map((raw, i) => {
    const field = `resource.backends[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw invalidField(field, JSON.stringify(raw), 'A backend must be an object.');
    const b = raw as Record<string, unknown>;
    const groupPath = resolveGroup(ctx, b.group, `${field}.group`);
    if (seen.has(groupPath)) throw invalidField(`${field}.group`, b.group, 'The same group is listed twice.');
    seen.add(groupPath);
    const record: Record<string, string | number | boolean> = { group: resourceUrl(groupPath) };
    const mode = b.balancingMode ?? (passthrough ? 'CONNECTION' : 'UTILIZATION');
    if (typeof mode !== 'string' || !(BALANCING_MODES as readonly string[]).includes(mode)) throw invalidField(`${field}.balancingMode`, mode, `Must be one of ${BALANCING_MODES.join(', ')}.`);
    if (passthrough && mode !== 'CONNECTION') throw invalidField(`${field}.balancingMode`, mode, `Balancing mode must be CONNECTION for an ${service.scheme} load balancing scheme.`);
    record.balancingMode = mode;
    if (b.capacityScaler !== undefined && passthrough) {
      throw invalidField(`${field}.capacityScaler`, b.capacityScaler, `Capacity scaler must not be set for an ${service.scheme} backend service.`);
    }
    if (!passthrough) {
      const scaler = b.capacityScaler ?? 1;
      if (typeof scaler !== 'number' || !Number.isFinite(scaler) || scaler < 0 || scaler > 1 || (scaler > 0 && scaler < 0.1)) {
        throw invalidField(`${field}.capacityScaler`, scaler, 'Capacity scaler must be 0 or between 0.1 and 1.0.');
      }
      record.capacityScaler = scaler;
    }
    for (const name of BACKEND_FIELDS) {
      if (name === 'group' || name === 'balancingMode' || name === 'capacityScaler') continue;
      const v = b[name];
      if (v !== undefined && v !== null && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')) record[name] = v;
    }
    if (mode === 'RATE' && record.maxRate === undefined && record.maxRatePerInstance === undefined && record.maxRatePerEndpoint === undefined) {
      throw invalidField(`${field}.balancingMode`, mode, 'RATE balancing mode requires maxRate, maxRatePerInstance or maxRatePerEndpoint to be set.');
    }
    if (mode === 'CONNECTION' && !passthrough && record.maxConnections === undefined && record.maxConnectionsPerInstance === undefined && record.maxConnectionsPerEndpoint === undefined) {
      throw invalidField(`${field}.balancingMode`, mode, 'CONNECTION balancing mode requires maxConnections, maxConnectionsPerInstance or maxConnectionsPerEndpoint to be set.');
    }
    return record as BackendRecord;
  });
  if (backends.length === 1 && backends[0]!.capacityScaler === 0) {
    throw invalidField('resource.backends[0].capacityScaler', 0, 'Capacity scaler cannot be set to 0 when there is only one backend in the backend service.');
  }
  const kinds = new Set(backends.map((b) => (b.group.includes('/instanceGroups/') ? 'ig' : 'neg')));
  if (kinds.size > 1) throw badRequest('Invalid value for field \'resource.backends\': a backend service cannot mix instance group and network endpoint group backends.', 'invalid');
  return backends;
}

function patch(ctx: HandlerContext): unknown {
  const service = ctx.world.service(ctx.project, scopeOf(ctx), ctx.params.name!);
  const targetPath = `projects/${ctx.project.id}/${service.scope}/backendServices/${service.name}`;
  return mutate(ctx, {
    scope: service.scope,
    operationType: 'patch',
    targetPath,
    targetId: service.id,
    validate: () => {
      const body = bodyObject(ctx);
      if (body.fingerprint !== service.fingerprint) throw conditionNotMet();
      const backends = body.backends === undefined ? undefined : readBackends(ctx, service, body.backends);
      let draining: number | undefined;
      if (body.connectionDraining !== undefined) {
        const cd = body.connectionDraining as Record<string, unknown> | null;
        const seconds = cd?.drainingTimeoutSec ?? 0;
        if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
          throw invalidField('resource.connectionDraining.drainingTimeoutSec', seconds, 'Must be between 0 and 3600 seconds, inclusive.');
        }
        draining = seconds;
      }
      const description = typeof body.description === 'string' ? body.description : undefined;
      return () => {
        if (backends) service.backends = backends;
        if (draining !== undefined) service.drainingTimeoutSec = draining;
        if (description !== undefined) service.description = description;
        service.fingerprint = ctx.world.newFingerprint(targetPath);
      };
    },
  });
}

function getHealth(ctx: HandlerContext): unknown {
  const service = ctx.world.service(ctx.project, scopeOf(ctx), ctx.params.name!);
  const body = bodyObject(ctx);
  const groupPath = resolveGroup(ctx, body.group, 'resourceGroupReference.group');
  if (!service.backends.some((b) => b.group === resourceUrl(groupPath))) {
    throw invalidField('resourceGroupReference.group', body.group, `The group is not a backend of backend service '${service.name}'.`);
  }
  const now = ctx.clock.now();
  const [, , zone, kind, name] = /^projects\/([^/]+)\/zones\/([^/]+)\/(instanceGroups|networkEndpointGroups)\/([^/]+)$/.exec(groupPath)!;
  const healthStatus: Record<string, unknown>[] = [];
  if (kind === 'instanceGroups') {
    const group = ctx.world.group(ctx.project, zone!, name!);
    const port = group.namedPorts[0]?.port ?? 80;
    for (const [member, addedAt] of group.members) {
      const vm = ctx.world.vm(ctx.project, zone!, member);
      healthStatus.push({
        instance: resourceUrl(`projects/${ctx.project.id}/zones/${zone}/instances/${member}`),
        ipAddress: vm?.ip,
        port,
        healthState: ctx.world.healthState(vm, undefined, addedAt, now),
      });
    }
  } else {
    const neg = ctx.world.neg(ctx.project, zone!, name!);
    for (const e of neg.endpoints.values()) {
      const vm = e.instance === undefined ? undefined : ctx.world.vm(ctx.project, zone!, e.instance);
      const status: Record<string, unknown> = { ipAddress: e.ipAddress, port: e.port, healthState: ctx.world.healthState(vm, e.health, e.addedAt, now) };
      if (e.instance !== undefined) status.instance = resourceUrl(`projects/${ctx.project.id}/zones/${zone}/instances/${e.instance}`);
      healthStatus.push(status);
    }
  }
  return healthStatus.length > 0 ? { kind: 'compute#backendServiceGroupHealth', healthStatus } : { kind: 'compute#backendServiceGroupHealth' };
}

/** The routes of both APIs; `name` and `region` are the captures. */
export const backendServiceRoutes: readonly Route[] = [
  { method: 'GET', pattern: /^aggregated\/backendServices$/, action: 'backendServices.aggregatedList', mutating: false, handler: aggregatedList },
  { method: 'GET', pattern: /^global\/backendServices$/, action: 'backendServices.list', mutating: false, handler: list },
  { method: 'GET', pattern: new RegExp(`^global/backendServices/(?<name>${NAME})$`), action: 'backendServices.get', mutating: false, handler: get },
  { method: 'PATCH', pattern: new RegExp(`^global/backendServices/(?<name>${NAME})$`), action: 'backendServices.patch', mutating: true, handler: patch },
  { method: 'POST', pattern: new RegExp(`^global/backendServices/(?<name>${NAME})/getHealth$`), action: 'backendServices.getHealth', mutating: false, handler: getHealth },
  { method: 'GET', pattern: new RegExp(`^regions/(?<region>${REGION})/backendServices$`), action: 'regionBackendServices.list', mutating: false, handler: list },
  { method: 'GET', pattern: new RegExp(`^regions/(?<region>${REGION})/backendServices/(?<name>${NAME})$`), action: 'regionBackendServices.get', mutating: false, handler: get },
  { method: 'PATCH', pattern: new RegExp(`^regions/(?<region>${REGION})/backendServices/(?<name>${NAME})$`), action: 'regionBackendServices.patch', mutating: true, handler: patch },
  { method: 'POST', pattern: new RegExp(`^regions/(?<region>${REGION})/backendServices/(?<name>${NAME})/getHealth$`), action: 'regionBackendServices.getHealth', mutating: false, handler: getHealth },
];

