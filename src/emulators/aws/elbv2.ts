/**
 * ELBv2 (API 2015-12-01): target groups, their targets and the draining state machine.
 * There are no timers: each target keeps the timestamps of its registration and deregistration,
 * and every request works out the state at the clock's current time ("lazy" state), so a fake
 * clock moves every target forward at once.
 */
import {
  attributeProblem,
  defaultAttributes,
  groupKindOf,
  protocolOf,
  type GroupKind,
  type TargetGroupProtocol,
  type TargetType,
} from './elbv2-attributes.js';
import { ApiError, missingParameter, validationError } from './errors.js';
import {
  TARGET_GROUP_ARN_PATTERN,
  ZONE_PATTERN,
  isInstanceId,
  isIpAddress,
  isLambdaArn,
  targetGroupArnFor,
} from './ids.js';
import { DEFAULT_VPC, Elbv2LoadBalancers } from './elbv2-load-balancers.js';
import { paginate } from './pagination.js';
import { parseIntParam, readMembers, readStringMembers, requireMembers, requireParam, type QueryParams } from './query.js';
import type { AwsSeed, SeedHealth } from './seed.js';
import type { ActionHandler, EmulatedService, ResourceScope } from './service.js';
import { el, leaf, memberList, stringMemberList, type XmlNode } from './xml.js';

const NAMESPACE = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';
const DEREGISTRATION_DELAY = 'deregistration_delay.timeout_seconds';

interface TargetHealth {
  readonly State: string;
  readonly Reason?: string;
  readonly Description?: string;
}

// Reason codes and descriptions as AWS sends them (service model enums; wire captures).
const INITIAL: TargetHealth = { State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: 'Target registration is in progress' };
const HEALTHY: TargetHealth = { State: 'healthy' };
const UNHEALTHY: TargetHealth = { State: 'unhealthy', Reason: 'Target.FailedHealthChecks', Description: 'Health checks failed' };
const DRAINING: TargetHealth = { State: 'draining', Reason: 'Target.DeregistrationInProgress', Description: 'Target deregistration is in progress' };
const NOT_REGISTERED: TargetHealth = { State: 'unused', Reason: 'Target.NotRegistered', Description: 'Target is not registered to the target group' };
// Lambda groups have health checks off by default, which AWS reports as `unavailable`.
const HEALTH_CHECK_DISABLED: TargetHealth = { State: 'unavailable', Reason: 'Target.HealthCheckDisabled', Description: 'Health checks are disabled' };

const INVALID_TARGET = 'The specified target does not exist, is not in the same VPC as the target group, or has an unsupported instance type';

interface Target {
  readonly id: string;
  /** Undefined only in Lambda groups, which have no ports. */
  readonly port: number | undefined;
  readonly availabilityZone: string | undefined;
  readonly registeredAt: number;
  readonly pinnedHealth: SeedHealth | undefined;
  /** Set while draining; the target is gone once the clock reaches it. */
  drainEndsAt: number | undefined;
}

interface TargetGroup {
  readonly name: string;
  readonly arn: string;
  readonly protocol: TargetGroupProtocol | undefined;
  readonly port: number | undefined;
  readonly targetType: TargetType;
  readonly kind: GroupKind;
  readonly vpcId: string | undefined;
  readonly healthyAfterMs: number;
  readonly loadBalancerArns: readonly string[];
  readonly attributes: Map<string, string>;
  /** Keyed by `targetKey`; Map order is registration order, which DescribeTargetHealth keeps. */
  readonly targets: Map<string, Target>;
}

/** A target's state as the data plane routes on it (`unused` targets are not listed at all). */
export type Elbv2TargetState = 'initial' | 'healthy' | 'unhealthy' | 'unavailable' | 'draining';

/** One registered target at one instant, for the data plane. */
export interface Elbv2TargetView {
  readonly id: string;
  /** Undefined only in Lambda groups. */
  readonly port: number | undefined;
  readonly state: Elbv2TargetState;
  /** When a draining target becomes unused (ms epoch on the emulator's clock); undefined unless draining. */
  readonly drainEndsAt: number | undefined;
}

/** One target group behind a load balancer at one instant, for the data plane. */
export interface Elbv2TargetGroupView {
  readonly name: string;
  readonly arn: string;
  readonly targetType: TargetType;
  /** The `load_balancing.algorithm.type` attribute (ALB groups: round_robin by default). */
  readonly algorithm: string | undefined;
  /** In registration order. */
  readonly targets: readonly Elbv2TargetView[];
}

interface TargetRef {
  readonly id: string;
  readonly port: number | undefined;
  readonly availabilityZone: string | undefined;
}

interface HealthCheck {
  readonly protocol?: string;
  readonly port?: string;
  readonly enabled: boolean;
  readonly interval: number;
  readonly timeout: number;
  readonly path?: string;
  readonly matcher?: string;
}

// Defaults AWS applies to a new group of each family (ALB/NLB/GWLB/Lambda user guides).
function healthCheckFor(kind: GroupKind, protocol: TargetGroupProtocol | undefined): HealthCheck {
  switch (kind) {
    case 'alb':
      return { protocol, port: 'traffic-port', enabled: true, interval: 30, timeout: 5, path: '/', matcher: '200' };
    case 'nlb':
      return { protocol: 'TCP', port: 'traffic-port', enabled: true, interval: 30, timeout: 10 };
    case 'gwlb':
      return { protocol: 'TCP', port: '80', enabled: true, interval: 10, timeout: 5 };
    case 'lambda':
      return { enabled: false, interval: 35, timeout: 30, path: '/', matcher: '200' };
  }
}

/** Ports are part of a target's identity: the same instance may be registered on several ports. */
function targetKey(id: string, port: number | undefined): string {
  return `${id}|${port ?? ''}`;
}

function idFits(targetType: TargetType, id: string): boolean {
  if (targetType === 'instance') return isInstanceId(id);
  if (targetType === 'ip') return isIpAddress(id);
  return isLambdaArn(id);
}

/** The ELBv2 API over in-memory target groups. */
export class Elbv2Service implements EmulatedService {
  readonly name = 'elbv2' as const;
  readonly version = '2015-12-01';
  readonly namespace = NAMESPACE;
  readonly actions: Readonly<Record<string, ActionHandler>>;
  private readonly groups: TargetGroup[];
  private readonly loadBalancers: Elbv2LoadBalancers;

  constructor(seed: AwsSeed, scope: ResourceScope, startedAt: number) {
    this.loadBalancers = new Elbv2LoadBalancers(seed.loadBalancers ?? [], scope, startedAt);
    this.groups = (seed.targetGroups ?? []).map((s) => {
      const targetType = s.targetType ?? 'instance';
      const protocol = protocolOf(s.protocol, targetType);
      const kind = groupKindOf(protocol, targetType);
      const attributes = defaultAttributes({ kind, protocol, targetType });
      for (const [key, value] of Object.entries(s.attributes ?? {})) attributes.set(key, value);
      const port = targetType === 'lambda' ? undefined : s.port;
      const targets = new Map<string, Target>();
      for (const t of s.targets ?? []) {
        const targetPort = targetType === 'lambda' ? undefined : (t.port ?? port);
        targets.set(targetKey(t.id, targetPort), {
          id: t.id,
          port: targetPort,
          availabilityZone: t.availabilityZone,
          registeredAt: startedAt,
          pinnedHealth: t.health,
          drainEndsAt: undefined,
        });
      }
      return {
        name: s.name,
        arn: targetGroupArnFor(scope.region, scope.accountId, s.name),
        protocol,
        port,
        targetType,
        kind,
        vpcId: targetType === 'lambda' ? undefined : (s.vpcId ?? DEFAULT_VPC),
        healthyAfterMs: s.healthyAfterMs ?? scope.healthyAfterMs,
        loadBalancerArns: (s.loadBalancers ?? []).map((n) => this.loadBalancers.arnOf(n)),
        attributes,
        targets,
      };
    });
    this.groups.sort((a, b) => a.name.localeCompare(b.name));
    this.actions = {
      DescribeTargetGroups: (p) => this.describeTargetGroups(p),
      DescribeTargetHealth: (p, now) => this.describeTargetHealth(p, now),
      RegisterTargets: (p, now) => this.registerTargets(p, now),
      DeregisterTargets: (p, now) => this.deregisterTargets(p, now),
      DescribeTargetGroupAttributes: (p) => this.describeAttributes(p),
      ModifyTargetGroupAttributes: (p) => this.modifyAttributes(p),
      DescribeLoadBalancers: (p) => this.loadBalancers.describe(p),
    };
  }

  /** The ARN of a target group by name; throws for a name the emulator does not have. */
  targetGroupArn(name: string): string {
    return this.groupByNameOrArn(name).arn;
  }

  /** When a draining target becomes unused (ms epoch), or undefined if it is not draining at `now`. */
  drainingEndsAt(nameOrArn: string, targetId: string, port: number | undefined, now: number): number | undefined {
    const group = this.groupByNameOrArn(nameOrArn);
    this.sweep(group, now);
    const key = targetKey(targetId, group.kind === 'lambda' ? undefined : (port ?? group.port));
    return group.targets.get(key)?.drainEndsAt;
  }

  /**
   * The target groups whose LoadBalancerArns include the named load balancer, with their
   * registered targets' states at `now` (finished drains are removed first, as every API read does).
   */
  targetGroupsOfLoadBalancer(loadBalancerName: string, now: number): Elbv2TargetGroupView[] {
    const lbArn = this.loadBalancers.arnOf(loadBalancerName);
    return this.groups
      .filter((g) => g.loadBalancerArns.includes(lbArn))
      .map((g) => {
        this.sweep(g, now);
        const targets = [...g.targets.values()].map((t) => ({
          id: t.id,
          port: t.port,
          state: this.healthOf(g, t, now).State as Elbv2TargetState,
          drainEndsAt: t.drainEndsAt,
        }));
        return { name: g.name, arn: g.arn, targetType: g.targetType, algorithm: g.attributes.get('load_balancing.algorithm.type'), targets };
      });
  }

  /** The ARN of a seeded load balancer by name; throws for a name the emulator does not have. */
  loadBalancerArn(name: string): string {
    return this.loadBalancers.arnOf(name);
  }

  private groupByNameOrArn(nameOrArn: string): TargetGroup {
    const group = this.groups.find((g) => g.name === nameOrArn || g.arn === nameOrArn);
    if (!group) {
      const known = this.groups.map((g) => g.name).join(', ') || 'none';
      throw new Error(`the AWS emulator has no target group "${nameOrArn}" (target groups: ${known})`);
    }
    return group;
  }

  /** Removes targets whose deregistration delay has run out. */
  private sweep(group: TargetGroup, now: number): void {
    for (const [key, t] of group.targets) {
      if (t.drainEndsAt !== undefined && t.drainEndsAt <= now) group.targets.delete(key);
    }
  }

  private resolveGroup(params: QueryParams): TargetGroup {
    const arn = requireParam(params, 'TargetGroupArn');
    if (!TARGET_GROUP_ARN_PATTERN.test(arn)) throw validationError(`'${arn}' is not a valid target group ARN`);
    const group = this.groups.find((g) => g.arn === arn);
    if (!group) throw new ApiError('TargetGroupNotFound', 'One or more target groups not found');
    return group;
  }

  /** The group named by `TargetGroupArn`, with finished drains removed as of `now`. */
  private resolveGroupAt(params: QueryParams, now: number): TargetGroup {
    const group = this.resolveGroup(params);
    this.sweep(group, now);
    return group;
  }

  private readTargets(group: TargetGroup, items: readonly Record<string, string>[]): TargetRef[] {
    return items.map((item, i) => {
      const at = `Targets.member.${i + 1}`;
      const id = item.Id;
      if (id === undefined || id === '') throw missingParameter(`${at}.Id`);
      const port = parseIntParam(item.Port, `${at}.Port`, 1, 65535);
      const zone = item.AvailabilityZone;
      if (zone !== undefined && !ZONE_PATTERN.test(zone)) throw validationError(`The Availability Zone '${zone}' is not valid`);
      // A target given without a port means the group's port; Lambda targets have no port at all.
      return { id, port: group.kind === 'lambda' ? undefined : (port ?? group.port), availabilityZone: zone };
    });
  }

  private healthOf(group: TargetGroup, t: Target, now: number): TargetHealth {
    if (t.drainEndsAt !== undefined) return DRAINING;
    if (t.pinnedHealth === 'unhealthy') return UNHEALTHY;
    if (t.pinnedHealth === 'healthy') return HEALTHY;
    if (now - t.registeredAt < group.healthyAfterMs) return INITIAL;
    return group.kind === 'lambda' ? HEALTH_CHECK_DISABLED : HEALTHY;
  }

  private healthDescription(group: TargetGroup, ref: TargetRef, health: TargetHealth, registered: boolean): (XmlNode | undefined)[] {
    const healthCheckPort = healthCheckFor(group.kind, group.protocol).port;
    return [
      el('Target', [leaf('Id', ref.id), leaf('Port', ref.port), leaf('AvailabilityZone', ref.availabilityZone)]),
      registered && ref.port !== undefined ? leaf('HealthCheckPort', healthCheckPort === 'traffic-port' ? String(ref.port) : healthCheckPort) : undefined,
      el('TargetHealth', [leaf('State', health.State), leaf('Reason', health.Reason), leaf('Description', health.Description)]),
    ];
  }

  private describeTargetHealth(params: QueryParams, now: number): XmlNode[] {
    const group = this.resolveGroupAt(params, now);
    const asked = readMembers(params, 'Targets');
    if (asked.length === 0) {
      const all = [...group.targets.values()].map((t) => this.healthDescription(group, t, this.healthOf(group, t, now), true));
      return [memberList('TargetHealthDescriptions', all)];
    }
    const refs = this.readTargets(group, asked);
    for (const ref of refs) {
      if (!idFits(group.targetType, ref.id)) throw new ApiError('InvalidTarget', INVALID_TARGET);
    }
    const descriptions = refs.map((ref) => {
      const t = group.targets.get(targetKey(ref.id, ref.port));
      return t
        ? this.healthDescription(group, t, this.healthOf(group, t, now), true)
        : this.healthDescription(group, ref, NOT_REGISTERED, false);
    });
    return [memberList('TargetHealthDescriptions', descriptions)];
  }

  private registerTargets(params: QueryParams, now: number): XmlNode[] {
    const group = this.resolveGroupAt(params, now);
    const refs = this.readTargets(group, requireMembers(params, 'Targets'));
    const unfit = refs.find((ref) => !idFits(group.targetType, ref.id));
    if (unfit) {
      const message = group.targetType === 'instance' ? `The following targets are not in a running state and cannot be registered: '${unfit.id}'` : INVALID_TARGET;
      throw new ApiError('InvalidTarget', message);
    }
    for (const ref of refs) {
      const key = targetKey(ref.id, ref.port);
      const existing = group.targets.get(key);
      if (existing && existing.drainEndsAt === undefined) continue; // already registered: a no-op, as in AWS
      // A new registration, or a draining target taken back: it starts over from `initial`.
      group.targets.set(key, { ...ref, registeredAt: now, pinnedHealth: undefined, drainEndsAt: undefined });
    }
    return [];
  }

  private deregisterTargets(params: QueryParams, now: number): XmlNode[] {
    const group = this.resolveGroupAt(params, now);
    const refs = this.readTargets(group, requireMembers(params, 'Targets'));
    if (refs.some((ref) => !idFits(group.targetType, ref.id))) throw new ApiError('InvalidTarget', INVALID_TARGET);
    // The delay in force when deregistration starts decides when it ends; Lambda groups have none.
    const delayMs = group.kind === 'lambda' ? 0 : Number(group.attributes.get(DEREGISTRATION_DELAY)) * 1000;
    for (const ref of refs) {
      const key = targetKey(ref.id, ref.port);
      const t = group.targets.get(key);
      // Unknown (including a registered port that was not named) or already draining: success, nothing changes.
      if (!t || t.drainEndsAt !== undefined) continue;
      if (delayMs === 0) group.targets.delete(key);
      else t.drainEndsAt = now + delayMs;
    }
    return [];
  }

  private attributesXml(group: TargetGroup): XmlNode {
    return memberList(
      'Attributes',
      [...group.attributes].map(([key, value]) => [leaf('Key', key), leaf('Value', value)]),
    );
  }

  private describeAttributes(params: QueryParams): XmlNode[] {
    return [this.attributesXml(this.resolveGroup(params))];
  }

  private modifyAttributes(params: QueryParams): XmlNode[] {
    const group = this.resolveGroup(params);
    const changes = requireMembers(params, 'Attributes').map((item, i) => {
      const key = item.Key;
      if (key === undefined || key === '') throw missingParameter(`Attributes.member.${i + 1}.Key`);
      const value = item.Value ?? '';
      const problem = attributeProblem(group.kind, key, value);
      if (problem) {
        const message = problem.startsWith('is not supported')
          ? `Target group attribute key '${key}' ${problem}`
          : `Target group attribute '${key}' value '${value}' is not valid: it ${problem}`;
        throw new ApiError('InvalidConfigurationRequest', message);
      }
      return [key, value] as const;
    });
    // All or nothing: nothing is applied until every attribute has been checked.
    for (const [key, value] of changes) group.attributes.set(key, value);
    return [this.attributesXml(group)];
  }

  private describeTargetGroups(params: QueryParams): (XmlNode | undefined)[] {
    const names = readStringMembers(params, 'Names');
    const arns = readStringMembers(params, 'TargetGroupArns');
    const lbArn = params.LoadBalancerArn === '' ? undefined : params.LoadBalancerArn;
    if ([names.length > 0, arns.length > 0, lbArn !== undefined].filter(Boolean).length > 1) {
      throw validationError('Target group names, target group ARNs, and a load balancer ARN cannot be specified at the same time');
    }
    let selected: readonly TargetGroup[] = this.groups;
    if (names.length > 0 || arns.length > 0) {
      for (const arn of arns) if (!TARGET_GROUP_ARN_PATTERN.test(arn)) throw validationError(`'${arn}' is not a valid target group ARN`);
      const wanted = new Set([...names, ...arns]);
      selected = this.groups.filter((g) => wanted.has(g.name) || wanted.has(g.arn));
      const found = new Set(selected.flatMap((g) => [g.name, g.arn]));
      if ([...wanted].some((w) => !found.has(w))) throw new ApiError('TargetGroupNotFound', 'One or more target groups not found');
    } else if (lbArn !== undefined) {
      this.loadBalancers.requireArn(lbArn);
      selected = this.groups.filter((g) => g.loadBalancerArns.includes(lbArn));
    }
    const page = paginate(selected, params);
    return [memberList('TargetGroups', page.items.map((g) => this.targetGroupXml(g))), leaf('NextMarker', page.nextMarker)];
  }

  // Element order follows the model's TargetGroup members.
  private targetGroupXml(g: TargetGroup): (XmlNode | undefined)[] {
    const hc = healthCheckFor(g.kind, g.protocol);
    return [
      leaf('TargetGroupArn', g.arn),
      leaf('TargetGroupName', g.name),
      leaf('Protocol', g.protocol),
      leaf('Port', g.port),
      leaf('VpcId', g.vpcId),
      leaf('HealthCheckProtocol', hc.protocol),
      leaf('HealthCheckPort', hc.port),
      leaf('HealthCheckEnabled', hc.enabled),
      leaf('HealthCheckIntervalSeconds', hc.interval),
      leaf('HealthCheckTimeoutSeconds', hc.timeout),
      leaf('HealthyThresholdCount', 5),
      leaf('UnhealthyThresholdCount', 2),
      leaf('HealthCheckPath', hc.path),
      hc.matcher === undefined ? undefined : el('Matcher', [leaf('HttpCode', hc.matcher)]),
      stringMemberList('LoadBalancerArns', g.loadBalancerArns),
      leaf('TargetType', g.targetType),
      leaf('ProtocolVersion', g.kind === 'alb' ? 'HTTP1' : undefined),
      leaf('IpAddressType', g.kind === 'lambda' ? undefined : 'ipv4'),
    ];
  }
}
