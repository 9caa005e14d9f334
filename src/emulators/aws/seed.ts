/**
 * The seed: the load balancers, target groups and targets the emulator starts with.
 * Validation is strict (unknown fields are errors) so a typo in a seed file fails loudly
 * instead of silently starting an emulator that differs from what the test author meant.
 */
import { SeedReader, fieldPath, findRepeat, readSeedFile } from '../shared/seed.js';
import {
  TARGET_GROUP_PROTOCOLS,
  attributeProblem,
  groupKindOf,
  protocolOf,
  type TargetGroupProtocol,
  type TargetType,
} from './elbv2-attributes.js';
import { checkAutoScalingGroups, readAutoScalingGroup, type AutoScalingGroupSeed } from './autoscaling-seed.js';
import { INSTANCE_ID_PATTERN, RESOURCE_NAME_PATTERN, ZONE_PATTERN, isInstanceId, isIpAddress, isLambdaArn, type LoadBalancerType } from './ids.js';

/** A health a seed can pin a target to; omitted means the normal initial → healthy progression. */
export type SeedHealth = 'healthy' | 'unhealthy';

/** One registered ELBv2 target. */
export interface TargetSeed {
  readonly id: string;
  /** Defaults to the group's port; not allowed for Lambda groups. */
  readonly port?: number;
  readonly availabilityZone?: string;
  readonly health?: SeedHealth;
}

/** One ELBv2 target group. */
export interface TargetGroupSeed {
  readonly name: string;
  /** Default HTTP; not allowed for Lambda groups. */
  readonly protocol?: TargetGroupProtocol;
  /** Required unless the target type is lambda. */
  readonly port?: number;
  /** Default instance. */
  readonly targetType?: TargetType;
  readonly vpcId?: string;
  /** Overrides the emulator-wide `healthyAfterMs` for this group. */
  readonly healthyAfterMs?: number;
  /** Attribute overrides; values are strings on the wire, numbers and booleans are accepted and stringified. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Names of entries in the seed's `loadBalancers`. */
  readonly loadBalancers?: readonly string[];
  readonly targets?: readonly TargetSeed[];
}

/** One ELBv2 load balancer, only so that DescribeLoadBalancers and `LoadBalancerArns` have something to show. */
export interface LoadBalancerSeed {
  readonly name: string;
  /** Default application. */
  readonly type?: LoadBalancerType;
  /** Default internet-facing. */
  readonly scheme?: 'internet-facing' | 'internal';
  readonly vpcId?: string;
  /**
   * Opt-in data plane: an HTTP listener on 127.0.0.1 at this port (0: any free port) that forwards
   * to the healthy targets of the load balancer's target groups (data-plane.ts). Application only.
   */
  readonly listenerPort?: number;
}

/** One instance registered with a Classic load balancer. */
export interface ClassicInstanceSeed {
  readonly id: string;
  /** In-flight connections (default 0); with 0 a deregistration finishes at once. */
  readonly connections?: number;
  /** The connections end this many ms after the instance is deregistered (default: never on their own). */
  readonly connectionsEndAfterMs?: number;
  readonly health?: SeedHealth;
}

/** One Classic load balancer. */
export interface ClassicLoadBalancerSeed {
  readonly name: string;
  /** Default `{ enabled: false, timeout: 300 }`, as for an API-created load balancer. */
  readonly connectionDraining?: { readonly enabled: boolean; readonly timeout?: number };
  readonly healthyAfterMs?: number;
  readonly instances?: readonly ClassicInstanceSeed[];
}

/** The whole seed document. */
export interface AwsSeed {
  /** Default us-east-1 (the emulator's `region` option wins over this). */
  readonly region?: string;
  /** Default 123456789012 (the emulator's `accountId` option wins over this). */
  readonly accountId?: string;
  readonly loadBalancers?: readonly LoadBalancerSeed[];
  readonly targetGroups?: readonly TargetGroupSeed[];
  readonly classicLoadBalancers?: readonly ClassicLoadBalancerSeed[];
  /** Auto Scaling groups; they may refer to `targetGroups` (of target type instance) and `classicLoadBalancers` by name. */
  readonly autoScalingGroups?: readonly AutoScalingGroupSeed[];
}

const MAX_MS = 7 * 24 * 3600 * 1000;
const NAME_PHRASE = 'must be 1-32 letters, digits or hyphens, not starting or ending with a hyphen';

function uniqueNames(r: SeedReader, items: readonly { name: string }[], path: string): void {
  const repeat = findRepeat(items.map((item) => item.name));
  if (repeat) r.fail(`${path}[${repeat.index}].name`, `"${repeat.key}" is already used by ${path}[${repeat.first}]`);
}

function readLoadBalancer(r: SeedReader, value: unknown, path: string): LoadBalancerSeed {
  const o = r.object(value, path, ['name', 'type', 'scheme', 'vpcId', 'listenerPort']);
  const name = r.string(o.name, `${path}.name`, RESOURCE_NAME_PATTERN, NAME_PHRASE) ?? r.fail(`${path}.name`, 'is required');
  const type = r.oneOf(o.type, `${path}.type`, ['application', 'network', 'gateway'] as const);
  const listenerPort = r.integer(o.listenerPort, `${path}.listenerPort`, 0, 65535);
  if (listenerPort !== undefined && (type ?? 'application') !== 'application') r.fail(`${path}.listenerPort`, 'is only for application load balancers (the data plane speaks HTTP)');
  return {
    name,
    type,
    scheme: r.oneOf(o.scheme, `${path}.scheme`, ['internet-facing', 'internal'] as const),
    vpcId: r.string(o.vpcId, `${path}.vpcId`),
    ...(listenerPort !== undefined && { listenerPort }),
  };
}

function targetIdProblem(targetType: TargetType, id: string): string | undefined {
  if (targetType === 'instance' && !isInstanceId(id)) return 'must be an EC2 instance id such as i-0123456789abcdef0';
  if (targetType === 'ip' && !isIpAddress(id)) return 'must be an IPv4 or IPv6 address';
  if (targetType === 'lambda' && !isLambdaArn(id)) return 'must be a Lambda function ARN';
  return undefined;
}

function readTarget(r: SeedReader, value: unknown, path: string, targetType: TargetType): TargetSeed {
  const o = r.object(value, path, ['id', 'port', 'availabilityZone', 'health']);
  const id = r.string(o.id, `${path}.id`) ?? r.fail(`${path}.id`, 'is required');
  const idProblem = targetIdProblem(targetType, id);
  if (idProblem) r.fail(`${path}.id`, `${idProblem} for a ${targetType} target group (got ${JSON.stringify(id)})`);
  if (targetType === 'lambda' && o.port !== undefined) r.fail(`${path}.port`, 'must not be set for a lambda target');
  return {
    id,
    port: r.integer(o.port, `${path}.port`, 1, 65535),
    availabilityZone: r.string(o.availabilityZone, `${path}.availabilityZone`, ZONE_PATTERN, 'must be an Availability Zone name such as us-east-1a, or all'),
    health: r.oneOf(o.health, `${path}.health`, ['healthy', 'unhealthy'] as const),
  };
}

function readAttributes(r: SeedReader, value: unknown, path: string, group: TargetGroupSeed): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) r.fail(path, 'must be an object of attribute keys to values');
  const targetType = group.targetType ?? 'instance';
  const kind = groupKindOf(protocolOf(group.protocol, targetType), targetType);
  const attributes: Record<string, string> = {};
  for (const [key, raw] of Object.entries(value)) {
    const keyPath = fieldPath(path, key);
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') r.fail(keyPath, 'must be a string, number or boolean');
    const problem = attributeProblem(kind, key, String(raw));
    if (problem) r.fail(keyPath, `${problem} (got ${JSON.stringify(raw)})`);
    attributes[key] = String(raw);
  }
  return attributes;
}

function readTargetGroup(r: SeedReader, value: unknown, path: string, loadBalancerNames: ReadonlySet<string>): TargetGroupSeed {
  const o = r.object(value, path, ['name', 'protocol', 'port', 'targetType', 'vpcId', 'healthyAfterMs', 'attributes', 'loadBalancers', 'targets']);
  const name = r.string(o.name, `${path}.name`, RESOURCE_NAME_PATTERN, NAME_PHRASE) ?? r.fail(`${path}.name`, 'is required');
  const targetType = r.oneOf(o.targetType, `${path}.targetType`, ['instance', 'ip', 'lambda'] as const) ?? 'instance';
  const lambda = targetType === 'lambda';
  if (lambda && o.protocol !== undefined) r.fail(`${path}.protocol`, 'must not be set for a lambda target group');
  if (lambda && o.port !== undefined) r.fail(`${path}.port`, 'must not be set for a lambda target group');
  if (!lambda && o.port === undefined) r.fail(`${path}.port`, 'is required (an integer 1-65535)');
  const shape: TargetGroupSeed = {
    name,
    protocol: r.oneOf(o.protocol, `${path}.protocol`, TARGET_GROUP_PROTOCOLS),
    port: r.integer(o.port, `${path}.port`, 1, 65535),
    targetType,
    vpcId: r.string(o.vpcId, `${path}.vpcId`),
    healthyAfterMs: r.integer(o.healthyAfterMs, `${path}.healthyAfterMs`, 0, MAX_MS),
  };
  const loadBalancers = r.array(o.loadBalancers, `${path}.loadBalancers`).map((lb, i) => {
    const lbPath = `${path}.loadBalancers[${i}]`;
    const lbName = r.string(lb, lbPath) ?? r.fail(lbPath, 'must be a load balancer name');
    if (!loadBalancerNames.has(lbName)) r.fail(lbPath, `names "${lbName}", which is not in loadBalancers`);
    return lbName;
  });
  const targets = r.array(o.targets, `${path}.targets`).map((t, i) => readTarget(r, t, `${path}.targets[${i}]`, targetType));
  const repeat = findRepeat(targets.map((t) => `${t.id}|${t.port ?? shape.port ?? ''}`));
  if (repeat) r.fail(`${path}.targets[${repeat.index}]`, `repeats ${path}.targets[${repeat.first}] (same id and port)`);
  return { ...shape, attributes: readAttributes(r, o.attributes, `${path}.attributes`, shape), loadBalancers, targets };
}

function readClassicInstance(r: SeedReader, value: unknown, path: string): ClassicInstanceSeed {
  const o = r.object(value, path, ['id', 'connections', 'connectionsEndAfterMs', 'health']);
  return {
    id: r.string(o.id, `${path}.id`, INSTANCE_ID_PATTERN, 'must be an EC2 instance id such as i-0123456789abcdef0') ?? r.fail(`${path}.id`, 'is required'),
    connections: r.integer(o.connections, `${path}.connections`, 0, Number.MAX_SAFE_INTEGER),
    connectionsEndAfterMs: r.integer(o.connectionsEndAfterMs, `${path}.connectionsEndAfterMs`, 0, MAX_MS),
    health: r.oneOf(o.health, `${path}.health`, ['healthy', 'unhealthy'] as const),
  };
}

function readClassicLoadBalancer(r: SeedReader, value: unknown, path: string): ClassicLoadBalancerSeed {
  const o = r.object(value, path, ['name', 'connectionDraining', 'healthyAfterMs', 'instances']);
  const name = r.string(o.name, `${path}.name`, RESOURCE_NAME_PATTERN, NAME_PHRASE) ?? r.fail(`${path}.name`, 'is required');
  let connectionDraining: ClassicLoadBalancerSeed['connectionDraining'];
  if (o.connectionDraining !== undefined) {
    const cdPath = `${path}.connectionDraining`;
    const cd = r.object(o.connectionDraining, cdPath, ['enabled', 'timeout']);
    connectionDraining = {
      enabled: r.boolean(cd.enabled, `${cdPath}.enabled`) ?? r.fail(`${cdPath}.enabled`, 'is required (true or false)'),
      timeout: r.integer(cd.timeout, `${cdPath}.timeout`, 1, 3600),
    };
  }
  const instances = r.array(o.instances, `${path}.instances`).map((v, i) => readClassicInstance(r, v, `${path}.instances[${i}]`));
  const repeat = findRepeat(instances.map((inst) => inst.id));
  if (repeat) r.fail(`${path}.instances[${repeat.index}].id`, `"${repeat.key}" is already listed at ${path}.instances[${repeat.first}]`);
  return { name, connectionDraining, healthyAfterMs: r.integer(o.healthyAfterMs, `${path}.healthyAfterMs`, 0, MAX_MS), instances };
}

/** Validates a seed document; throws an Error whose one-line message names the bad field's path. */
/**
 * Reads and checks a seed. `limits.minHeartbeatTimeoutSeconds` lowers AWS's 30 s floor for
 * lifecycle hooks, so an end-to-end test can run a drain longer than the heartbeat timeout in seconds.
 */
export function parseSeed(json: unknown, source = 'seed', limits: { readonly minHeartbeatTimeoutSeconds?: number } = {}): AwsSeed {
  const r = new SeedReader(source);
  const o = r.root(json, ['region', 'accountId', 'loadBalancers', 'targetGroups', 'classicLoadBalancers', 'autoScalingGroups']);
  const loadBalancers = r.array(o.loadBalancers, 'loadBalancers').map((v, i) => readLoadBalancer(r, v, `loadBalancers[${i}]`));
  uniqueNames(r, loadBalancers, 'loadBalancers');
  const lbNames = new Set(loadBalancers.map((lb) => lb.name));
  const targetGroups = r.array(o.targetGroups, 'targetGroups').map((v, i) => readTargetGroup(r, v, `targetGroups[${i}]`, lbNames));
  uniqueNames(r, targetGroups, 'targetGroups');
  const classicLoadBalancers = r.array(o.classicLoadBalancers, 'classicLoadBalancers').map((v, i) =>
    readClassicLoadBalancer(r, v, `classicLoadBalancers[${i}]`),
  );
  uniqueNames(r, classicLoadBalancers, 'classicLoadBalancers');
  const names = {
    instanceTargetGroups: new Set(targetGroups.filter((g) => (g.targetType ?? 'instance') === 'instance').map((g) => g.name)),
    classicLoadBalancers: new Set(classicLoadBalancers.map((lb) => lb.name)),
  };
  const autoScalingGroups = r.array(o.autoScalingGroups, 'autoScalingGroups').map((v, i) => readAutoScalingGroup(r, v, `autoScalingGroups[${i}]`, names, limits.minHeartbeatTimeoutSeconds));
  checkAutoScalingGroups(r, autoScalingGroups);
  return {
    region: r.string(o.region, 'region', /^[a-z]{2}(?:-[a-z]+)+-\d+$/, 'must be a region name such as us-east-1'),
    accountId: r.string(o.accountId, 'accountId', /^\d{12}$/, 'must be 12 digits'),
    loadBalancers,
    targetGroups,
    classicLoadBalancers,
    // Left out when empty so that seeds written before Auto Scaling existed read back unchanged.
    ...(autoScalingGroups.length > 0 ? { autoScalingGroups } : {}),
  };
}

/** Reads and validates a seed file; errors name the file. */
export async function loadSeedFile(path: string): Promise<AwsSeed> {
  return parseSeed(await readSeedFile(path), path);
}
