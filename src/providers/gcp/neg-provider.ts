import { DrainctlError, throwIfAborted, usageError } from '../../core/errors.js';
import type { DrainProvider, GroupSnapshot, RestoreRequest, TimeoutSetting } from '../../core/provider.js';
import type { CallContext } from '../../core/call.js';
import { gcpNegDescriptor } from './descriptors.js';
import type { GroupRef, TargetRef } from '../../core/refs.js';
import type { Registration, TargetStatus } from '../../core/state.js';
import type { ProviderOptions } from '../options.js';
import { ComputeApi } from './client.js';
import { GroupLookups, noTimeoutOfItsOwn } from './common.js';
import { mutateAndWait } from './operations.js';
import { groupTimeout, mergeHealth, servicesUsing } from './services.js';
import { formatEndpointTarget, parseEndpointTarget, parseZonalGroup, type ZonalGroup } from './syntax.js';

/** NEG types whose endpoints connection draining applies to (zonal and hybrid connectivity NEGs). */
const DRAINABLE_TYPES = new Set(['GCE_VM_IP_PORT', 'NON_GCP_PRIVATE_IP_PORT']);

interface NegInfo extends ZonalGroup {
  readonly path: string;
  readonly type: string;
}

/** One endpoint as listNetworkEndpoints returns it. */
interface Endpoint {
  readonly instance: string | undefined;
  readonly ipAddress: string;
  readonly port: number;
  readonly healthStates: readonly string[];
}

/**
 * Endpoints of zonal network endpoint groups. Draining = detachNetworkEndpoints (one call per
 * group); restore = attach the very endpoint recorded before the drain (instance, IP, port).
 * Where the API lists an endpoint as DRAINING, describe reports it as draining.
 */
export class GcpNegProvider implements DrainProvider {
  readonly descriptor = gcpNegDescriptor;
  private readonly groups = new GroupLookups((group, signal) => this.lookUp(group, signal));
  /** Groups already looked up, for registrationFor (which cannot wait). */
  private readonly known = new Map<string, NegInfo>();

  constructor(private readonly api: ComputeApi) {}

  static async create(options: ProviderOptions): Promise<GcpNegProvider> {
    return new GcpNegProvider(await ComputeApi.create(options));
  }

  async describe(group: GroupRef, targets: readonly TargetRef[] | 'all', ctx: CallContext): Promise<GroupSnapshot> {
    const { signal } = ctx;
    throwIfAborted(signal);
    const info = await this.negInfo(group, signal);
    const listed = (await this.endpoints(info, signal)).map((e) => toStatus(group, e));
    const registered = listed.filter((s) => s.state === 'active');
    if (targets === 'all') return { group, providerId: info.path, targets: registered, registered };
    const named = targets.flatMap((ref) => {
      const matches = listed.filter((s) => this.descriptor.syntax.covers!(ref.target, s.ref.target));
      return matches.length > 0 ? matches : [absent(ref, info)];
    });
    return { group, providerId: info.path, targets: named, registered };
  }

  async drain(group: GroupRef, targets: readonly TargetStatus[], ctx: CallContext): Promise<void> {
    const { signal } = ctx;
    const info = await this.negInfo(group, signal);
    if (!DRAINABLE_TYPES.has(info.type)) {
      throw new DrainctlError('refused', `${info.path} is a ${info.type} network endpoint group: connection draining applies only to zonal (GCE_VM_IP_PORT) and hybrid (NON_GCP_PRIVATE_IP_PORT) NEGs`);
    }
    const attached = new Set((await this.endpoints(info, signal)).filter(isAttached).map(key));
    const networkEndpoints = targets.map((t) => endpointOf(info, t.ref, t.registration)).filter((e) => attached.has(`${e.ipAddress}:${e.port}`));
    if (networkEndpoints.length === 0) return;
    await mutateAndWait(this.api, info.project, 'networkEndpointGroups.detachNetworkEndpoints', info.path, { what: `detach ${networkEndpoints.length} endpoint(s) from ${info.path}`, signal }, ctx, (requestId, bounded) =>
      this.api.networkEndpointGroups.detachNetworkEndpoints({ project: info.project, zone: info.zone, networkEndpointGroup: info.name, requestId, networkEndpoints }, { signal: bounded }),
    );
  }

  async restore(group: GroupRef, targets: readonly RestoreRequest[], ctx: CallContext): Promise<void> {
    const { signal } = ctx;
    const info = await this.negInfo(group, signal);
    const attached = new Set((await this.endpoints(info, signal)).filter(isAttached).map(key));
    const networkEndpoints = targets.map((t) => endpointOf(info, t.ref, t.registration)).filter((e) => !attached.has(`${e.ipAddress}:${e.port}`));
    for (const e of networkEndpoints) {
      if (info.type === 'GCE_VM_IP_PORT' && e.instance === undefined) {
        throw usageError(`cannot attach ${e.ipAddress}:${e.port} to ${info.path}: no recorded registration names its VM, which a GCE_VM_IP_PORT endpoint needs`, `attach it with: gcloud compute network-endpoint-groups update ${info.name} --zone ${info.zone} --add-endpoint=instance=<vm>,ip=${e.ipAddress},port=${e.port}`);
      }
    }
    if (networkEndpoints.length === 0) return;
    await mutateAndWait(this.api, info.project, 'networkEndpointGroups.attachNetworkEndpoints', info.path, { what: `attach ${networkEndpoints.length} endpoint(s) to ${info.path}`, signal }, ctx, (requestId, bounded) =>
      this.api.networkEndpointGroups.attachNetworkEndpoints({ project: info.project, zone: info.zone, networkEndpointGroup: info.name, requestId, networkEndpoints }, { signal: bounded }),
    );
  }

  /**
   * With no recorded registration, the endpoint as the reference names it. A GCE_VM_IP_PORT
   * endpoint needs its VM, which the reference does not name: refuse rather than guess.
   */
  registrationFor(ref: TargetRef): Registration {
    const target = parseEndpointTarget(ref.target);
    const group = `gcp-neg:${ref.group}`;
    if (target.port === undefined) throw usageError(`no registration was recorded for ${group}/${ref.target}, and the reference names no port`, `name the endpoint with its port: ${group}/${target.ipAddress}:<port>`);
    const info = this.known.get(ref.group);
    if (info === undefined || info.type === 'GCE_VM_IP_PORT') {
      throw usageError(`no registration was recorded for ${group}/${ref.target}, and a GCE_VM_IP_PORT endpoint cannot be attached without its VM`, `attach it with: gcloud compute network-endpoint-groups update ${parseZonalGroup(ref.group).name} --zone ${parseZonalGroup(ref.group).zone} --add-endpoint=instance=<vm>,ip=${target.ipAddress},port=${target.port}`);
    }
    return { ipAddress: target.ipAddress, port: target.port };
  }

  async getTimeout(group: GroupRef, ctx: CallContext): Promise<TimeoutSetting> {
    const { signal } = ctx;
    const info = await this.negInfo(group, signal);
    return groupTimeout(await servicesUsing(this.api, info.project, info.path, { what: `find the backend services that use ${info.path}`, signal }), { networkEndpointType: info.type });
  }

  async setTimeout(group: GroupRef, _seconds: number, ctx: CallContext): Promise<TimeoutSetting> {
    const { signal } = ctx;
    const info = await this.negInfo(group, signal);
    throw noTimeoutOfItsOwn(`gcp-neg:${group.group}`, await servicesUsing(this.api, info.project, info.path, { what: `find the backend services that use ${info.path}`, signal }));
  }

  close(): void {
    this.api.close();
  }

  private negInfo(group: GroupRef, signal?: AbortSignal): Promise<NegInfo> {
    return this.groups.get(group.group, signal);
  }

  private async lookUp(text: string, signal?: AbortSignal): Promise<NegInfo> {
    const g = parseZonalGroup(text, {}, 'network endpoint group');
    const path = `projects/${g.project}/zones/${g.zone}/networkEndpointGroups/${g.name}`;
    const neg = await this.api.call('networkEndpointGroups.get', path, { what: `look up network endpoint group ${path}`, signal, notFound: `network endpoint group ${g.name} not found in project ${g.project}, zone ${g.zone}`, notFoundHint: 'check the project, zone and name: gcloud compute network-endpoint-groups list' }, (s) =>
      this.api.networkEndpointGroups.get({ project: g.project, zone: g.zone, networkEndpointGroup: g.name }, { signal: s }),
    );
    const info = { ...g, path, type: neg.networkEndpointType ?? 'GCE_VM_IP_PORT' };
    this.known.set(text, info);
    return info;
  }

  private async endpoints(info: NegInfo, signal?: AbortSignal): Promise<Endpoint[]> {
    const items = await this.api.call('networkEndpointGroups.listNetworkEndpoints', info.path, { what: `list endpoints of ${info.path}`, signal, notFound: `network endpoint group ${info.path} not found` }, (s) =>
      this.api.networkEndpointGroups.listNetworkEndpoints({ project: info.project, zone: info.zone, networkEndpointGroup: info.name }, { signal: s }),
    );
    return items
      .filter((i) => i.networkEndpoint?.ipAddress && i.networkEndpoint.port)
      .map((i) => ({ instance: i.networkEndpoint!.instance ?? undefined, ipAddress: i.networkEndpoint!.ipAddress!, port: i.networkEndpoint!.port!, healthStates: (i.healths ?? []).map((h) => h.healthState ?? 'UNKNOWN') }));
  }
}

const key = (e: { ipAddress: string; port: number }): string => `${e.ipAddress}:${e.port}`;
const isAttached = (e: Endpoint): boolean => !e.healthStates.includes('DRAINING');

function registrationOf(e: Endpoint): Registration {
  return e.instance === undefined ? { ipAddress: e.ipAddress, port: e.port } : { instance: e.instance, ipAddress: e.ipAddress, port: e.port };
}

function toStatus(group: GroupRef, e: Endpoint): TargetStatus {
  const ref: TargetRef = { kind: 'target', provider: 'gcp-neg', group: group.group, target: formatEndpointTarget({ ipAddress: e.ipAddress, port: e.port }) };
  const registration = registrationOf(e);
  if (!isAttached(e)) return { ref, state: 'draining', health: 'unknown', raw: { state: 'DRAINING', description: 'detached; in-flight connections may continue until the draining timeout' }, registration };
  const health = mergeHealth(e.healthStates.filter((s) => s !== 'UNKNOWN'));
  return { ref, state: 'active', health, raw: { state: 'ATTACHED', reason: e.healthStates.join(',') || undefined, description: e.healthStates.length === 0 ? 'no backend service reports health for this endpoint' : undefined }, registration };
}

function absent(ref: TargetRef, info: NegInfo): TargetStatus {
  return { ref, state: 'absent', health: 'unknown', raw: { state: 'NOT_ATTACHED', description: `not an endpoint of ${info.path}` } };
}

/** The endpoint to detach or attach: as recorded, or as the reference names it. */
function endpointOf(info: NegInfo, ref: TargetRef, registration: Registration | undefined): { instance?: string; ipAddress: string; port: number } {
  if (registration && typeof registration.ipAddress === 'string' && typeof registration.port === 'number') {
    return typeof registration.instance === 'string' ? { instance: registration.instance, ipAddress: registration.ipAddress, port: registration.port } : { ipAddress: registration.ipAddress, port: registration.port };
  }
  const target = parseEndpointTarget(ref.target);
  if (target.port === undefined) throw usageError(`${ref.target} names no port, and no registration was recorded for it in ${info.path}`, `name the endpoint with its port: gcp-neg:${ref.group}/${target.ipAddress}:<port>`);
  return { ipAddress: target.ipAddress, port: target.port };
}
