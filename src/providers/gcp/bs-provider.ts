import { DrainctlError, notFoundError, throwIfAborted, usageError } from '../../core/errors.js';
import type { DrainProvider, GroupSnapshot, RestoreRequest, TimeoutSetting } from '../../core/provider.js';
import type { CallContext } from '../../core/call.js';
import { gcpBsDescriptor } from './descriptors.js';
import type { GroupRef, TargetRef } from '../../core/refs.js';
import type { Registration, TargetStatus } from '../../core/state.js';
import type { ProviderOptions } from '../options.js';
import { ComputeApi } from './client.js';
import { mutateAndWait } from './operations.js';
import { groupHealth, mergeHealth, serviceRef } from './services.js';
import { formatBackendTarget, parseBackendTarget, parseServiceGroup, type ServiceGroup } from './syntax.js';
import { locationPath, resourcePath } from './urls.js';

/** The parts of a BackendService drainctl reads (the SDK's IBackendService). */
interface Service {
  backends?: Backend[] | null;
  fingerprint?: string | null;
  loadBalancingScheme?: string | null;
  protocol?: string | null;
  connectionDraining?: { drainingTimeoutSec?: number | null } | null;
}
type Backend = { group?: string | null; balancingMode?: string | null; capacityScaler?: number | null } & Record<string, unknown>;

/** Backend fields kept in a registration: the ones that say how the backend takes traffic. */
const REGISTRATION_FIELDS = ['group', 'balancingMode', 'capacityScaler', 'maxUtilization', 'maxRate', 'maxRatePerInstance', 'maxRatePerEndpoint', 'maxConnections', 'maxConnectionsPerInstance', 'maxConnectionsPerEndpoint'] as const;
/** Tries of one read-modify-write before giving up on a service that keeps changing under us. */
const PATCH_ATTEMPTS = 3;
/** Passthrough Network Load Balancers: the API refuses capacityScaler on their backend services. */
const PASSTHROUGH = new Set(['INTERNAL', 'EXTERNAL']);

interface ServiceInfo extends ServiceGroup {
  readonly path: string;
  readonly ref: string;
}

/**
 * Whole backends (an instance group or NEG) of a backend service. Draining = capacityScaler 0
 * ("the group is completely drained, offering 0% of its available capacity"); restore = the
 * capacityScaler recorded before. PATCH replaces the backends array wholesale, so each change
 * re-reads the service and resends every backend as it is, with its fingerprint; a 412 means
 * someone else changed it in between: read again and redo, never overwrite.
 */
export class GcpBackendServiceProvider implements DrainProvider {
  readonly descriptor = gcpBsDescriptor;

  constructor(private readonly api: ComputeApi) {}

  static async create(options: ProviderOptions): Promise<GcpBackendServiceProvider> {
    return new GcpBackendServiceProvider(await ComputeApi.create(options));
  }

  async describe(group: GroupRef, targets: readonly TargetRef[] | 'all', ctx: CallContext): Promise<GroupSnapshot> {
    const { signal } = ctx;
    throwIfAborted(signal);
    const info = serviceInfo(group);
    const service = await this.read(info, signal);
    const backends = (service.backends ?? []).filter((b) => b.group);
    // Health of every serving backend, named or not: the last-healthy-backend check needs them all.
    const health = await Promise.all(backends.map((b) => (isDrained(b) ? Promise.resolve(undefined) : this.health(info, b, signal))));
    const registered = backends.map((b, i) => toStatus(group, b, health[i]));
    // A backend at capacityScaler 0 has been taken out: like a deregistered target, it is not listed with the group's targets.
    if (targets === 'all') return { group, providerId: info.path, targets: registered.filter((s) => s.state === 'active'), registered };
    const named = targets.map((ref) => registered.find((s) => s.ref.target === ref.target) ?? absent(ref, info));
    return { group, providerId: info.path, targets: named, registered };
  }

  async drain(group: GroupRef, targets: readonly TargetStatus[], ctx: CallContext): Promise<void> {
    await this.setCapacity(serviceInfo(group), new Map(targets.map((t) => [t.ref.target, 0])), ctx);
  }

  async restore(group: GroupRef, targets: readonly RestoreRequest[], ctx: CallContext): Promise<void> {
    const values = new Map(targets.map((t) => [t.ref.target, recordedScaler(t)]));
    await this.setCapacity(serviceInfo(group), values, ctx);
  }

  /** Refuses, before anything changes, a drain the API would reject (passthrough, only backend, no balancingMode). */
  async checkDrain(group: GroupRef, targets: readonly TargetStatus[], ctx: CallContext): Promise<void> {
    const { signal } = ctx;
    const info = serviceInfo(group);
    checkCapacityChange(info, await this.read(info, signal), new Map(targets.map((t) => [t.ref.target, 0])));
  }

  /** With no recorded registration: full capacity (capacityScaler 1, the API's default). */
  registrationFor(ref: TargetRef): Registration {
    parseBackendTarget(ref.target);
    return { capacityScaler: 1 };
  }

  async getTimeout(group: GroupRef, ctx: CallContext): Promise<TimeoutSetting> {
    const { signal } = ctx;
    const info = serviceInfo(group);
    return toTimeout(await this.read(info, signal));
  }

  async setTimeout(group: GroupRef, seconds: number, ctx: CallContext): Promise<TimeoutSetting> {
    const { signal } = ctx;
    const info = serviceInfo(group);
    for (let attempt = 1; attempt <= PATCH_ATTEMPTS; attempt++) {
      const service = await this.read(info, signal);
      if (await this.patch(info, { connectionDraining: { drainingTimeoutSec: seconds }, fingerprint: service.fingerprint }, `set the draining timeout of ${info.ref} to ${seconds}s`, ctx)) {
        return toTimeout({ ...service, connectionDraining: { drainingTimeoutSec: seconds } });
      }
    }
    throw keptChanging(info);
  }

  close(): void {
    this.api.close();
  }

  /**
   * Sets capacityScaler on named backends, checking the API's rules first so that a refusal
   * comes before any change: not on passthrough services, not on the only backend, only on
   * backends with a balancingMode, and only 0 or 0.1-1.
   */
  private async setCapacity(info: ServiceInfo, values: ReadonlyMap<string, number>, ctx: CallContext): Promise<void> {
    const { signal } = ctx;
    for (const [target, value] of values) {
      if (!(value === 0 || (value >= 0.1 && value <= 1))) throw usageError(`capacityScaler ${value} for ${target} is not allowed: it must be 0 or 0.1-1`, 'restore puts back the value recorded before the drain');
    }
    for (let attempt = 1; attempt <= PATCH_ATTEMPTS; attempt++) {
      const service = await this.read(info, signal);
      checkCapacityChange(info, service, values);
      const backends = service.backends ?? [];
      const changed = backends.some((b) => values.has(backendTarget(b)) && scalerOf(b) !== values.get(backendTarget(b)));
      if (!changed) return;
      // Every backend is resent as read (balancingMode, max* targets…): the array is replaced wholesale.
      const next = backends.map((b) => (values.has(backendTarget(b)) ? { ...b, capacityScaler: values.get(backendTarget(b))! } : { ...b }));
      const what = `set capacityScaler of ${[...values].map(([t, v]) => `${t}=${v}`).join(', ')} on ${info.ref}`;
      if (await this.patch(info, { backends: next, fingerprint: service.fingerprint }, what, ctx)) return;
    }
    throw keptChanging(info);
  }

  /** PATCHes with the fingerprint read just before; false on 412 (changed meanwhile: read again). */
  private async patch(info: ServiceInfo, resource: Service, what: string, ctx: CallContext): Promise<boolean> {
    const method = info.location === 'global' ? 'backendServices.patch' : 'regionBackendServices.patch';
    try {
      await mutateAndWait(this.api, info.project, method, info.path, { what, signal: ctx.signal, notFound: `backend service ${info.ref} not found` }, ctx, (requestId, signal) => {
        const request = { project: info.project, backendService: info.name, requestId, backendServiceResource: resource };
        return info.location === 'global' ? this.api.backendServices.patch(request, { signal }) : this.api.regionBackendServices.patch({ ...request, region: info.location }, { signal });
      });
      return true;
    } catch (error) {
      if (error instanceof DrainctlError && error.details.httpStatus === 412) return false;
      throw error;
    }
  }

  private async read(info: ServiceInfo, signal?: AbortSignal): Promise<Service> {
    const context = { what: `read backend service ${info.ref}`, signal, notFound: `backend service ${info.name} not found in project ${info.project} (${info.location})`, notFoundHint: 'check the project, region (or global) and name: gcloud compute backend-services list' };
    const service = await this.api.call(info.location === 'global' ? 'backendServices.get' : 'regionBackendServices.get', info.path, context, (s) =>
      info.location === 'global'
        ? this.api.backendServices.get({ project: info.project, backendService: info.name }, { signal: s })
        : this.api.regionBackendServices.get({ project: info.project, region: info.location, backendService: info.name }, { signal: s }),
    );
    return service as Service;
  }

  private async health(info: ServiceInfo, backend: Backend, signal?: AbortSignal): Promise<TargetStatus['health']> {
    const report = await groupHealth(this.api, info, backend.group!, { what: `read health of ${backendTarget(backend)} on ${info.ref}`, signal });
    const states = report.map((h) => h.healthState ?? 'UNKNOWN');
    // A backend serves when any member passes its health check.
    return states.includes('HEALTHY') ? 'healthy' : mergeHealth(states);
  }
}

function serviceInfo(group: GroupRef): ServiceInfo {
  const g = parseServiceGroup(group.group);
  return { ...g, path: `projects/${g.project}/${locationPath(g.location)}/backendServices/${g.name}`, ref: serviceRef(g) };
}

/** `ig:<zone>:<name>` or `neg:<zone>:<name>` from a backend's group URL. */
export function backendTarget(backend: Backend): string {
  const path = resourcePath(backend.group ?? '');
  const m = /^projects\/[^/]+\/(?:(?:zones|regions)\/([^/]+)|(global))\/(instanceGroups|networkEndpointGroups)\/([^/]+)$/.exec(path);
  if (!m) return path;
  return formatBackendTarget({ kind: m[3] === 'instanceGroups' ? 'ig' : 'neg', location: m[1] ?? m[2]!, name: m[4]! });
}

function scalerOf(backend: Backend): number {
  return typeof backend.capacityScaler === 'number' ? backend.capacityScaler : 1;
}

function isDrained(backend: Backend): boolean {
  return backend.capacityScaler === 0;
}

function toStatus(group: GroupRef, backend: Backend, health: TargetStatus['health'] | undefined): TargetStatus {
  const ref: TargetRef = { kind: 'target', provider: 'gcp-bs', group: group.group, target: backendTarget(backend) };
  if (isDrained(backend)) {
    return { ref, state: 'drained', health: 'unknown', raw: { state: 'capacityScaler 0', reason: backend.balancingMode ?? undefined, description: 'takes no new traffic (capacityScaler 0)' } };
  }
  const registration: Record<string, unknown> = {};
  for (const field of REGISTRATION_FIELDS) {
    const value = backend[field];
    if (value !== undefined && value !== null) registration[field] = value;
  }
  return { ref, state: 'active', health: health ?? 'unknown', raw: { state: `capacityScaler ${scalerOf(backend)}`, reason: backend.balancingMode ?? undefined }, registration };
}

function absent(ref: TargetRef, info: ServiceInfo): TargetStatus {
  return { ref, state: 'absent', health: 'unknown', raw: { state: 'NOT_A_BACKEND', description: `not a backend of ${info.ref}` } };
}

/** The capacityScaler to put back: the recorded one, else 1 (the API's default). */
function recordedScaler(request: RestoreRequest): number {
  const recorded = request.registration?.capacityScaler;
  return typeof recorded === 'number' && recorded > 0 ? recorded : 1;
}

function toTimeout(service: Service): TimeoutSetting {
  const seconds = service.connectionDraining?.drainingTimeoutSec ?? 0;
  return { seconds, enabled: seconds > 0, extra: { loadBalancingScheme: service.loadBalancingScheme ?? undefined, protocol: service.protocol ?? undefined } };
}

function keptChanging(info: ServiceInfo): DrainctlError {
  return new DrainctlError('provider', `backend service ${info.ref} changed ${PATCH_ATTEMPTS} times while drainctl was updating it (412 conditionNotMet each time)`, {
    retryable: 'transient',
    hint: 'another tool is editing it; try again once it settles',
  });
}

/** The API's rules for capacityScaler, checked against the service as read. */
function checkCapacityChange(info: ServiceInfo, service: Service, values: ReadonlyMap<string, number>): void {
  const scheme = service.loadBalancingScheme ?? '';
  if (PASSTHROUGH.has(scheme)) {
    throw new DrainctlError('refused', `${info.ref} is a passthrough Network Load Balancer backend service (loadBalancingScheme ${scheme}): the API does not allow capacityScaler there`, {
      hint: 'drain its members instead (gcp-ig:<project>/<zone>/<instance-group>/<instance> or gcp-neg:…/<ip>:<port>): removing a member does drain on passthrough load balancers',
    });
  }
  const backends = service.backends ?? [];
  for (const target of values.keys()) {
    const backend = backends.find((b) => b.group && backendTarget(b) === target);
    if (!backend) throw notFoundError(`backend service ${info.ref} has no backend ${target} (backends: ${backends.map(backendTarget).join(', ') || 'none'})`, `check with: drainctl status ${info.ref}`);
    if (!backend.balancingMode) throw new DrainctlError('refused', `backend ${target} of ${info.ref} has no balancingMode, so capacityScaler does not apply to it`);
  }
  if (backends.length === 1 && [...values.values()].includes(0)) {
    throw new DrainctlError('refused', `${[...values.keys()][0]} is the only backend of ${info.ref}: the API does not allow capacityScaler 0 on a service's only backend`, {
      hint: 'add another backend first, or drain its members one by one with gcp-ig or gcp-neg references',
    });
  }
}
