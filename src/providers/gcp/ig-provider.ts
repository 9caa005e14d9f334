import { DrainctlError, throwIfAborted } from '../../core/errors.js';
import type { DrainProvider, GroupSnapshot, RestoreRequest, TimeoutSetting } from '../../core/provider.js';
import type { CallContext } from '../../core/call.js';
import { gcpIgDescriptor } from './descriptors.js';
import type { GroupRef, TargetRef } from '../../core/refs.js';
import type { Health, Registration, TargetStatus } from '../../core/state.js';
import type { ProviderOptions } from '../options.js';
import { ComputeApi } from './client.js';
import { GroupLookups, noTimeoutOfItsOwn } from './common.js';
import { mutateAndWait } from './operations.js';
import { groupHealth, groupTimeout, mergeHealth, serviceRef, servicesUsing, type ServiceUse } from './services.js';
import { parseZonalGroup, type ZonalGroup } from './syntax.js';
import { lastSegment, resourcePath, resourceUrl } from './urls.js';

/** What drainctl needs to know about an instance group, read once per run. */
interface GroupInfo extends ZonalGroup {
  readonly path: string;
  /** The managed instance group that owns it, if any. */
  readonly managedBy: string | undefined;
}

/** How long the list of services using a group is reused by describe (health polling). */
const SERVICES_TTL_MS = 30_000;

/**
 * Members of unmanaged zonal instance groups. Draining = instanceGroups.removeInstances (one
 * call per group); restore = addInstances. The drain timeout is the largest
 * connectionDraining.drainingTimeoutSec of the backend services that use the group.
 */
export class GcpInstanceGroupProvider implements DrainProvider {
  readonly descriptor = gcpIgDescriptor;
  private readonly groups = new GroupLookups((group, signal) => this.lookUp(group, signal));
  private readonly services = new Map<string, { at: number; list: Promise<ServiceUse[]> }>();

  constructor(private readonly api: ComputeApi) {}

  static async create(options: ProviderOptions): Promise<GcpInstanceGroupProvider> {
    return new GcpInstanceGroupProvider(await ComputeApi.create(options));
  }

  async describe(group: GroupRef, targets: readonly TargetRef[] | 'all', ctx: CallContext): Promise<GroupSnapshot> {
    const { signal } = ctx;
    throwIfAborted(signal);
    const info = await this.groupInfo(group, signal);
    const [members, health] = await Promise.all([this.members(info, signal), this.health(info, signal)]);
    const registered = members.map((m) => toStatus(group, m, health.get(lastSegment(m.instance))));
    if (targets === 'all') return { group, providerId: info.path, targets: registered, registered };
    // Naming MIG members is asking drainctl to act on them, which it will not: say so before anything is planned or recorded.
    if (targets.length > 0) refuseManaged(info, 'drain or restore');
    const named = targets.map((ref) => registered.find((s) => s.ref.target === ref.target) ?? absent(ref, info));
    return { group, providerId: info.path, targets: named, registered };
  }

  async drain(group: GroupRef, targets: readonly TargetStatus[], ctx: CallContext): Promise<void> {
    const { signal } = ctx;
    const info = await this.groupInfo(group, signal);
    refuseManaged(info, 'drain');
    // Only current members: removing one again is harmless but not guaranteed to be accepted.
    const current = new Set((await this.members(info, signal)).map((m) => lastSegment(m.instance)));
    const instances = targets.filter((t) => current.has(t.ref.target)).map((t) => ({ instance: instanceReference(info, t.ref.target, t.registration) }));
    if (instances.length === 0) return;
    await mutateAndWait(this.api, info.project, 'instanceGroups.removeInstances', info.path, { what: `remove ${instances.length} instance(s) from instance group ${info.path}`, signal }, ctx, (requestId, bounded) =>
      this.api.instanceGroups.removeInstances({ project: info.project, zone: info.zone, instanceGroup: info.name, requestId, instances }, { signal: bounded }),
    );
  }

  async restore(group: GroupRef, targets: readonly RestoreRequest[], ctx: CallContext): Promise<void> {
    const { signal } = ctx;
    const info = await this.groupInfo(group, signal);
    refuseManaged(info, 'restore');
    const current = new Set((await this.members(info, signal)).map((m) => lastSegment(m.instance)));
    const instances = targets.filter((t) => !current.has(t.ref.target)).map((t) => ({ instance: instanceReference(info, t.ref.target, t.registration) }));
    if (instances.length === 0) return;
    await mutateAndWait(
      this.api,
      info.project,
      'instanceGroups.addInstances',
      info.path,
      { what: `add ${instances.length} instance(s) to instance group ${info.path}`, signal, notFound: `cannot add to ${info.path}: an instance no longer exists (${targets.map((t) => t.ref.target).join(', ')})` },
      ctx,
      (requestId, bounded) => this.api.instanceGroups.addInstances({ project: info.project, zone: info.zone, instanceGroup: info.name, requestId, instances }, { signal: bounded }),
    );
  }

  /** With no recorded registration, the instance as the reference names it: it is in the group's zone. */
  registrationFor(ref: TargetRef): Registration {
    const g = parseZonalGroup(ref.group);
    return { instance: resourceUrl(`projects/${g.project}/zones/${g.zone}/instances/${ref.target}`) };
  }

  async getTimeout(group: GroupRef, ctx: CallContext): Promise<TimeoutSetting> {
    const { signal } = ctx;
    const info = await this.groupInfo(group, signal);
    const services = await this.servicesOf(info, signal, true);
    return groupTimeout(services, info.managedBy ? { managedInstanceGroup: info.managedBy } : {});
  }

  async setTimeout(group: GroupRef, _seconds: number, ctx: CallContext): Promise<TimeoutSetting> {
    const { signal } = ctx;
    const info = await this.groupInfo(group, signal);
    throw noTimeoutOfItsOwn(`gcp-ig:${group.group}`, await this.servicesOf(info, signal, true));
  }

  close(): void {
    this.api.close();
  }

  private groupInfo(group: GroupRef, signal?: AbortSignal): Promise<GroupInfo> {
    return this.groups.get(group.group, signal);
  }

  private async lookUp(text: string, signal?: AbortSignal): Promise<GroupInfo> {
    const g = parseZonalGroup(text);
    const path = `projects/${g.project}/zones/${g.zone}/instanceGroups/${g.name}`;
    await this.api.call('instanceGroups.get', path, { what: `look up instance group ${path}`, signal, notFound: `instance group ${g.name} not found in project ${g.project}, zone ${g.zone}`, notFoundHint: 'check the project, zone and name: gcloud compute instance-groups list' }, (s) =>
      this.api.instanceGroups.get({ project: g.project, zone: g.zone, instanceGroup: g.name }, { signal: s }),
    );
    // A managed group's instance group has the manager's name: look for a manager of that name.
    let managedBy: string | undefined;
    try {
      await this.api.call('instanceGroupManagers.get', path, { what: `check whether ${path} is managed`, signal }, (s) =>
        this.api.instanceGroupManagers.get({ project: g.project, zone: g.zone, instanceGroupManager: g.name }, { signal: s }),
      );
      managedBy = g.name;
    } catch (error) {
      if (error instanceof DrainctlError && error.kind === 'not_found') managedBy = undefined;
      // Without compute.instanceGroupManagers.get (roles/compute.loadBalancerAdmin lacks it) drainctl cannot tell;
      // the API itself refuses to change a managed group's members.
      else if (!(error instanceof DrainctlError && error.details.httpStatus === 403 && error.retryable === undefined)) throw error;
    }
    return { ...g, path, managedBy };
  }

  private async members(info: GroupInfo, signal?: AbortSignal): Promise<{ instance: string; status: string }[]> {
    const items = await this.api.call('instanceGroups.listInstances', info.path, { what: `list instances of ${info.path}`, signal, notFound: `instance group ${info.path} not found` }, (s) =>
      this.api.instanceGroups.listInstances({ project: info.project, zone: info.zone, instanceGroup: info.name }, { signal: s }),
    );
    return items.filter((i) => i.instance).map((i) => ({ instance: i.instance!, status: i.status ?? 'UNKNOWN' }));
  }

  /** The services that use the group; describe reuses the list for a while, getTimeout reads it fresh. */
  private servicesOf(info: GroupInfo, signal: AbortSignal | undefined, fresh = false): Promise<ServiceUse[]> {
    const cached = this.services.get(info.path);
    if (!fresh && cached && Date.now() - cached.at < SERVICES_TTL_MS) return cached.list;
    const list = servicesUsing(this.api, info.project, info.path, { what: `find the backend services that use ${info.path}`, signal });
    list.catch(() => this.services.delete(info.path));
    this.services.set(info.path, { at: Date.now(), list });
    return list;
  }

  /** Health by instance name, merged over every service that uses the group; empty when none does. */
  private async health(info: GroupInfo, signal?: AbortSignal): Promise<Map<string, Health>> {
    const services = await this.servicesOf(info, signal);
    const reports = await Promise.all(services.map((s) => groupHealth(this.api, s, resourceUrl(info.path), { what: `read health of ${info.path} on ${serviceRef(s)}`, signal })));
    const states = new Map<string, string[]>();
    for (const report of reports) {
      for (const h of report) {
        if (!h.instance) continue;
        const name = lastSegment(h.instance);
        states.set(name, [...(states.get(name) ?? []), h.healthState ?? 'UNKNOWN']);
      }
    }
    return new Map([...states].map(([name, s]) => [name, mergeHealth(s)]));
  }
}

function refuseManaged(info: GroupInfo, verb: string): void {
  if (!info.managedBy) return;
  throw new DrainctlError('refused', `gcp-ig:${info.project}/${info.zone}/${info.name} belongs to managed instance group ${info.managedBy}: an instance cannot be taken out of a MIG without deleting or abandoning it, so drainctl will not ${verb} its members`, {
    hint: `drain the whole backend instead (drainctl drain gcp-bs:${info.project}/<region|global>/<backend-service>/ig:${info.zone}:${info.name}, capacityScaler 0), or run gcloud compute instance-groups managed abandon-instances ${info.managedBy} --zone ${info.zone} --instances <name> (the VM keeps running outside the group, and connection draining applies)`,
    details: { managedInstanceGroup: info.managedBy },
  });
}

/** The instance as recorded (its URL), or as the reference names it. */
function instanceReference(info: GroupInfo, name: string, registration: Registration | undefined): string {
  const recorded = registration?.instance;
  if (typeof recorded === 'string' && lastSegment(recorded) === name) return recorded;
  return `zones/${info.zone}/instances/${name}`;
}

function toStatus(group: GroupRef, member: { instance: string; status: string }, health: Health | undefined): TargetStatus {
  const ref: TargetRef = { kind: 'target', provider: 'gcp-ig', group: group.group, target: lastSegment(member.instance) };
  return {
    ref,
    state: 'active',
    health: health ?? 'unknown',
    raw: { state: 'MEMBER', reason: member.status, description: health === undefined ? 'no backend service reports health for this group' : undefined },
    registration: { instance: resourceUrl(resourcePath(member.instance)) },
  };
}

function absent(ref: TargetRef, info: GroupInfo): TargetStatus {
  return { ref, state: 'absent', health: 'unknown', raw: { state: 'NOT_A_MEMBER', description: `not a member of ${info.path}` } };
}

