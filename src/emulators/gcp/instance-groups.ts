/**
 * instanceGroups (zonal): get, list, listInstances, addInstances, removeInstances; and
 * instanceGroupManagers get and list, so that a client can tell a managed group's instance
 * group (same name, same zone) from an unmanaged one.
 */
import { GcpApiError, badRequest, invalidField, notFound } from './errors.js';
import { NAME, ZONE, bodyObject, mutate, page, type HandlerContext, type Route } from './handler.js';
import { resourcePath, resourceUrl } from './urls.js';
import type { InstanceGroupState, ProjectState, VmState } from './world.js';

function render(project: ProjectState, g: InstanceGroupState): Record<string, unknown> {
  return {
    kind: 'compute#instanceGroup',
    id: g.id,
    name: g.name,
    zone: resourceUrl(`projects/${project.id}/zones/${g.zone}`),
    namedPorts: g.namedPorts.map((p) => ({ ...p })),
    network: resourceUrl(`projects/${project.id}/global/networks/default`),
    fingerprint: '42WmSpB8rSM=',
    size: g.members.size,
    selfLink: resourceUrl(`projects/${project.id}/zones/${g.zone}/instanceGroups/${g.name}`),
  };
}

function get(ctx: HandlerContext): unknown {
  return render(ctx.project, ctx.world.group(ctx.project, ctx.params.zone!, ctx.params.name!));
}

function list(ctx: HandlerContext): unknown {
  const zone = ctx.params.zone!;
  const groups = [...ctx.project.groups.values()].filter((g) => g.zone === zone).map((g) => render(ctx.project, g));
  return { kind: 'compute#instanceGroupList', id: `projects/${ctx.project.id}/zones/${zone}/instanceGroups`, selfLink: resourceUrl(`projects/${ctx.project.id}/zones/${zone}/instanceGroups`), ...page(groups, ctx) };
}

function listInstances(ctx: HandlerContext): unknown {
  const group = ctx.world.group(ctx.project, ctx.params.zone!, ctx.params.name!);
  const state = bodyObject(ctx).instanceState ?? 'ALL';
  if (state !== 'ALL' && state !== 'RUNNING') throw invalidField('instanceState', state, 'Must be ALL or RUNNING.');
  const items = [...group.members.keys()]
    .map((name) => ctx.world.vm(ctx.project, group.zone, name))
    .filter((vm): vm is VmState => vm !== undefined && (state === 'ALL' || vm.status === 'RUNNING'))
    .map((vm) => ({ instance: resourceUrl(`projects/${ctx.project.id}/zones/${vm.zone}/instances/${vm.name}`), status: vm.status, namedPorts: group.namedPorts.map((p) => ({ ...p })) }));
  return { kind: 'compute#instanceGroupsListInstances', id: `projects/${ctx.project.id}/zones/${group.zone}/instanceGroups/${group.name}`, ...page(items, ctx) };
}

/** The VM names a body's `instances` list names, each checked to be a VM of the group's zone. */
function instancesOf(ctx: HandlerContext, group: InstanceGroupState): string[] {
  const instances = bodyObject(ctx).instances;
  if (!Array.isArray(instances) || instances.length === 0) throw invalidField('resource.instances', '', 'At least one instance must be specified.');
  return instances.map((entry, i) => {
    const reference = (entry as { instance?: unknown } | null)?.instance;
    const path = typeof reference === 'string' ? resourcePath(reference, ctx.project.id) : undefined;
    const m = path && /^projects\/([^/]+)\/zones\/([^/]+)\/instances\/([^/]+)$/.exec(path);
    if (!m) throw invalidField(`resource.instances[${i}].instance`, reference ?? '', 'Must be an instance URL or zones/<zone>/instances/<name>.');
    if (m[1] !== ctx.project.id || m[2] !== group.zone) throw invalidField(`resource.instances[${i}].instance`, reference, `The instance must be in the same project and zone (${group.zone}) as the instance group.`);
    if (!ctx.world.vm(ctx.project, group.zone, m[3]!)) throw notFound(path);
    return m[3]!;
  });
}

function refuseManaged(group: InstanceGroupState): void {
  if (group.managedBy) {
    throw badRequest(`The instance group '${group.name}' is managed by the instance group manager '${group.managedBy}'; change its members through the manager.`, 'invalid');
  }
}

function changeMembers(ctx: HandlerContext, operationType: 'addInstances' | 'removeInstances'): unknown {
  const group = ctx.world.group(ctx.project, ctx.params.zone!, ctx.params.name!);
  return mutate(ctx, {
    scope: `zones/${group.zone}`,
    operationType,
    targetPath: `projects/${ctx.project.id}/zones/${group.zone}/instanceGroups/${group.name}`,
    targetId: group.id,
    validate: () => {
      refuseManaged(group);
      const names = instancesOf(ctx, group);
      // Removing a non-member is a 404, as terraform-provider-google expects ("Instances already removed");
      // adding a member again changes nothing (emulator choice, unverified). drainctl lists members first.
      const stranger = operationType === 'removeInstances' ? names.find((n) => !group.members.has(n)) : undefined;
      if (stranger) throw new GcpApiError(404, 'notFound', `The resource 'projects/${ctx.project.id}/zones/${group.zone}/instances/${stranger}' is not a member of instance group '${group.name}'`);
      return () => {
        const now = ctx.clock.now();
        for (const name of names) {
          if (operationType === 'removeInstances') group.members.delete(name);
          else if (!group.members.has(name)) group.members.set(name, now);
        }
      };
    },
  });
}

function renderManager(project: ProjectState, zone: string, name: string, id: string, size: number): Record<string, unknown> {
  return {
    kind: 'compute#instanceGroupManager',
    id,
    name,
    zone: resourceUrl(`projects/${project.id}/zones/${zone}`),
    instanceGroup: resourceUrl(`projects/${project.id}/zones/${zone}/instanceGroups/${name}`),
    baseInstanceName: name,
    targetSize: size,
    status: { isStable: true },
    selfLink: resourceUrl(`projects/${project.id}/zones/${zone}/instanceGroupManagers/${name}`),
  };
}

function getManager(ctx: HandlerContext): unknown {
  const { zone, name } = ctx.params as { zone: string; name: string };
  const manager = ctx.project.managedGroups.get(`${zone}/${name}`);
  if (!manager) throw notFound(`projects/${ctx.project.id}/zones/${zone}/instanceGroupManagers/${name}`);
  return renderManager(ctx.project, zone, name, manager.id, ctx.world.group(ctx.project, zone, name).members.size);
}

function listManagers(ctx: HandlerContext): unknown {
  const zone = ctx.params.zone!;
  const items = [...ctx.project.managedGroups.values()].filter((m) => m.zone === zone).map((m) => renderManager(ctx.project, zone, m.name, m.id, ctx.world.group(ctx.project, zone, m.name).members.size));
  return { kind: 'compute#instanceGroupManagerList', id: `projects/${ctx.project.id}/zones/${zone}/instanceGroupManagers`, ...page(items, ctx) };
}

export const instanceGroupRoutes: readonly Route[] = [
  { method: 'GET', pattern: new RegExp(`^zones/(?<zone>${ZONE})/instanceGroups$`), action: 'instanceGroups.list', mutating: false, handler: list },
  { method: 'GET', pattern: new RegExp(`^zones/(?<zone>${ZONE})/instanceGroups/(?<name>${NAME})$`), action: 'instanceGroups.get', mutating: false, handler: get },
  { method: 'POST', pattern: new RegExp(`^zones/(?<zone>${ZONE})/instanceGroups/(?<name>${NAME})/listInstances$`), action: 'instanceGroups.listInstances', mutating: false, handler: listInstances },
  { method: 'POST', pattern: new RegExp(`^zones/(?<zone>${ZONE})/instanceGroups/(?<name>${NAME})/addInstances$`), action: 'instanceGroups.addInstances', mutating: true, handler: (ctx) => changeMembers(ctx, 'addInstances') },
  { method: 'POST', pattern: new RegExp(`^zones/(?<zone>${ZONE})/instanceGroups/(?<name>${NAME})/removeInstances$`), action: 'instanceGroups.removeInstances', mutating: true, handler: (ctx) => changeMembers(ctx, 'removeInstances') },
  { method: 'GET', pattern: new RegExp(`^zones/(?<zone>${ZONE})/instanceGroupManagers$`), action: 'instanceGroupManagers.list', mutating: false, handler: listManagers },
  { method: 'GET', pattern: new RegExp(`^zones/(?<zone>${ZONE})/instanceGroupManagers/(?<name>${NAME})$`), action: 'instanceGroupManagers.get', mutating: false, handler: getManager },
];

