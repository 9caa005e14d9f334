/**
 * Classic ELB (API 2012-06-01): load balancers, registered instances and connection draining.
 * Unlike ELBv2, a Classic load balancer reports when a deregistering instance has no connections
 * left, so draining here can finish before the timeout. As in elbv2.ts, state is worked out from
 * timestamps at request time; nothing runs on a timer.
 */
import { ApiError, missingParameter } from './errors.js';
import { INSTANCE_ID_PATTERN, nameHex } from './ids.js';
import { paginate } from './pagination.js';
import { parseBoolParam, parseIntParam, readMembers, readStringMembers, requireMembers, requireParam, type QueryParams } from './query.js';
import type { AwsSeed, SeedHealth } from './seed.js';
import type { ActionHandler, EmulatedService, ResourceScope } from './service.js';
import { el, leaf, memberList, stringMemberList, type XmlNode } from './xml.js';

const NAMESPACE = 'http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/';
// The Classic model gives InvalidConfigurationRequest HTTP 409, unlike ELBv2's 400.
const INVALID_CONFIGURATION_STATUS = 409;

interface InstanceState {
  readonly State: 'InService' | 'OutOfService';
  readonly ReasonCode: 'ELB' | 'Instance' | 'N/A';
  readonly Description: string;
}

// Descriptions from the model's InstanceState.Description list and the CLB guide.
const IN_SERVICE: InstanceState = { State: 'InService', ReasonCode: 'N/A', Description: 'N/A' };
const REGISTERING: InstanceState = { State: 'OutOfService', ReasonCode: 'ELB', Description: 'Instance registration is still in progress.' };
const UNHEALTHY: InstanceState = {
  State: 'OutOfService',
  ReasonCode: 'Instance',
  Description: 'Instance has failed at least the UnhealthyThreshold number of health checks consecutively.',
};
const DEREGISTERING: InstanceState = { State: 'InService', ReasonCode: 'N/A', Description: 'Instance deregistration currently in progress.' };
const NOT_REGISTERED: InstanceState = { State: 'OutOfService', ReasonCode: 'ELB', Description: 'Instance is not currently registered with the LoadBalancer.' };

interface Drain {
  readonly startedAt: number;
  /** startedAt + the draining timeout in force when it started. */
  readonly deadline: number;
  /** When the drain finishes: the deadline, or earlier when the connections end. */
  endsAt: number;
}

interface Instance {
  readonly id: string;
  readonly registeredAt: number;
  readonly pinnedHealth: SeedHealth | undefined;
  connections: number;
  /** From the seed: the connections close this long after deregistration. */
  connectionsEndAfterMs: number | undefined;
  drain: Drain | undefined;
}

interface AccessLog {
  enabled: boolean;
  s3BucketName: string | undefined;
  emitInterval: number | undefined;
  s3BucketPrefix: string | undefined;
}

interface ClassicLoadBalancer {
  readonly name: string;
  readonly healthyAfterMs: number;
  readonly zones: readonly string[];
  readonly instances: Map<string, Instance>;
  connectionDraining: { enabled: boolean; timeout: number };
  crossZone: boolean;
  idleTimeout: number;
  accessLog: AccessLog;
}

type AttributeGroup = 'CrossZoneLoadBalancing' | 'AccessLog' | 'ConnectionDraining' | 'ConnectionSettings';
const ATTRIBUTE_PREFIX = 'LoadBalancerAttributes.';

/** The Classic ELB API over in-memory load balancers. */
export class ClassicElbService implements EmulatedService {
  readonly name = 'elb' as const;
  readonly version = '2012-06-01';
  readonly namespace = NAMESPACE;
  readonly actions: Readonly<Record<string, ActionHandler>>;
  private readonly loadBalancers: ClassicLoadBalancer[];
  private readonly createdTime: string;

  constructor(
    seed: AwsSeed,
    private readonly scope: ResourceScope,
    startedAt: number,
  ) {
    this.createdTime = new Date(startedAt).toISOString();
    this.loadBalancers = (seed.classicLoadBalancers ?? []).map((s) => ({
      name: s.name,
      healthyAfterMs: s.healthyAfterMs ?? scope.healthyAfterMs,
      zones: [`${scope.region}a`, `${scope.region}b`],
      instances: new Map(
        (s.instances ?? []).map((i) => [
          i.id,
          { id: i.id, registeredAt: startedAt, pinnedHealth: i.health, connections: i.connections ?? 0, connectionsEndAfterMs: i.connectionsEndAfterMs, drain: undefined },
        ]),
      ),
      // API-created Classic load balancers start with draining off and a 300 s timeout.
      connectionDraining: { enabled: s.connectionDraining?.enabled ?? false, timeout: s.connectionDraining?.timeout ?? 300 },
      crossZone: false,
      idleTimeout: 60,
      accessLog: { enabled: false, s3BucketName: undefined, emitInterval: undefined, s3BucketPrefix: undefined },
    }));
    this.loadBalancers.sort((a, b) => a.name.localeCompare(b.name));
    this.actions = {
      DescribeLoadBalancers: (p, now) => this.describeLoadBalancers(p, now),
      DescribeInstanceHealth: (p, now) => this.describeInstanceHealth(p, now),
      RegisterInstancesWithLoadBalancer: (p, now) => this.registerInstances(p, now),
      DeregisterInstancesFromLoadBalancer: (p, now) => this.deregisterInstances(p, now),
      DescribeLoadBalancerAttributes: (p) => this.describeAttributes(p),
      ModifyLoadBalancerAttributes: (p) => this.modifyAttributes(p),
    };
  }

  /** Sets an instance's in-flight connection count; 0 ends a drain in progress at `now`. */
  setConnections(loadBalancerName: string, instanceId: string, count: number, now: number): void {
    if (!Number.isInteger(count) || count < 0) throw new Error(`connection count must be a non-negative integer (got ${count})`);
    const lb = this.loadBalancers.find((l) => l.name === loadBalancerName);
    if (!lb) {
      const known = this.loadBalancers.map((l) => l.name).join(', ') || 'none';
      throw new Error(`the AWS emulator has no Classic load balancer "${loadBalancerName}" (Classic load balancers: ${known})`);
    }
    this.sweep(lb, now);
    const instance = lb.instances.get(instanceId);
    if (!instance) {
      const known = [...lb.instances.keys()].join(', ') || 'none';
      throw new Error(`instance ${instanceId} is not registered with Classic load balancer "${loadBalancerName}" (registered: ${known})`);
    }
    instance.connections = count;
    // An explicit count replaces whatever the seed said about when connections end.
    instance.connectionsEndAfterMs = undefined;
    if (instance.drain) instance.drain.endsAt = count === 0 ? now : instance.drain.deadline;
    this.sweep(lb, now);
  }

  private sweep(lb: ClassicLoadBalancer, now: number): void {
    for (const [id, instance] of lb.instances) {
      if (instance.drain && instance.drain.endsAt <= now) lb.instances.delete(id);
    }
  }

  private resolve(params: QueryParams): ClassicLoadBalancer {
    const name = requireParam(params, 'LoadBalancerName');
    const lb = this.loadBalancers.find((l) => l.name === name);
    if (!lb) throw new ApiError('LoadBalancerNotFound', `There is no ACTIVE Load Balancer named '${name}'`);
    return lb;
  }

  /** The load balancer named by `LoadBalancerName`, with finished drains removed as of `now`. */
  private resolveAt(params: QueryParams, now: number): ClassicLoadBalancer {
    const lb = this.resolve(params);
    this.sweep(lb, now);
    return lb;
  }

  private readInstanceIds(items: readonly Record<string, string>[]): string[] {
    return items.map((item, i) => {
      const id = item.InstanceId;
      if (id === undefined || id === '') throw missingParameter(`Instances.member.${i + 1}.InstanceId`);
      if (!INSTANCE_ID_PATTERN.test(id)) throw new ApiError('InvalidInstance', `Could not find EC2 instance ${id}.`);
      return id;
    });
  }

  private stateOf(lb: ClassicLoadBalancer, instance: Instance | undefined, now: number): InstanceState {
    if (!instance) return NOT_REGISTERED;
    if (instance.drain) return DEREGISTERING;
    if (instance.pinnedHealth === 'unhealthy') return UNHEALTHY;
    if (instance.pinnedHealth === 'healthy') return IN_SERVICE;
    return now - instance.registeredAt < lb.healthyAfterMs ? REGISTERING : IN_SERVICE;
  }

  /** Instances that still take new traffic (draining ones are already out of this list). */
  private serving(lb: ClassicLoadBalancer): XmlNode {
    const ids = [...lb.instances.values()].filter((i) => !i.drain).map((i) => [leaf('InstanceId', i.id)]);
    return memberList('Instances', ids);
  }

  private describeInstanceHealth(params: QueryParams, now: number): XmlNode[] {
    const lb = this.resolveAt(params, now);
    const asked = readMembers(params, 'Instances');
    const ids = asked.length > 0 ? this.readInstanceIds(asked) : [...lb.instances.keys()];
    const states = ids.map((id) => {
      const s = this.stateOf(lb, lb.instances.get(id), now);
      return [leaf('InstanceId', id), leaf('State', s.State), leaf('ReasonCode', s.ReasonCode), leaf('Description', s.Description)];
    });
    return [memberList('InstanceStates', states)];
  }

  private registerInstances(params: QueryParams, now: number): XmlNode[] {
    const lb = this.resolveAt(params, now);
    for (const id of this.readInstanceIds(requireMembers(params, 'Instances'))) {
      const existing = lb.instances.get(id);
      if (existing && !existing.drain) continue;
      lb.instances.set(id, { id, registeredAt: now, pinnedHealth: undefined, connections: 0, connectionsEndAfterMs: undefined, drain: undefined });
    }
    return [this.serving(lb)];
  }

  private deregisterInstances(params: QueryParams, now: number): XmlNode[] {
    const lb = this.resolveAt(params, now);
    const ids = this.readInstanceIds(requireMembers(params, 'Instances'));
    const { enabled, timeout } = lb.connectionDraining;
    for (const id of ids) {
      const instance = lb.instances.get(id);
      if (!instance || instance.drain) continue;
      // With draining off, or nothing in flight, AWS completes deregistration at once.
      if (!enabled || instance.connections === 0) {
        lb.instances.delete(id);
        continue;
      }
      const deadline = now + timeout * 1000;
      const connectionsEnd = instance.connectionsEndAfterMs === undefined ? deadline : now + instance.connectionsEndAfterMs;
      instance.drain = { startedAt: now, deadline, endsAt: Math.min(deadline, connectionsEnd) };
    }
    this.sweep(lb, now);
    return [this.serving(lb)];
  }

  // Member order follows the model's LoadBalancerAttributes.
  private attributeXml(lb: ClassicLoadBalancer, group: AttributeGroup): XmlNode {
    switch (group) {
      case 'CrossZoneLoadBalancing':
        return el(group, [leaf('Enabled', lb.crossZone)]);
      case 'AccessLog':
        return el(group, [
          leaf('Enabled', lb.accessLog.enabled),
          leaf('S3BucketName', lb.accessLog.s3BucketName),
          leaf('EmitInterval', lb.accessLog.emitInterval),
          leaf('S3BucketPrefix', lb.accessLog.s3BucketPrefix),
        ]);
      case 'ConnectionDraining':
        return el(group, [leaf('Enabled', lb.connectionDraining.enabled), leaf('Timeout', lb.connectionDraining.timeout)]);
      case 'ConnectionSettings':
        return el(group, [leaf('IdleTimeout', lb.idleTimeout)]);
    }
  }

  private describeAttributes(params: QueryParams): XmlNode[] {
    const lb = this.resolve(params);
    const all: AttributeGroup[] = ['CrossZoneLoadBalancing', 'AccessLog', 'ConnectionDraining', 'ConnectionSettings'];
    return [el('LoadBalancerAttributes', all.map((g) => this.attributeXml(lb, g)))];
  }

  private modifyAttributes(params: QueryParams): XmlNode[] {
    const lb = this.resolve(params);
    const keys = Object.keys(params).filter((k) => k.startsWith(ATTRIBUTE_PREFIX));
    if (keys.length === 0) throw missingParameter('LoadBalancerAttributes');
    const unknown = keys.find((k) => !/^LoadBalancerAttributes\.(CrossZoneLoadBalancing|AccessLog|ConnectionDraining|ConnectionSettings)\./.test(k));
    if (unknown) throw new ApiError('LoadBalancerAttributeNotFound', `The specified load balancer attribute does not exist: ${unknown.slice(ATTRIBUTE_PREFIX.length)}`);
    const p = (name: string): string | undefined => params[ATTRIBUTE_PREFIX + name];
    const touched = (group: AttributeGroup): boolean => keys.some((k) => k.startsWith(`${ATTRIBUTE_PREFIX}${group}.`));
    const enabledOf = (group: AttributeGroup): boolean => {
      const value = parseBoolParam(p(`${group}.Enabled`), `${ATTRIBUTE_PREFIX}${group}.Enabled`);
      if (value === undefined) throw missingParameter(`${ATTRIBUTE_PREFIX}${group}.Enabled`);
      return value;
    };

    // Everything is checked before anything changes, so a bad request leaves the load balancer as it was.
    const changed: AttributeGroup[] = [];
    const apply: (() => void)[] = [];
    if (touched('CrossZoneLoadBalancing')) {
      const enabled = enabledOf('CrossZoneLoadBalancing');
      changed.push('CrossZoneLoadBalancing');
      apply.push(() => (lb.crossZone = enabled));
    }
    if (touched('AccessLog')) {
      const enabled = enabledOf('AccessLog');
      const emitInterval = parseIntParam(p('AccessLog.EmitInterval'), `${ATTRIBUTE_PREFIX}AccessLog.EmitInterval`, 5, 60);
      const bucket = p('AccessLog.S3BucketName');
      if (enabled && !bucket) throw new ApiError('InvalidConfigurationRequest', 'S3BucketName is required when access logs are enabled', INVALID_CONFIGURATION_STATUS);
      changed.push('AccessLog');
      apply.push(() => (lb.accessLog = { enabled, s3BucketName: bucket, emitInterval, s3BucketPrefix: p('AccessLog.S3BucketPrefix') }));
    }
    if (touched('ConnectionDraining')) {
      const enabled = enabledOf('ConnectionDraining');
      const raw = p('ConnectionDraining.Timeout');
      // Without a Timeout the current one stays, as the console does when only toggling draining.
      const timeout = raw === undefined ? lb.connectionDraining.timeout : Number(raw);
      if (raw !== undefined && (!/^\d+$/.test(raw) || timeout < 1 || timeout > 3600)) {
        throw new ApiError('InvalidConfigurationRequest', `ConnectionDraining timeout must be between 1 and 3600 seconds (got '${raw}')`, INVALID_CONFIGURATION_STATUS);
      }
      changed.push('ConnectionDraining');
      apply.push(() => (lb.connectionDraining = { enabled, timeout }));
    }
    if (touched('ConnectionSettings')) {
      const idle = parseIntParam(p('ConnectionSettings.IdleTimeout'), `${ATTRIBUTE_PREFIX}ConnectionSettings.IdleTimeout`, 1, 3600);
      if (idle === undefined) throw missingParameter(`${ATTRIBUTE_PREFIX}ConnectionSettings.IdleTimeout`);
      changed.push('ConnectionSettings');
      apply.push(() => (lb.idleTimeout = idle));
    }
    for (const f of apply) f();
    // Only the modified attribute groups are echoed (AWS example "To enable connection draining").
    return [leaf('LoadBalancerName', lb.name)!, el('LoadBalancerAttributes', changed.map((g) => this.attributeXml(lb, g)))];
  }

  private describeLoadBalancers(params: QueryParams, now: number): (XmlNode | undefined)[] {
    const names = readStringMembers(params, 'LoadBalancerNames');
    for (const name of names) {
      if (!this.loadBalancers.some((l) => l.name === name)) throw new ApiError('LoadBalancerNotFound', `There is no ACTIVE Load Balancer named '${name}'`);
    }
    const selected = names.length > 0 ? this.loadBalancers.filter((l) => names.includes(l.name)) : this.loadBalancers;
    for (const lb of selected) this.sweep(lb, now);
    const page = paginate(selected, params);
    return [memberList('LoadBalancerDescriptions', page.items.map((lb) => this.descriptionXml(lb))), leaf('NextMarker', page.nextMarker)];
  }

  // Element order follows the model's LoadBalancerDescription members.
  private descriptionXml(lb: ClassicLoadBalancer): (XmlNode | undefined)[] {
    const dnsName = `${lb.name}-${parseInt(nameHex(lb.name).slice(0, 8), 16)}.${this.scope.region}.elb.amazonaws.com`;
    return [
      leaf('LoadBalancerName', lb.name),
      leaf('DNSName', dnsName),
      leaf('CanonicalHostedZoneName', dnsName),
      leaf('CanonicalHostedZoneNameID', 'Z35SXDOTRQ7X7K'),
      memberList('ListenerDescriptions', [
        [
          el('Listener', [leaf('Protocol', 'HTTP'), leaf('LoadBalancerPort', 80), leaf('InstanceProtocol', 'HTTP'), leaf('InstancePort', 80)]),
          stringMemberList('PolicyNames', []),
        ],
      ]),
      el('Policies', [el('AppCookieStickinessPolicies'), el('LBCookieStickinessPolicies'), el('OtherPolicies')]),
      el('BackendServerDescriptions'),
      stringMemberList('AvailabilityZones', lb.zones),
      el('Subnets'),
      this.serving(lb),
      el('HealthCheck', [leaf('Target', 'HTTP:80/'), leaf('Interval', 30), leaf('Timeout', 5), leaf('UnhealthyThreshold', 2), leaf('HealthyThreshold', 10)]),
      el('SourceSecurityGroup', [leaf('OwnerAlias', 'amazon-elb'), leaf('GroupName', 'amazon-elb-sg')]),
      el('SecurityGroups'),
      leaf('CreatedTime', this.createdTime),
      leaf('Scheme', 'internet-facing'),
    ];
  }
}
