/**
 * EC2 Auto Scaling (API 2011-01-01): the read side a drain needs (groups, instances, hooks,
 * attached load balancers) and the two lifecycle-action calls a hook handler makes. Member names
 * and order follow the botocore model's output shapes; the state lives in autoscaling-groups.ts.
 */
import type { AutoScalingGroup, AutoScalingGroups, GroupInstance, LifecycleHook } from './autoscaling-groups.js';
import { ApiError, validationError } from './errors.js';
import { parseIntParam, readStringMembers, requireParam, type QueryParams } from './query.js';
import type { ActionHandler, EmulatedService, ResourceScope } from './service.js';
import { el, leaf, memberList, stringMemberList, type XmlNode } from './xml.js';

const NAMESPACE = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

/** The model's IAM action prefix; AccessDenied messages name `autoscaling:<Action>`. */
function accessDenied(action: string): ApiError {
  return new ApiError('AccessDenied', `User: arn:aws:iam::123456789012:user/drainctl-test is not authorized to perform: autoscaling:${action} because no identity-based policy allows the autoscaling:${action} action`, 403);
}

// NextToken is opaque to clients; base64 keeps it from looking like something to construct by hand.
function encodeToken(offset: number): string {
  return Buffer.from(`asg-offset:${offset}`, 'utf8').toString('base64');
}

function decodeToken(token: string): number {
  const match = /^asg-offset:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
  if (!match) throw new ApiError('InvalidNextToken', 'The token provided is not valid.');
  return Number(match[1]);
}

/** One page by NextToken/MaxRecords; `limits` are the model's default and maximum MaxRecords for the action. */
function page<T>(items: readonly T[], params: QueryParams, limits: { default: number; max: number }): { items: T[]; nextToken: XmlNode | undefined } {
  const size = parseIntParam(params.MaxRecords, 'MaxRecords', 1, limits.max) ?? limits.default;
  const offset = params.NextToken === undefined || params.NextToken === '' ? 0 : decodeToken(params.NextToken);
  const end = offset + size;
  return { items: items.slice(offset, end), nextToken: end < items.length ? leaf('NextToken', encodeToken(end)) : undefined };
}

function atMost(values: readonly string[], name: string, max: number): readonly string[] {
  if (values.length > max) {
    throw validationError(`1 validation error detected: Value '[${values.join(', ')}]' at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
  }
  return values;
}

/** The Type Auto Scaling reports for each kind of traffic source. */
function trafficSourcesOf(group: AutoScalingGroup): { identifier: string; type: 'elbv2' | 'elb' }[] {
  return [...group.targetGroupArns.map((identifier) => ({ identifier, type: 'elbv2' as const })), ...group.loadBalancerNames.map((identifier) => ({ identifier, type: 'elb' as const }))];
}

function hookXml(group: AutoScalingGroup, hook: LifecycleHook): (XmlNode | undefined)[] {
  return [
    leaf('LifecycleHookName', hook.name),
    leaf('AutoScalingGroupName', group.name),
    leaf('LifecycleTransition', hook.transition),
    leaf('NotificationTargetARN', hook.notificationTargetArn),
    leaf('RoleARN', hook.roleArn),
    leaf('NotificationMetadata', hook.notificationMetadata),
    leaf('HeartbeatTimeout', hook.heartbeatTimeoutS),
    leaf('GlobalTimeout', hook.globalTimeoutS),
    leaf('DefaultResult', hook.defaultResult),
  ];
}

/** The Auto Scaling API over the groups of one emulated account. */
export class AutoScalingService implements EmulatedService {
  readonly name = 'autoscaling' as const;
  readonly version = '2011-01-01';
  readonly namespace = NAMESPACE;
  readonly actions: Readonly<Record<string, ActionHandler>>;
  readonly accessDenied = accessDenied;

  constructor(
    private readonly groups: AutoScalingGroups,
    private readonly scope: ResourceScope,
  ) {
    this.actions = {
      DescribeAutoScalingGroups: (p, now) => this.describeGroups(p, now),
      DescribeAutoScalingInstances: (p, now) => this.describeInstances(p, now),
      DescribeLifecycleHooks: (p, now) => this.describeHooks(p, now),
      DescribeTrafficSources: (p, now) => this.describeTrafficSources(p, now),
      DescribeLoadBalancerTargetGroups: (p, now) => this.describeTargetGroups(p, now),
      DescribeLoadBalancers: (p, now) => this.describeLoadBalancers(p, now),
      RecordLifecycleActionHeartbeat: (p, now) => this.recordHeartbeat(p, now),
      CompleteLifecycleAction: (p, now) => this.completeAction(p, now),
    };
  }

  /** Finishes lifecycle actions whose time ran out; the pipeline calls it before every request, whatever its API. */
  settle(now: number): void {
    this.groups.settle(now);
  }

  private groupInstanceXml(instance: GroupInstance): (XmlNode | undefined)[] {
    // In a group's Instances AWS writes HealthStatus as "Healthy"; DescribeAutoScalingInstances says "HEALTHY".
    return [
      leaf('InstanceId', instance.id),
      leaf('AvailabilityZone', instance.availabilityZone),
      leaf('LifecycleState', instance.state),
      leaf('HealthStatus', 'Healthy'),
      leaf('ProtectedFromScaleIn', false),
    ];
  }

  private groupXml(group: AutoScalingGroup): (XmlNode | undefined)[] {
    const instances = [...group.instances.values()];
    const zones = [...new Set(instances.map((i) => i.availabilityZone))].sort();
    return [
      leaf('AutoScalingGroupName', group.name),
      leaf('AutoScalingGroupARN', group.arn),
      leaf('MinSize', group.minSize),
      leaf('MaxSize', group.maxSize),
      leaf('DesiredCapacity', group.desiredCapacity),
      leaf('DefaultCooldown', 300),
      stringMemberList('AvailabilityZones', zones.length > 0 ? zones : [`${this.scope.region}a`]),
      stringMemberList('LoadBalancerNames', group.loadBalancerNames),
      stringMemberList('TargetGroupARNs', group.targetGroupArns),
      leaf('HealthCheckType', 'EC2'),
      leaf('HealthCheckGracePeriod', 300),
      memberList('Instances', instances.map((i) => this.groupInstanceXml(i))),
      leaf('CreatedTime', new Date(group.createdAt).toISOString()),
      el('SuspendedProcesses'),
      el('EnabledMetrics'),
      el('Tags'),
      stringMemberList('TerminationPolicies', ['Default']),
      leaf('NewInstancesProtectedFromScaleIn', false),
      leaf('ServiceLinkedRoleARN', `arn:aws:iam::${this.scope.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`),
      leaf('CapacityRebalance', false),
      memberList('TrafficSources', trafficSourcesOf(group).map((s) => [leaf('Identifier', s.identifier), leaf('Type', s.type)])),
    ];
  }

  private describeGroups(params: QueryParams, now: number): (XmlNode | undefined)[] {
    const names = readStringMembers(params, 'AutoScalingGroupNames');
    // Names the account does not have are left out without an error, as AWS does.
    const groups = this.groups.all(now).filter((g) => names.length === 0 || names.includes(g.name));
    const { items, nextToken } = page(groups, params, { default: 50, max: 100 });
    return [memberList('AutoScalingGroups', items.map((g) => this.groupXml(g))), nextToken];
  }

  private describeInstances(params: QueryParams, now: number): (XmlNode | undefined)[] {
    const ids = atMost(readStringMembers(params, 'InstanceIds'), 'InstanceIds', 50);
    const rows = this.groups.all(now).flatMap((group) => [...group.instances.values()].map((instance) => ({ group, instance })));
    const wanted = rows.filter((r) => ids.length === 0 || ids.includes(r.instance.id)).sort((a, b) => a.instance.id.localeCompare(b.instance.id));
    const { items, nextToken } = page(wanted, params, { default: 50, max: 50 });
    const details = items.map(({ group, instance }) => [
      leaf('InstanceId', instance.id),
      leaf('AutoScalingGroupName', group.name),
      leaf('AvailabilityZone', instance.availabilityZone),
      leaf('LifecycleState', instance.state),
      leaf('HealthStatus', 'HEALTHY'),
      leaf('ProtectedFromScaleIn', false),
    ]);
    return [memberList('AutoScalingInstances', details), nextToken];
  }

  private describeHooks(params: QueryParams, now: number): XmlNode[] {
    const group = this.groups.get(requireParam(params, 'AutoScalingGroupName'), now);
    const names = atMost(readStringMembers(params, 'LifecycleHookNames'), 'LifecycleHookNames', 50);
    const hooks = group.hooks.filter((h) => names.length === 0 || names.includes(h.name));
    return [memberList('LifecycleHooks', hooks.map((h) => hookXml(group, h)))];
  }

  private describeTrafficSources(params: QueryParams, now: number): (XmlNode | undefined)[] {
    const group = this.groups.get(requireParam(params, 'AutoScalingGroupName'), now);
    const type = params.TrafficSourceType;
    const sources = trafficSourcesOf(group).filter((s) => type === undefined || type === '' || s.type === type);
    const { items, nextToken } = page(sources, params, { default: 50, max: 50 });
    // TrafficSource is the deprecated twin of Identifier; AWS still fills both.
    const states = items.map((s) => [leaf('TrafficSource', s.identifier), leaf('State', 'InService'), leaf('Identifier', s.identifier), leaf('Type', s.type)]);
    return [memberList('TrafficSources', states), nextToken];
  }

  private describeTargetGroups(params: QueryParams, now: number): (XmlNode | undefined)[] {
    const group = this.groups.get(requireParam(params, 'AutoScalingGroupName'), now);
    const { items, nextToken } = page(group.targetGroupArns, params, { default: 100, max: 100 });
    return [memberList('LoadBalancerTargetGroups', items.map((arn) => [leaf('LoadBalancerTargetGroupARN', arn), leaf('State', 'InService')])), nextToken];
  }

  private describeLoadBalancers(params: QueryParams, now: number): (XmlNode | undefined)[] {
    const group = this.groups.get(requireParam(params, 'AutoScalingGroupName'), now);
    const { items, nextToken } = page(group.loadBalancerNames, params, { default: 100, max: 100 });
    return [memberList('LoadBalancers', items.map((name) => [leaf('LoadBalancerName', name), leaf('State', 'InService')])), nextToken];
  }

  /** The action a heartbeat or completion names: by token, by instance, or both. */
  private namedAction(params: QueryParams, now: number) {
    const groupName = requireParam(params, 'AutoScalingGroupName');
    const hookName = requireParam(params, 'LifecycleHookName');
    const token = params.LifecycleActionToken || undefined;
    const instanceId = params.InstanceId || undefined;
    if (token !== undefined && token.length !== 36) {
      throw validationError(`1 validation error detected: Value '${token}' at 'lifecycleActionToken' failed to satisfy constraint: Member must have length ${token.length < 36 ? 'greater than or equal to' : 'less than or equal to'} 36`);
    }
    if (token === undefined && instanceId === undefined) throw validationError('Either LifecycleActionToken or InstanceId must be specified.');
    return this.groups.activeAction(groupName, hookName, token, instanceId, now);
  }

  private recordHeartbeat(params: QueryParams, now: number): XmlNode[] {
    this.groups.heartbeat(this.namedAction(params, now), now);
    return [];
  }

  private completeAction(params: QueryParams, now: number): XmlNode[] {
    const result = requireParam(params, 'LifecycleActionResult');
    if (result !== 'CONTINUE' && result !== 'ABANDON') throw validationError(`Invalid LifecycleActionResult '${result}': must be CONTINUE or ABANDON`);
    this.groups.complete(this.namedAction(params, now), result, now);
    return [];
  }
}
