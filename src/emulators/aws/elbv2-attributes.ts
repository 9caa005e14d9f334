/**
 * Target-group attributes: which keys each kind of group has, their defaults and their valid
 * values, as the service model's `TargetGroupAttribute.Key` documentation lists them.
 * Shared by ModifyTargetGroupAttributes and seed validation so both reject the same things.
 */

/** ELBv2 target-group protocols the emulator accepts. */
export type TargetGroupProtocol = 'HTTP' | 'HTTPS' | 'TCP' | 'TLS' | 'UDP' | 'TCP_UDP' | 'GENEVE';

/** ELBv2 target types the emulator accepts (`alb` targets are not emulated). */
export type TargetType = 'instance' | 'ip' | 'lambda';

/** Which load balancer family a group belongs to; decides its attribute set and health-check defaults. */
export type GroupKind = 'alb' | 'nlb' | 'gwlb' | 'lambda';

/** All protocols, for validation messages. */
export const TARGET_GROUP_PROTOCOLS: readonly TargetGroupProtocol[] = ['HTTP', 'HTTPS', 'TCP', 'TLS', 'UDP', 'TCP_UDP', 'GENEVE'];

/** A group's protocol: HTTP unless given; Lambda groups have none. */
export function protocolOf(protocol: TargetGroupProtocol | undefined, targetType: TargetType): TargetGroupProtocol | undefined {
  return targetType === 'lambda' ? undefined : (protocol ?? 'HTTP');
}

/** The family implied by a group's protocol (after `protocolOf`) and target type. */
export function groupKindOf(protocol: TargetGroupProtocol | undefined, targetType: TargetType): GroupKind {
  if (targetType === 'lambda') return 'lambda';
  if (protocol === 'HTTP' || protocol === 'HTTPS') return 'alb';
  if (protocol === 'GENEVE') return 'gwlb';
  return 'nlb';
}

/** A human name for a family, used in error messages. */
export function describeKind(kind: GroupKind): string {
  switch (kind) {
    case 'alb':
      return 'Application Load Balancer target groups';
    case 'nlb':
      return 'Network Load Balancer target groups';
    case 'gwlb':
      return 'Gateway Load Balancer target groups';
    case 'lambda':
      return 'Lambda target groups';
  }
}

interface GroupShape {
  readonly kind: GroupKind;
  readonly protocol: TargetGroupProtocol | undefined;
  readonly targetType: TargetType;
}

interface AttributeSpec {
  readonly key: string;
  readonly kinds: readonly GroupKind[];
  readonly defaultValue: (group: GroupShape) => string;
  /** A problem phrase ("must be …") or undefined when the value is acceptable. */
  readonly check: (value: string) => string | undefined;
}

const isUdp = (g: GroupShape): boolean => g.protocol === 'UDP' || g.protocol === 'TCP_UDP';

function integer(min: number, max: number): (v: string) => string | undefined {
  return (v) => (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? undefined : `must be an integer ${min}-${max}`);
}

function oneOf(...allowed: string[]): (v: string) => string | undefined {
  return (v) => (allowed.includes(v) ? undefined : `must be one of ${allowed.join(', ')}`);
}

const boolean = oneOf('true', 'false');

function offOr(rest: (v: string) => string | undefined, phrase: string): (v: string) => string | undefined {
  return (v) => (v === 'off' || rest(v) === undefined ? undefined : phrase);
}

const fixed = (value: string) => () => value;
const ALB_NLB: readonly GroupKind[] = ['alb', 'nlb'];
const TG_HEALTH_COUNT_MAX = 1_000_000;

// Order follows the AWS example response (stickiness.enabled, deregistration_delay…, stickiness.type,
// stickiness.lb_cookie…), then the model documentation's order.
const SPECS: readonly AttributeSpec[] = [
  { key: 'stickiness.enabled', kinds: ['alb', 'nlb', 'gwlb'], defaultValue: fixed('false'), check: boolean },
  { key: 'deregistration_delay.timeout_seconds', kinds: ['alb', 'nlb', 'gwlb'], defaultValue: fixed('300'), check: integer(0, 3600) },
  {
    key: 'stickiness.type',
    kinds: ['alb', 'nlb', 'gwlb'],
    defaultValue: (g) => (g.kind === 'alb' ? 'lb_cookie' : g.kind === 'nlb' ? 'source_ip' : 'source_ip_dest_ip_proto'),
    check: oneOf('lb_cookie', 'app_cookie', 'source_ip', 'source_ip_dest_ip', 'source_ip_dest_ip_proto'),
  },
  { key: 'stickiness.lb_cookie.duration_seconds', kinds: ['alb'], defaultValue: fixed('86400'), check: integer(1, 604800) },
  { key: 'stickiness.app_cookie.cookie_name', kinds: ['alb'], defaultValue: fixed(''), check: () => undefined },
  { key: 'stickiness.app_cookie.duration_seconds', kinds: ['alb'], defaultValue: fixed('86400'), check: integer(1, 604800) },
  {
    key: 'slow_start.duration_seconds',
    kinds: ['alb'],
    defaultValue: fixed('0'),
    check: (v) => (v === '0' || integer(30, 900)(v) === undefined ? undefined : 'must be 0 (disabled) or an integer 30-900'),
  },
  { key: 'load_balancing.algorithm.type', kinds: ['alb'], defaultValue: fixed('round_robin'), check: oneOf('round_robin', 'least_outstanding_requests', 'weighted_random') },
  { key: 'load_balancing.algorithm.anomaly_mitigation', kinds: ['alb'], defaultValue: fixed('off'), check: oneOf('on', 'off') },
  {
    key: 'deregistration_delay.connection_termination.enabled',
    kinds: ['nlb'],
    defaultValue: (g) => String(isUdp(g)),
    check: boolean,
  },
  {
    key: 'preserve_client_ip.enabled',
    kinds: ['nlb'],
    defaultValue: (g) => String(!(g.targetType === 'ip' && (g.protocol === 'TCP' || g.protocol === 'TLS'))),
    check: boolean,
  },
  { key: 'proxy_protocol_v2.enabled', kinds: ['nlb'], defaultValue: fixed('false'), check: boolean },
  { key: 'load_balancing.cross_zone.enabled', kinds: ALB_NLB, defaultValue: fixed('use_load_balancer_configuration'), check: oneOf('true', 'false', 'use_load_balancer_configuration') },
  // UDP groups cannot terminate connections to unhealthy targets, so their default is false.
  { key: 'target_health_state.unhealthy.connection_termination.enabled', kinds: ['nlb'], defaultValue: (g) => String(!isUdp(g)), check: boolean },
  { key: 'target_health_state.unhealthy.draining_interval_seconds', kinds: ['nlb'], defaultValue: fixed('0'), check: integer(0, 360000) },
  {
    key: 'target_group_health.dns_failover.minimum_healthy_targets.count',
    kinds: ALB_NLB,
    defaultValue: fixed('1'),
    check: offOr(integer(1, TG_HEALTH_COUNT_MAX), 'must be off or an integer of at least 1'),
  },
  { key: 'target_group_health.dns_failover.minimum_healthy_targets.percentage', kinds: ALB_NLB, defaultValue: fixed('off'), check: offOr(integer(1, 100), 'must be off or an integer 1-100') },
  {
    key: 'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count',
    kinds: ALB_NLB,
    defaultValue: fixed('1'),
    check: integer(1, TG_HEALTH_COUNT_MAX),
  },
  {
    key: 'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage',
    kinds: ALB_NLB,
    defaultValue: fixed('off'),
    check: offOr(integer(1, 100), 'must be off or an integer 1-100'),
  },
  { key: 'target_failover.on_deregistration', kinds: ['gwlb'], defaultValue: fixed('no_rebalance'), check: oneOf('rebalance', 'no_rebalance') },
  { key: 'target_failover.on_unhealthy', kinds: ['gwlb'], defaultValue: fixed('no_rebalance'), check: oneOf('rebalance', 'no_rebalance') },
  { key: 'send_tcp_reset.on_deregistration.enabled', kinds: ['gwlb'], defaultValue: fixed('false'), check: boolean },
  { key: 'send_tcp_reset.on_unhealthy.enabled', kinds: ['gwlb'], defaultValue: fixed('false'), check: boolean },
  { key: 'lambda.multi_value_headers.enabled', kinds: ['lambda'], defaultValue: fixed('false'), check: boolean },
];

// stickiness.type values differ per family although the key is shared.
const STICKINESS_TYPES: Record<GroupKind, readonly string[]> = {
  alb: ['lb_cookie', 'app_cookie'],
  nlb: ['source_ip'],
  gwlb: ['source_ip_dest_ip', 'source_ip_dest_ip_proto'],
  lambda: [],
};

/** The attribute list a new group of this shape starts with, in AWS's order. */
export function defaultAttributes(group: GroupShape): Map<string, string> {
  return new Map(SPECS.filter((s) => s.kinds.includes(group.kind)).map((s) => [s.key, s.defaultValue(group)]));
}

/**
 * Why `key=value` is not acceptable for this group, as a phrase to prefix with the key,
 * or undefined when it is fine.
 */
export function attributeProblem(kind: GroupKind, key: string, value: string): string | undefined {
  const spec = SPECS.find((s) => s.key === key);
  if (!spec || !spec.kinds.includes(kind)) return `is not supported for ${describeKind(kind)}`;
  if (key === 'stickiness.type' && !STICKINESS_TYPES[kind].includes(value)) {
    return `must be one of ${STICKINESS_TYPES[kind].join(', ')}`;
  }
  return spec.check(value);
}
