/**
 * The seed: the projects, VMs, instance groups, network endpoint groups and backend services the
 * emulator starts with. Validation is strict (unknown fields are errors) so that a typo in a seed
 * file fails loudly, in one line naming the field's path, instead of starting an emulator that
 * differs from what the author meant.
 */
import { SeedReader, fieldPath, findRepeat, readSeedFile } from '../shared/seed.js';

/** A health a seed can pin a VM or endpoint to; left out, it is HEALTHY (seeded members start healthy). */
export type SeedHealth = 'HEALTHY' | 'UNHEALTHY';

export const INSTANCE_STATUSES = ['RUNNING', 'STAGING', 'STOPPING', 'STOPPED', 'SUSPENDED', 'TERMINATED'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

export const LOAD_BALANCING_SCHEMES = ['EXTERNAL', 'EXTERNAL_MANAGED', 'INTERNAL', 'INTERNAL_MANAGED', 'INTERNAL_SELF_MANAGED'] as const;
export type LoadBalancingScheme = (typeof LOAD_BALANCING_SCHEMES)[number];

export const BACKEND_PROTOCOLS = ['HTTP', 'HTTPS', 'HTTP2', 'TCP', 'SSL', 'UDP', 'GRPC', 'UNSPECIFIED'] as const;
export const BALANCING_MODES = ['UTILIZATION', 'RATE', 'CONNECTION'] as const;
export type BalancingMode = (typeof BALANCING_MODES)[number];
export const NEG_TYPES = ['GCE_VM_IP_PORT', 'NON_GCP_PRIVATE_IP_PORT'] as const;
export type NegType = (typeof NEG_TYPES)[number];

/** Passthrough Network Load Balancers: no capacityScaler, CONNECTION balancing only. */
export function isPassthrough(scheme: LoadBalancingScheme): boolean {
  return scheme === 'INTERNAL' || scheme === 'EXTERNAL';
}

export interface InstanceSeed {
  readonly name: string;
  /** Primary internal IPv4; default 10.128.x.y, assigned in seed order. */
  readonly ip?: string;
  /** Default RUNNING; anything else fails health checks. */
  readonly status?: InstanceStatus;
  readonly health?: SeedHealth;
}

export interface NamedPortSeed {
  readonly name: string;
  readonly port: number;
}

/** An unmanaged instance group; `instances` are names of VMs in the same zone. */
export interface InstanceGroupSeed {
  readonly name: string;
  readonly namedPorts?: readonly NamedPortSeed[];
  readonly instances?: readonly string[];
}

/** A managed instance group; its instance group (same name, same zone) is created with it. */
export interface ManagedInstanceGroupSeed {
  readonly name: string;
  readonly namedPorts?: readonly NamedPortSeed[];
  readonly instances?: readonly string[];
}

export interface NetworkEndpointSeed {
  /** Required for GCE_VM_IP_PORT; not allowed for NON_GCP_PRIVATE_IP_PORT. */
  readonly instance?: string;
  /** Default: the instance's IP. */
  readonly ipAddress?: string;
  /** Default: the group's defaultPort. */
  readonly port?: number;
  readonly health?: SeedHealth;
}

/** A zonal network endpoint group. */
export interface NetworkEndpointGroupSeed {
  readonly name: string;
  /** Default GCE_VM_IP_PORT. */
  readonly networkEndpointType?: NegType;
  readonly defaultPort?: number;
  readonly endpoints?: readonly NetworkEndpointSeed[];
}

export interface ZoneSeed {
  readonly instances?: readonly InstanceSeed[];
  readonly instanceGroups?: readonly InstanceGroupSeed[];
  readonly managedInstanceGroups?: readonly ManagedInstanceGroupSeed[];
  readonly networkEndpointGroups?: readonly NetworkEndpointGroupSeed[];
}

/** One backend of a backend service. */
export interface BackendSeed {
  /** `zones/<zone>/instanceGroups/<name>` or `zones/<zone>/networkEndpointGroups/<name>` (or a full URL). */
  readonly group: string;
  /** Default UTILIZATION, or CONNECTION on a passthrough service. */
  readonly balancingMode?: BalancingMode;
  /** Default 1 (left out on passthrough services). 0, or 0.1-1. */
  readonly capacityScaler?: number;
  readonly maxUtilization?: number;
  readonly maxRate?: number;
  readonly maxRatePerInstance?: number;
  readonly maxRatePerEndpoint?: number;
  readonly maxConnections?: number;
  readonly maxConnectionsPerInstance?: number;
  readonly maxConnectionsPerEndpoint?: number;
  readonly description?: string;
}

export interface BackendServiceSeed {
  readonly name: string;
  /** Default EXTERNAL_MANAGED. */
  readonly loadBalancingScheme?: LoadBalancingScheme;
  /** Default HTTP (TCP on a passthrough service). */
  readonly protocol?: (typeof BACKEND_PROTOCOLS)[number];
  /** connectionDraining.drainingTimeoutSec, 0-3600; left out, the field is absent (draining off). */
  readonly drainingTimeoutSec?: number;
  readonly backends?: readonly BackendSeed[];
}

export interface ScopeSeed {
  readonly backendServices?: readonly BackendServiceSeed[];
}

export interface ProjectSeed {
  /** By zone name (us-central1-a). */
  readonly zones?: Readonly<Record<string, ZoneSeed>>;
  /** Regional backend services, by region name (us-central1). */
  readonly regions?: Readonly<Record<string, ScopeSeed>>;
  /** Global backend services. */
  readonly global?: ScopeSeed;
}

/** The whole seed document. */
export interface GcpSeed {
  /** By project ID. */
  readonly projects?: Readonly<Record<string, ProjectSeed>>;
}

export const PROJECT_PATTERN = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
export const NAME_PATTERN = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
export const ZONE_PATTERN = /^[a-z]+-[a-z]+[0-9]+-[a-z]$/;
export const REGION_PATTERN = /^[a-z]+-[a-z]+[0-9]+$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const NAME_PHRASE = 'must be a lowercase RFC 1035 name (a letter, then up to 62 letters, digits or hyphens, not ending with a hyphen)';

/** The shared reader, with Compute Engine names and the wording of its repeats. */
class GcpSeedReader extends SeedReader {
  constructor(source: string) {
    super(source, { quoteOddTopLevelKeys: true });
  }

  name(value: unknown, path: string): string {
    return this.string(value, path, NAME_PATTERN, NAME_PHRASE) ?? this.fail(path, 'is required');
  }

  unique(names: readonly string[], path: string, what: string): void {
    const repeat = findRepeat(names);
    if (repeat) this.fail(`${path}[${repeat.index}]`, `repeats the ${what} "${repeat.key}" of ${path}[${repeat.first}]`);
  }
}

function readNamedPorts(r: GcpSeedReader, value: unknown, path: string): NamedPortSeed[] {
  return r.array(value, path).map((v, i) => {
    const o = r.object(v, `${path}[${i}]`, ['name', 'port']);
    return { name: r.name(o.name, `${path}[${i}].name`), port: r.integer(o.port, `${path}[${i}].port`, 1, 65535) ?? r.fail(`${path}[${i}].port`, 'is required') };
  });
}

function readMembers(r: GcpSeedReader, value: unknown, path: string, instances: ReadonlySet<string>, zone: string): string[] {
  const names = r.array(value, path).map((v, i) => {
    const name = r.name(v, `${path}[${i}]`);
    if (!instances.has(name)) r.fail(`${path}[${i}]`, `names "${name}", which is not in the instances of zone ${zone}`);
    return name;
  });
  r.unique(names, path, 'instance');
  return names;
}

function readZone(r: GcpSeedReader, value: unknown, path: string, zone: string): ZoneSeed {
  const o = r.object(value, path, ['instances', 'instanceGroups', 'managedInstanceGroups', 'networkEndpointGroups']);
  const instances = r.array(o.instances, `${path}.instances`).map((v, i) => {
    const p = `${path}.instances[${i}]`;
    const inst = r.object(v, p, ['name', 'ip', 'status', 'health']);
    return {
      name: r.name(inst.name, `${p}.name`),
      ip: r.string(inst.ip, `${p}.ip`, IPV4, 'must be an IPv4 address'),
      status: r.oneOf(inst.status, `${p}.status`, INSTANCE_STATUSES),
      health: r.oneOf(inst.health, `${p}.health`, ['HEALTHY', 'UNHEALTHY'] as const),
    };
  });
  r.unique(instances.map((i) => i.name), `${path}.instances`, 'name');
  const byName = new Map(instances.map((i) => [i.name, i]));
  const names = new Set(byName.keys());

  const instanceGroups = r.array(o.instanceGroups, `${path}.instanceGroups`).map((v, i) => {
    const p = `${path}.instanceGroups[${i}]`;
    const g = r.object(v, p, ['name', 'namedPorts', 'instances']);
    return { name: r.name(g.name, `${p}.name`), namedPorts: readNamedPorts(r, g.namedPorts, `${p}.namedPorts`), instances: readMembers(r, g.instances, `${p}.instances`, names, zone) };
  });
  const managedInstanceGroups = r.array(o.managedInstanceGroups, `${path}.managedInstanceGroups`).map((v, i) => {
    const p = `${path}.managedInstanceGroups[${i}]`;
    const g = r.object(v, p, ['name', 'namedPorts', 'instances']);
    return { name: r.name(g.name, `${p}.name`), namedPorts: readNamedPorts(r, g.namedPorts, `${p}.namedPorts`), instances: readMembers(r, g.instances, `${p}.instances`, names, zone) };
  });
  // A managed group's instance group has the group's name, so the two share one namespace.
  r.unique([...instanceGroups.map((g) => g.name), ...managedInstanceGroups.map((g) => g.name)], `${path}.instanceGroups+managedInstanceGroups`, 'instance group name');

  const networkEndpointGroups = r.array(o.networkEndpointGroups, `${path}.networkEndpointGroups`).map((v, i) => {
    const p = `${path}.networkEndpointGroups[${i}]`;
    const g = r.object(v, p, ['name', 'networkEndpointType', 'defaultPort', 'endpoints']);
    const type = r.oneOf(g.networkEndpointType, `${p}.networkEndpointType`, NEG_TYPES) ?? 'GCE_VM_IP_PORT';
    const defaultPort = r.integer(g.defaultPort, `${p}.defaultPort`, 1, 65535);
    const endpoints = r.array(g.endpoints, `${p}.endpoints`).map((e, j) => {
      const ep = `${p}.endpoints[${j}]`;
      const eo = r.object(e, ep, ['instance', 'ipAddress', 'port', 'health']);
      const instance = eo.instance === undefined ? undefined : r.name(eo.instance, `${ep}.instance`);
      if (type === 'GCE_VM_IP_PORT' && instance === undefined) r.fail(`${ep}.instance`, 'is required for a GCE_VM_IP_PORT group');
      if (type === 'NON_GCP_PRIVATE_IP_PORT' && instance !== undefined) r.fail(`${ep}.instance`, 'must not be set for a NON_GCP_PRIVATE_IP_PORT group');
      if (instance !== undefined && !names.has(instance)) r.fail(`${ep}.instance`, `names "${instance}", which is not in the instances of zone ${zone}`);
      const ipAddress = r.string(eo.ipAddress, `${ep}.ipAddress`, IPV4, 'must be an IPv4 address');
      if (ipAddress === undefined && instance === undefined) r.fail(`${ep}.ipAddress`, 'is required without an instance');
      const port = r.integer(eo.port, `${ep}.port`, 1, 65535);
      if (port === undefined && defaultPort === undefined) r.fail(`${ep}.port`, `is required when ${p} has no defaultPort`);
      return { instance, ipAddress, port, health: r.oneOf(eo.health, `${ep}.health`, ['HEALTHY', 'UNHEALTHY'] as const) };
    });
    const keys = endpoints.map((e) => `${e.ipAddress ?? byName.get(e.instance ?? '')?.ip ?? `instance ${e.instance}`}:${e.port ?? defaultPort}`);
    r.unique(keys, `${p}.endpoints`, 'endpoint');
    return { name: r.name(g.name, `${p}.name`), networkEndpointType: type, defaultPort, endpoints };
  });
  r.unique(networkEndpointGroups.map((g) => g.name), `${path}.networkEndpointGroups`, 'name');
  return { instances, instanceGroups, managedInstanceGroups, networkEndpointGroups };
}

/** The groups a backend may name in one project: `zones/<z>/instanceGroups/<n>` and `zones/<z>/networkEndpointGroups/<n>`. */
function groupPaths(zones: Readonly<Record<string, ZoneSeed>>): Set<string> {
  const paths = new Set<string>();
  for (const [zone, z] of Object.entries(zones)) {
    for (const g of [...(z.instanceGroups ?? []), ...(z.managedInstanceGroups ?? [])]) paths.add(`zones/${zone}/instanceGroups/${g.name}`);
    for (const g of z.networkEndpointGroups ?? []) paths.add(`zones/${zone}/networkEndpointGroups/${g.name}`);
  }
  return paths;
}

/** `zones/z/…` from any way of writing a group reference in the seed's own project. */
export function seedGroupPath(group: string, project: string): string | undefined {
  const m = /^(?:https?:\/\/[^/]+\/compute\/v1\/)?(?:projects\/([^/]+)\/)?(zones\/[^/]+\/(?:instanceGroups|networkEndpointGroups)\/[^/]+)$/.exec(group);
  if (!m || (m[1] !== undefined && m[1] !== project)) return undefined;
  return m[2];
}

function readBackendService(r: GcpSeedReader, value: unknown, path: string, project: string, groups: ReadonlySet<string>): BackendServiceSeed {
  const o = r.object(value, path, ['name', 'loadBalancingScheme', 'protocol', 'drainingTimeoutSec', 'backends']);
  const scheme = r.oneOf(o.loadBalancingScheme, `${path}.loadBalancingScheme`, LOAD_BALANCING_SCHEMES) ?? 'EXTERNAL_MANAGED';
  const passthrough = isPassthrough(scheme);
  const backends = r.array(o.backends, `${path}.backends`).map((v, i) => {
    const p = `${path}.backends[${i}]`;
    const b = r.object(v, p, ['group', 'balancingMode', 'capacityScaler', 'maxUtilization', 'maxRate', 'maxRatePerInstance', 'maxRatePerEndpoint', 'maxConnections', 'maxConnectionsPerInstance', 'maxConnectionsPerEndpoint', 'description']);
    const group = r.string(b.group, `${p}.group`) ?? r.fail(`${p}.group`, 'is required');
    const groupPath = seedGroupPath(group, project);
    if (!groupPath) r.fail(`${p}.group`, `must be zones/<zone>/instanceGroups/<name> or zones/<zone>/networkEndpointGroups/<name> in project ${project} (got ${JSON.stringify(group)})`);
    if (!groups.has(groupPath)) r.fail(`${p}.group`, `names ${groupPath}, which is not in project ${project}'s zones`);
    const mode = r.oneOf(b.balancingMode, `${p}.balancingMode`, BALANCING_MODES);
    if (passthrough && mode !== undefined && mode !== 'CONNECTION') r.fail(`${p}.balancingMode`, `must be CONNECTION on a ${scheme} (passthrough) backend service`);
    const capacityScaler = r.number(b.capacityScaler, `${p}.capacityScaler`, 0, 1);
    if (capacityScaler !== undefined && passthrough) r.fail(`${p}.capacityScaler`, `must not be set on a ${scheme} (passthrough) backend service`);
    if (capacityScaler !== undefined && capacityScaler > 0 && capacityScaler < 0.1) r.fail(`${p}.capacityScaler`, 'must be 0 or 0.1-1');
    const seed: BackendSeed = {
      group: groupPath,
      balancingMode: mode,
      capacityScaler,
      maxUtilization: r.number(b.maxUtilization, `${p}.maxUtilization`, 0, 1),
      maxRate: r.integer(b.maxRate, `${p}.maxRate`, 1, 1e9),
      maxRatePerInstance: r.number(b.maxRatePerInstance, `${p}.maxRatePerInstance`, 0, 1e9),
      maxRatePerEndpoint: r.number(b.maxRatePerEndpoint, `${p}.maxRatePerEndpoint`, 0, 1e9),
      maxConnections: r.integer(b.maxConnections, `${p}.maxConnections`, 1, 1e9),
      maxConnectionsPerInstance: r.integer(b.maxConnectionsPerInstance, `${p}.maxConnectionsPerInstance`, 1, 1e9),
      maxConnectionsPerEndpoint: r.integer(b.maxConnectionsPerEndpoint, `${p}.maxConnectionsPerEndpoint`, 1, 1e9),
      description: r.string(b.description, `${p}.description`),
    };
    if (mode === 'RATE' && seed.maxRate === undefined && seed.maxRatePerInstance === undefined && seed.maxRatePerEndpoint === undefined) {
      r.fail(p, 'uses balancingMode RATE, which needs maxRate, maxRatePerInstance or maxRatePerEndpoint');
    }
    return seed;
  });
  r.unique(backends.map((b) => b.group), `${path}.backends`, 'group');
  const kinds = new Set(backends.map((b) => (b.group.includes('/instanceGroups/') ? 'instance groups' : 'network endpoint groups')));
  if (kinds.size > 1) r.fail(`${path}.backends`, 'mixes instance groups and network endpoint groups, which a backend service does not allow');
  if (backends.length === 1 && backends[0]!.capacityScaler === 0) r.fail(`${path}.backends[0].capacityScaler`, 'cannot be 0 on the only backend of a service');
  return {
    name: r.name(o.name, `${path}.name`),
    loadBalancingScheme: scheme,
    protocol: r.oneOf(o.protocol, `${path}.protocol`, BACKEND_PROTOCOLS),
    drainingTimeoutSec: r.integer(o.drainingTimeoutSec, `${path}.drainingTimeoutSec`, 0, 3600),
    backends,
  };
}

function readScope(r: GcpSeedReader, value: unknown, path: string, project: string, groups: ReadonlySet<string>): ScopeSeed {
  if (value === undefined) return { backendServices: [] };
  const o = r.object(value, path, ['backendServices']);
  const backendServices = r.array(o.backendServices, `${path}.backendServices`).map((v, i) => readBackendService(r, v, `${path}.backendServices[${i}]`, project, groups));
  r.unique(backendServices.map((s) => s.name), `${path}.backendServices`, 'name');
  return { backendServices };
}

function readProject(r: GcpSeedReader, value: unknown, path: string, project: string): ProjectSeed {
  const o = r.object(value, path, ['zones', 'regions', 'global']);
  const zones: Record<string, ZoneSeed> = {};
  for (const [zone, z] of r.map(o.zones, `${path}.zones`, ZONE_PATTERN, 'must be a zone name such as us-central1-a')) zones[zone] = readZone(r, z, fieldPath(`${path}.zones`, zone), zone);
  const groups = groupPaths(zones);
  const regions: Record<string, ScopeSeed> = {};
  for (const [region, s] of r.map(o.regions, `${path}.regions`, REGION_PATTERN, 'must be a region name such as us-central1')) regions[region] = readScope(r, s, fieldPath(`${path}.regions`, region), project, groups);
  return { zones, regions, global: readScope(r, o.global, `${path}.global`, project, groups) };
}

/** Validates a seed document; throws an Error whose one-line message names the bad field's path. */
export function parseSeed(json: unknown, source = 'seed'): GcpSeed {
  const r = new GcpSeedReader(source);
  const o = r.root(json, ['projects']);
  const projects: Record<string, ProjectSeed> = {};
  for (const [id, p] of r.map(o.projects, 'projects', PROJECT_PATTERN, 'must be a project ID (6-30 lowercase letters, digits and hyphens, starting with a letter)')) {
    projects[id] = readProject(r, p, fieldPath('projects', id), id);
  }
  return { projects };
}

/** Reads and validates a seed file; errors name the file and the field. */
export async function loadSeedFile(path: string): Promise<GcpSeed> {
  return parseSeed(await readSeedFile(path), path);
}
