/**
 * The Auto Scaling part of the seed: groups, their instances, what they are attached to and
 * their lifecycle hooks. Read by seed.ts with the same strict rules as the rest of the seed.
 */
import type { SeedReader } from '../shared/seed.js';
import { findRepeat } from '../shared/seed.js';
import { INSTANCE_ID_PATTERN, ZONE_PATTERN } from './ids.js';

/** The two transitions a hook can wait on. */
export const LIFECYCLE_TRANSITIONS = ['autoscaling:EC2_INSTANCE_TERMINATING', 'autoscaling:EC2_INSTANCE_LAUNCHING'] as const;
export type LifecycleTransition = (typeof LIFECYCLE_TRANSITIONS)[number];

/** What a hook does when its time runs out, or what a client reports with CompleteLifecycleAction. */
export type LifecycleActionResult = 'CONTINUE' | 'ABANDON';

/** One lifecycle hook; a group has at most one per transition. */
export interface LifecycleHookSeed {
  readonly name: string;
  readonly transition: LifecycleTransition;
  /** Seconds, 30-7200 as PutLifecycleHook allows; default 3600. */
  readonly heartbeatTimeout?: number;
  /** Default ABANDON, as for PutLifecycleHook. */
  readonly defaultResult?: LifecycleActionResult;
  readonly notificationMetadata?: string;
  /** Shown as NotificationTargetARN; default: the ARN of `notificationQueueUrl`'s queue, if there is one. */
  readonly notificationTargetArn?: string;
  /** Where the emulator sends the hook's notifications (SQS); default: the emulator's `notificationQueueUrl` option. */
  readonly notificationQueueUrl?: string;
  readonly roleArn?: string;
}

/** One instance of a group, InService from the start. */
export interface AutoScalingInstanceSeed {
  readonly id: string;
  /** Default: the region's first zone (`<region>a`). */
  readonly availabilityZone?: string;
  readonly privateIp?: string;
}

/**
 * One Auto Scaling group. The emulator does not register the instances with `targetGroups` or
 * `loadBalancers` at start: a seed that wants them registered lists them there too, as AWS would
 * have done when they launched.
 */
export interface AutoScalingGroupSeed {
  readonly name: string;
  readonly minSize: number;
  readonly maxSize: number;
  /** Default: the number of instances; when given it must equal that number. */
  readonly desiredCapacity?: number;
  readonly instances?: readonly AutoScalingInstanceSeed[];
  /** Names of seeded ELBv2 target groups of target type instance. */
  readonly targetGroups?: readonly string[];
  /** Names of seeded Classic load balancers. */
  readonly loadBalancers?: readonly string[];
  readonly lifecycleHooks?: readonly LifecycleHookSeed[];
}

/** What the group reader checks references against. */
export interface SeededNames {
  readonly instanceTargetGroups: ReadonlySet<string>;
  readonly classicLoadBalancers: ReadonlySet<string>;
}

const GROUP_NAME = /^[^:]{1,255}$/;
const HOOK_NAME = /^[A-Za-z0-9\-_/]{1,255}$/;
const QUEUE_URL = /^https?:\/\/[^/]+\/\d{12}\/[A-Za-z0-9_-]{1,80}$/;

function readHook(r: SeedReader, value: unknown, path: string, minHeartbeatTimeout: number): LifecycleHookSeed {
  const o = r.object(value, path, [
    'name',
    'transition',
    'heartbeatTimeout',
    'defaultResult',
    'notificationMetadata',
    'notificationTargetArn',
    'notificationQueueUrl',
    'roleArn',
  ]);
  return {
    name: r.string(o.name, `${path}.name`, HOOK_NAME, 'must be 1-255 letters, digits, -, _ or /') ?? r.fail(`${path}.name`, 'is required'),
    transition: r.oneOf(o.transition, `${path}.transition`, LIFECYCLE_TRANSITIONS) ?? r.fail(`${path}.transition`, `is required (${LIFECYCLE_TRANSITIONS.join(' or ')})`),
    heartbeatTimeout: r.integer(o.heartbeatTimeout, `${path}.heartbeatTimeout`, minHeartbeatTimeout, 7200),
    defaultResult: r.oneOf(o.defaultResult, `${path}.defaultResult`, ['CONTINUE', 'ABANDON'] as const),
    notificationMetadata: r.string(o.notificationMetadata, `${path}.notificationMetadata`, /^[\t\n\r\x20-\x7e]{1,4000}$/, 'must be 1-4000 printable ASCII characters'),
    notificationTargetArn: r.string(o.notificationTargetArn, `${path}.notificationTargetArn`, /^arn:aws[a-z-]*:(sqs|sns):/, 'must be an SQS queue or SNS topic ARN'),
    notificationQueueUrl: r.string(o.notificationQueueUrl, `${path}.notificationQueueUrl`, QUEUE_URL, 'must be an SQS queue URL such as http://127.0.0.1:5000/123456789012/hooks'),
    roleArn: r.string(o.roleArn, `${path}.roleArn`, /^arn:aws[a-z-]*:iam::\d{12}:role\//, 'must be an IAM role ARN'),
  };
}

function readInstance(r: SeedReader, value: unknown, path: string): AutoScalingInstanceSeed {
  const o = r.object(value, path, ['id', 'availabilityZone', 'privateIp']);
  return {
    id: r.string(o.id, `${path}.id`, INSTANCE_ID_PATTERN, 'must be an EC2 instance id such as i-0123456789abcdef0') ?? r.fail(`${path}.id`, 'is required'),
    availabilityZone: r.string(o.availabilityZone, `${path}.availabilityZone`, ZONE_PATTERN, 'must be an Availability Zone name such as us-east-1a'),
    privateIp: r.string(o.privateIp, `${path}.privateIp`, /^\d{1,3}(\.\d{1,3}){3}$/, 'must be an IPv4 address'),
  };
}

function readNames(r: SeedReader, value: unknown, path: string, known: ReadonlySet<string>, what: string): string[] {
  const names = r.array(value, path).map((v, i) => {
    const name = r.string(v, `${path}[${i}]`) ?? r.fail(`${path}[${i}]`, 'must be a name');
    if (!known.has(name)) r.fail(`${path}[${i}]`, `names "${name}", which is not ${what} (known: ${[...known].join(', ') || 'none'})`);
    return name;
  });
  const repeat = findRepeat(names);
  if (repeat) r.fail(`${path}[${repeat.index}]`, `repeats ${path}[${repeat.first}]`);
  return names;
}

function readCapacity(r: SeedReader, o: Record<string, unknown>, path: string, instanceCount: number): Pick<AutoScalingGroupSeed, 'minSize' | 'maxSize' | 'desiredCapacity'> {
  const minSize = r.integer(o.minSize, `${path}.minSize`, 0, 10_000) ?? r.fail(`${path}.minSize`, 'is required');
  const maxSize = r.integer(o.maxSize, `${path}.maxSize`, 0, 10_000) ?? r.fail(`${path}.maxSize`, 'is required');
  if (maxSize < minSize) r.fail(`${path}.maxSize`, `must be at least minSize (${minSize})`);
  const desiredCapacity = r.integer(o.desiredCapacity, `${path}.desiredCapacity`, minSize, maxSize) ?? instanceCount;
  // The emulator never launches or terminates on its own, so a different count would never converge.
  if (desiredCapacity !== instanceCount) r.fail(`${path}.desiredCapacity`, `must equal the number of instances (${instanceCount}): the emulator does not launch instances by itself`);
  if (instanceCount < minSize || instanceCount > maxSize) r.fail(`${path}.instances`, `has ${instanceCount} instances, outside minSize-maxSize (${minSize}-${maxSize})`);
  return { minSize, maxSize, desiredCapacity };
}

/** Reads one group; `names` are the seeded target groups and Classic load balancers it may refer to. */
/** AWS's shortest heartbeat timeout; an emulator started with minHeartbeatTimeoutSeconds accepts shorter ones (end-to-end tests). */
export const AWS_MIN_HEARTBEAT_TIMEOUT_S = 30;

export function readAutoScalingGroup(r: SeedReader, value: unknown, path: string, names: SeededNames, minHeartbeatTimeout = AWS_MIN_HEARTBEAT_TIMEOUT_S): AutoScalingGroupSeed {
  const o = r.object(value, path, ['name', 'minSize', 'maxSize', 'desiredCapacity', 'instances', 'targetGroups', 'loadBalancers', 'lifecycleHooks']);
  const name = r.string(o.name, `${path}.name`, GROUP_NAME, 'must be 1-255 characters without ":"') ?? r.fail(`${path}.name`, 'is required');
  const instances = r.array(o.instances, `${path}.instances`).map((v, i) => readInstance(r, v, `${path}.instances[${i}]`));
  const lifecycleHooks = r.array(o.lifecycleHooks, `${path}.lifecycleHooks`).map((v, i) => readHook(r, v, `${path}.lifecycleHooks[${i}]`, minHeartbeatTimeout));
  const sameName = findRepeat(lifecycleHooks.map((h) => h.name));
  if (sameName) r.fail(`${path}.lifecycleHooks[${sameName.index}].name`, `"${sameName.key}" is already used by ${path}.lifecycleHooks[${sameName.first}]`);
  // AWS runs several hooks of one transition in parallel; the emulator keeps to one so each instance has one action.
  const sameTransition = findRepeat(lifecycleHooks.map((h) => h.transition));
  if (sameTransition) r.fail(`${path}.lifecycleHooks[${sameTransition.index}].transition`, `repeats ${path}.lifecycleHooks[${sameTransition.first}]: the emulator supports one hook per transition`);
  return {
    name,
    ...readCapacity(r, o, path, instances.length),
    instances,
    targetGroups: readNames(r, o.targetGroups, `${path}.targetGroups`, names.instanceTargetGroups, 'a seeded target group of target type instance'),
    loadBalancers: readNames(r, o.loadBalancers, `${path}.loadBalancers`, names.classicLoadBalancers, 'in classicLoadBalancers'),
    lifecycleHooks,
  };
}

/** Checks what only the whole list can show: unique group names, and each instance in one group only. */
export function checkAutoScalingGroups(r: SeedReader, groups: readonly AutoScalingGroupSeed[]): void {
  const name = findRepeat(groups.map((g) => g.name));
  if (name) r.fail(`autoScalingGroups[${name.index}].name`, `"${name.key}" is already used by autoScalingGroups[${name.first}]`);
  const placed = groups.flatMap((g, gi) => (g.instances ?? []).map((inst, ii) => ({ id: inst.id, at: `autoScalingGroups[${gi}].instances[${ii}]` })));
  const instance = findRepeat(placed.map((p) => p.id));
  if (instance) r.fail(`${placed[instance.index]!.at}.id`, `"${instance.key}" is already in ${placed[instance.first]!.at}: an instance belongs to one group`);
}
