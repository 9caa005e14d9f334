/**
 * The emulated projects in memory: VMs, instance groups (unmanaged and managed), zonal network
 * endpoint groups and backend services, built from a validated seed. Handlers read and change
 * this model; nothing here knows about HTTP.
 */
import { createHash } from 'node:crypto';
import { notFound } from './errors.js';
import { isPassthrough, seedGroupPath, type BackendSeed, type GcpSeed, type InstanceStatus, type LoadBalancingScheme, type NegType, type SeedHealth } from './seed.js';
import { resourceUrl, type ScopePath } from './urls.js';

export interface VmState {
  readonly name: string;
  readonly zone: string;
  readonly id: string;
  readonly ip: string;
  readonly status: InstanceStatus;
  readonly health: SeedHealth | undefined;
}

export interface InstanceGroupState {
  readonly name: string;
  readonly zone: string;
  readonly id: string;
  readonly namedPorts: readonly { name: string; port: number }[];
  /** Member VM name → when it joined (ms epoch); health checks pass `healthyAfterMs` after that. */
  readonly members: Map<string, number>;
  /** The managed instance group that owns this group, if any. */
  readonly managedBy: string | undefined;
}

export interface ManagedGroupState {
  readonly name: string;
  readonly zone: string;
  readonly id: string;
}

export interface EndpointState {
  readonly instance: string | undefined;
  readonly ipAddress: string;
  readonly port: number;
  readonly addedAt: number;
  readonly health: SeedHealth | undefined;
}

export interface NegState {
  readonly name: string;
  readonly zone: string;
  readonly id: string;
  readonly type: NegType;
  readonly defaultPort: number | undefined;
  /** By `ip:port`. */
  readonly endpoints: Map<string, EndpointState>;
  /** Detached endpoints still shown as DRAINING (only with `showDrainingEndpoints`), by `ip:port`. */
  readonly draining: Map<string, { endpoint: EndpointState; until: number }>;
}

/** A backend as stored: the API's own field names, so GET returns what PATCH set. */
export type BackendRecord = Readonly<Record<string, string | number | boolean>> & { readonly group: string };

export interface BackendServiceState {
  readonly name: string;
  /** `global` or `regions/<region>`. */
  readonly scope: ScopePath;
  readonly id: string;
  readonly scheme: LoadBalancingScheme;
  readonly protocol: string;
  readonly creationTimestamp: string;
  drainingTimeoutSec: number | undefined;
  backends: BackendRecord[];
  fingerprint: string;
  description: string | undefined;
}

export interface ProjectState {
  readonly id: string;
  readonly vms: Map<string, VmState>;
  readonly groups: Map<string, InstanceGroupState>;
  readonly managedGroups: Map<string, ManagedGroupState>;
  readonly negs: Map<string, NegState>;
  /** By `<scope>/<name>`. */
  readonly services: Map<string, BackendServiceState>;
}

/** Fields a backend keeps; everything else a client sends is dropped, as the API drops output-only fields. */
export const BACKEND_FIELDS = [
  'group',
  'balancingMode',
  'capacityScaler',
  'maxUtilization',
  'maxRate',
  'maxRatePerInstance',
  'maxRatePerEndpoint',
  'maxConnections',
  'maxConnectionsPerInstance',
  'maxConnectionsPerEndpoint',
  'description',
  'failover',
] as const;

const key = (zone: string, name: string): string => `${zone}/${name}`;

/** The emulated Compute Engine state of every seeded project. */
export class World {
  readonly projects = new Map<string, ProjectState>();
  private nextId = 1n;
  private fingerprints = 0;

  constructor(
    seed: GcpSeed,
    readonly healthyAfterMs: number,
    readonly startedAt: number,
    readonly showDrainingEndpoints: boolean,
  ) {
    for (const [id, p] of Object.entries(seed.projects ?? {})) this.projects.set(id, this.buildProject(id, p));
  }

  /** A numeric resource id, as Compute Engine's uint64 ids are sent: a decimal string. */
  newId(): string {
    return String(4_000_000_000_000_000_000n + this.nextId++);
  }

  /** A fresh base64 fingerprint; it changes on every applied patch. */
  newFingerprint(seed: string): string {
    return createHash('sha256').update(`${seed}:${this.fingerprints++}`).digest().subarray(0, 8).toString('base64');
  }

  project(id: string): ProjectState {
    const project = this.projects.get(id);
    if (!project) throw notFound(`projects/${id}`);
    return project;
  }

  vm(project: ProjectState, zone: string, name: string): VmState | undefined {
    return project.vms.get(key(zone, name));
  }

  group(project: ProjectState, zone: string, name: string): InstanceGroupState {
    const group = project.groups.get(key(zone, name));
    if (!group) throw notFound(`projects/${project.id}/zones/${zone}/instanceGroups/${name}`);
    return group;
  }

  neg(project: ProjectState, zone: string, name: string): NegState {
    const neg = project.negs.get(key(zone, name));
    if (!neg) throw notFound(`projects/${project.id}/zones/${zone}/networkEndpointGroups/${name}`);
    return neg;
  }

  service(project: ProjectState, scope: ScopePath, name: string): BackendServiceState {
    const service = project.services.get(`${scope}/${name}`);
    if (!service) throw notFound(`projects/${project.id}/${scope}/backendServices/${name}`);
    return service;
  }

  /** Backend services with a backend whose group is `groupPath` (`projects/p/zones/z/…`). */
  servicesUsing(project: ProjectState, groupPath: string): BackendServiceState[] {
    const url = resourceUrl(groupPath);
    return [...project.services.values()].filter((s) => s.backends.some((b) => b.group === url));
  }

  /** How a health check sees a VM: pinned by the seed, failing when not RUNNING, else passing once `healthyAfterMs` has passed. */
  healthState(vm: VmState | undefined, pinned: SeedHealth | undefined, addedAt: number, now: number): 'HEALTHY' | 'UNHEALTHY' {
    if (vm && vm.status !== 'RUNNING') return 'UNHEALTHY';
    const health = pinned ?? vm?.health;
    if (health) return health;
    return now - addedAt >= this.healthyAfterMs ? 'HEALTHY' : 'UNHEALTHY';
  }

  /** The largest draining timeout of the services that use a group (0 when none sets one). */
  drainingTimeoutFor(project: ProjectState, groupPath: string): number {
    return Math.max(0, ...this.servicesUsing(project, groupPath).map((s) => s.drainingTimeoutSec ?? 0));
  }

  private buildProject(id: string, seed: NonNullable<GcpSeed['projects']>[string]): ProjectState {
    const project: ProjectState = { id, vms: new Map(), groups: new Map(), managedGroups: new Map(), negs: new Map(), services: new Map() };
    // Seeded members have been there long enough to pass their health checks.
    const seededAt = this.startedAt - this.healthyAfterMs;
    let ipIndex = 0;
    for (const [zone, z] of Object.entries(seed.zones ?? {})) {
      for (const vm of z.instances ?? []) {
        const ip = vm.ip ?? `10.128.${Math.floor(ipIndex / 250)}.${2 + (ipIndex % 250)}`;
        ipIndex += 1;
        project.vms.set(key(zone, vm.name), { name: vm.name, zone, id: this.newId(), ip, status: vm.status ?? 'RUNNING', health: vm.health });
      }
      for (const g of z.instanceGroups ?? []) {
        project.groups.set(key(zone, g.name), { name: g.name, zone, id: this.newId(), namedPorts: g.namedPorts ?? [], members: new Map((g.instances ?? []).map((n) => [n, seededAt])), managedBy: undefined });
      }
      for (const m of z.managedInstanceGroups ?? []) {
        project.managedGroups.set(key(zone, m.name), { name: m.name, zone, id: this.newId() });
        project.groups.set(key(zone, m.name), { name: m.name, zone, id: this.newId(), namedPorts: m.namedPorts ?? [], members: new Map((m.instances ?? []).map((n) => [n, seededAt])), managedBy: m.name });
      }
      for (const n of z.networkEndpointGroups ?? []) {
        const neg: NegState = { name: n.name, zone, id: this.newId(), type: n.networkEndpointType ?? 'GCE_VM_IP_PORT', defaultPort: n.defaultPort, endpoints: new Map(), draining: new Map() };
        for (const e of n.endpoints ?? []) {
          const ipAddress = e.ipAddress ?? project.vms.get(key(zone, e.instance ?? ''))!.ip;
          const port = e.port ?? n.defaultPort!;
          neg.endpoints.set(`${ipAddress}:${port}`, { instance: e.instance, ipAddress, port, addedAt: seededAt, health: e.health });
        }
        project.negs.set(key(zone, n.name), neg);
      }
    }
    const scopes: [ScopePath, NonNullable<typeof seed.global>][] = [['global', seed.global ?? {}], ...Object.entries(seed.regions ?? {}).map(([r, s]) => [`regions/${r}` as ScopePath, s] as [ScopePath, typeof s])];
    for (const [scope, s] of scopes) {
      for (const svc of s.backendServices ?? []) {
        const scheme = svc.loadBalancingScheme ?? 'EXTERNAL_MANAGED';
        project.services.set(`${scope}/${svc.name}`, {
          name: svc.name,
          scope,
          id: this.newId(),
          scheme,
          protocol: svc.protocol ?? (isPassthrough(scheme) ? 'TCP' : 'HTTP'),
          creationTimestamp: new Date(this.startedAt).toISOString(),
          drainingTimeoutSec: svc.drainingTimeoutSec,
          backends: (svc.backends ?? []).map((b) => seedBackend(b, id, scheme)),
          fingerprint: this.newFingerprint(`${id}/${scope}/${svc.name}`),
          description: undefined,
        });
      }
    }
    return project;
  }
}

function seedBackend(b: BackendSeed, project: string, scheme: LoadBalancingScheme): BackendRecord {
  const record: Record<string, string | number | boolean> = { group: resourceUrl(`projects/${project}/${seedGroupPath(b.group, project)!}`) };
  record.balancingMode = b.balancingMode ?? (isPassthrough(scheme) ? 'CONNECTION' : 'UTILIZATION');
  if (!isPassthrough(scheme)) record.capacityScaler = b.capacityScaler ?? 1;
  for (const field of BACKEND_FIELDS) {
    const value = (b as unknown as Record<string, unknown>)[field];
    if (field !== 'group' && field !== 'balancingMode' && field !== 'capacityScaler' && value !== undefined) record[field] = value as string | number;
  }
  return record as BackendRecord;
}
