/**
 * networkEndpointGroups (zonal): get, list, listNetworkEndpoints (healths per backend service
 * with healthStatus SHOW), attachNetworkEndpoints and detachNetworkEndpoints.
 */
import { invalidField } from './errors.js';
import { NAME, ZONE, bodyObject, mutate, page, type HandlerContext, type Route } from './handler.js';
import { resourceUrl } from './urls.js';
import type { EndpointState, NegState, ProjectState } from './world.js';

function negPath(project: ProjectState, neg: NegState): string {
  return `projects/${project.id}/zones/${neg.zone}/networkEndpointGroups/${neg.name}`;
}

function render(project: ProjectState, neg: NegState): Record<string, unknown> {
  const out: Record<string, unknown> = {
    kind: 'compute#networkEndpointGroup',
    id: neg.id,
    name: neg.name,
    networkEndpointType: neg.type,
    size: neg.endpoints.size,
    zone: resourceUrl(`projects/${project.id}/zones/${neg.zone}`),
    network: resourceUrl(`projects/${project.id}/global/networks/default`),
    selfLink: resourceUrl(negPath(project, neg)),
  };
  if (neg.defaultPort !== undefined) out.defaultPort = neg.defaultPort;
  return out;
}

function get(ctx: HandlerContext): unknown {
  return render(ctx.project, ctx.world.neg(ctx.project, ctx.params.zone!, ctx.params.name!));
}

function list(ctx: HandlerContext): unknown {
  const zone = ctx.params.zone!;
  const items = [...ctx.project.negs.values()].filter((n) => n.zone === zone).map((n) => render(ctx.project, n));
  return { kind: 'compute#networkEndpointGroupList', id: `projects/${ctx.project.id}/zones/${zone}/networkEndpointGroups`, ...page(items, ctx) };
}

function endpointJson(e: EndpointState): Record<string, unknown> {
  const out: Record<string, unknown> = { ipAddress: e.ipAddress, port: e.port };
  if (e.instance !== undefined) out.instance = e.instance;
  return out;
}

function listNetworkEndpoints(ctx: HandlerContext): unknown {
  const neg = ctx.world.neg(ctx.project, ctx.params.zone!, ctx.params.name!);
  const healthStatus = bodyObject(ctx).healthStatus ?? 'SKIP';
  if (healthStatus !== 'SHOW' && healthStatus !== 'SKIP') throw invalidField('healthStatus', healthStatus, 'Must be SHOW or SKIP.');
  const now = ctx.clock.now();
  for (const [key, d] of neg.draining) if (d.until <= now) neg.draining.delete(key);
  const services = ctx.world.servicesUsing(ctx.project, negPath(ctx.project, neg));
  const items: Record<string, unknown>[] = [];
  for (const e of neg.endpoints.values()) {
    const item: Record<string, unknown> = { networkEndpoint: endpointJson(e) };
    if (healthStatus === 'SHOW') {
      const vm = e.instance === undefined ? undefined : ctx.world.vm(ctx.project, neg.zone, e.instance);
      const state = ctx.world.healthState(vm, e.health, e.addedAt, now);
      item.healths = services.map((s) => ({ healthState: state, backendService: { backendService: resourceUrl(`projects/${ctx.project.id}/${s.scope}/backendServices/${s.name}`) } }));
    }
    items.push(item);
  }
  if (healthStatus === 'SHOW') {
    for (const { endpoint } of neg.draining.values()) {
      items.push({
        networkEndpoint: endpointJson(endpoint),
        healths: services.map((s) => ({ healthState: 'DRAINING', backendService: { backendService: resourceUrl(`projects/${ctx.project.id}/${s.scope}/backendServices/${s.name}`) } })),
      });
    }
  }
  return { kind: 'compute#networkEndpointGroupsListNetworkEndpoints', ...page(items, ctx) };
}

/** The endpoints a body names, with defaults filled in (the instance's IP, the group's default port). */
function endpointsOf(ctx: HandlerContext, neg: NegState): { instance: string | undefined; ipAddress: string; port: number }[] {
  const list = bodyObject(ctx).networkEndpoints;
  if (!Array.isArray(list) || list.length === 0) throw invalidField('resource.networkEndpoints', '', 'At least one network endpoint must be specified.');
  return list.map((raw, i) => {
    const field = `resource.networkEndpoints[${i}]`;
    const e = (raw ?? {}) as Record<string, unknown>;
    const instance = typeof e.instance === 'string' && e.instance !== '' ? e.instance.slice(e.instance.lastIndexOf('/') + 1) : undefined;
    if (neg.type === 'GCE_VM_IP_PORT' && instance === undefined) throw invalidField(`${field}.instance`, '', 'An instance is required for a GCE_VM_IP_PORT network endpoint group.');
    if (neg.type === 'NON_GCP_PRIVATE_IP_PORT' && instance !== undefined) throw invalidField(`${field}.instance`, instance, 'Instances are not allowed in a NON_GCP_PRIVATE_IP_PORT network endpoint group.');
    const vm = instance === undefined ? undefined : ctx.world.vm(ctx.project, neg.zone, instance);
    if (instance !== undefined && !vm) throw invalidField(`${field}.instance`, instance, `The instance was not found in zone ${neg.zone}.`);
    const ipAddress = typeof e.ipAddress === 'string' && e.ipAddress !== '' ? e.ipAddress : vm?.ip;
    if (ipAddress === undefined) throw invalidField(`${field}.ipAddress`, '', 'An IP address is required.');
    const port = typeof e.port === 'number' && e.port > 0 ? e.port : neg.defaultPort;
    if (port === undefined || !Number.isInteger(port) || port > 65535) throw invalidField(`${field}.port`, e.port ?? '', 'A port is required when the network endpoint group has no default port.');
    return { instance, ipAddress, port };
  });
}

function changeEndpoints(ctx: HandlerContext, operationType: 'attachNetworkEndpoints' | 'detachNetworkEndpoints'): unknown {
  const neg = ctx.world.neg(ctx.project, ctx.params.zone!, ctx.params.name!);
  const path = negPath(ctx.project, neg);
  return mutate(ctx, {
    scope: `zones/${neg.zone}`,
    operationType,
    targetPath: path,
    targetId: neg.id,
    validate: () => {
      const endpoints = endpointsOf(ctx, neg);
      // Attaching a present endpoint and detaching an absent one change nothing (emulator choice; drainctl lists first).
      return () => {
        const now = ctx.clock.now();
        for (const e of endpoints) {
          const key = `${e.ipAddress}:${e.port}`;
          if (operationType === 'attachNetworkEndpoints') {
            neg.draining.delete(key);
            if (!neg.endpoints.has(key)) neg.endpoints.set(key, { ...e, addedAt: now, health: undefined });
            continue;
          }
          const existing = neg.endpoints.get(key);
          if (!existing) continue;
          neg.endpoints.delete(key);
          const timeout = ctx.world.drainingTimeoutFor(ctx.project, path);
          if (ctx.world.showDrainingEndpoints && timeout > 0) neg.draining.set(key, { endpoint: existing, until: now + timeout * 1000 });
        }
      };
    },
  });
}

export const networkEndpointGroupRoutes: readonly Route[] = [
  { method: 'GET', pattern: new RegExp(`^zones/(?<zone>${ZONE})/networkEndpointGroups$`), action: 'networkEndpointGroups.list', mutating: false, handler: list },
  { method: 'GET', pattern: new RegExp(`^zones/(?<zone>${ZONE})/networkEndpointGroups/(?<name>${NAME})$`), action: 'networkEndpointGroups.get', mutating: false, handler: get },
  { method: 'POST', pattern: new RegExp(`^zones/(?<zone>${ZONE})/networkEndpointGroups/(?<name>${NAME})/listNetworkEndpoints$`), action: 'networkEndpointGroups.listNetworkEndpoints', mutating: false, handler: listNetworkEndpoints },
  { method: 'POST', pattern: new RegExp(`^zones/(?<zone>${ZONE})/networkEndpointGroups/(?<name>${NAME})/attachNetworkEndpoints$`), action: 'networkEndpointGroups.attachNetworkEndpoints', mutating: true, handler: (ctx) => changeEndpoints(ctx, 'attachNetworkEndpoints') },
  { method: 'POST', pattern: new RegExp(`^zones/(?<zone>${ZONE})/networkEndpointGroups/(?<name>${NAME})/detachNetworkEndpoints$`), action: 'networkEndpointGroups.detachNetworkEndpoints', mutating: true, handler: (ctx) => changeEndpoints(ctx, 'detachNetworkEndpoints') },
];
