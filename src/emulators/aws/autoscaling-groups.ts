/**
 * Auto Scaling groups and the lifecycle of their instances. As in elbv2.ts the state is lazy:
 * a waiting lifecycle action keeps its deadlines, and `settle(now)` finishes every action whose
 * deadline has passed, at the deadline's own time. Every request and admin call settles first,
 * so a fake clock moves every instance forward at once. Nothing here runs a timer; the owner is
 * told of each new deadline (`onDeadline`) so it can settle on time when nobody asks.
 */
import { randomUUID } from 'node:crypto';
import type { AutoScalingGroupSeed, LifecycleActionResult, LifecycleTransition } from './autoscaling-seed.js';
import { ApiError, validationError } from './errors.js';
import { nameHex, targetGroupArnFor } from './ids.js';
import type { ResourceScope } from './service.js';

/** The instance states the emulator goes through (a subset of the model's LifecycleState enum). */
export type LifecycleState = 'Pending' | 'Pending:Wait' | 'Pending:Proceed' | 'InService' | 'Terminating' | 'Terminating:Wait' | 'Terminating:Proceed' | 'Terminated';

export const TERMINATING: LifecycleTransition = 'autoscaling:EC2_INSTANCE_TERMINATING';
export const LAUNCHING: LifecycleTransition = 'autoscaling:EC2_INSTANCE_LAUNCHING';

/** The longest a lifecycle action can last, however often it is extended (seconds). */
const MAX_GLOBAL_TIMEOUT_S = 172_800;

export interface LifecycleHook {
  readonly name: string;
  readonly transition: LifecycleTransition;
  readonly heartbeatTimeoutS: number;
  /** min(172800, 100 × HeartbeatTimeout), as AWS computes it. */
  readonly globalTimeoutS: number;
  readonly defaultResult: LifecycleActionResult;
  readonly notificationMetadata: string | undefined;
  readonly notificationTargetArn: string | undefined;
  readonly notificationQueueUrl: string | undefined;
  readonly roleArn: string | undefined;
}

/** One instance waiting on a hook. */
export interface LifecycleAction {
  readonly hook: LifecycleHook;
  readonly token: string;
  readonly startedAt: number;
  readonly globalDeadline: number;
  heartbeatDeadline: number;
}

export interface GroupInstance {
  readonly id: string;
  readonly availabilityZone: string;
  readonly privateIp: string | undefined;
  state: LifecycleState;
  action: LifecycleAction | undefined;
}

export interface AutoScalingGroup {
  readonly name: string;
  readonly arn: string;
  readonly minSize: number;
  readonly maxSize: number;
  desiredCapacity: number;
  readonly createdAt: number;
  readonly targetGroupArns: readonly string[];
  readonly loadBalancerNames: readonly string[];
  readonly hooks: readonly LifecycleHook[];
  /** Map order is launch order, which the Describe actions keep. */
  readonly instances: Map<string, GroupInstance>;
}

/** What Auto Scaling does to the group's load balancers when an instance leaves or joins. */
export interface LoadBalancerAttachments {
  detach(instanceId: string, group: AutoScalingGroup, now: number): void;
  attach(instanceId: string, group: AutoScalingGroup, now: number): void;
}

/** An instance that reached Terminated. */
export interface InstanceTerminated {
  readonly instanceId: string;
  readonly groupName: string;
  /** Emulator-clock time of the transition (ms epoch); for a timed-out action, its deadline. */
  readonly at: number;
}

/** A lifecycle action that has just started, with what its notification needs. */
export interface StartedAction {
  readonly group: AutoScalingGroup;
  readonly instanceId: string;
  readonly action: LifecycleAction;
}

export interface AutoScalingGroupsDeps {
  readonly seed: readonly AutoScalingGroupSeed[];
  readonly scope: ResourceScope;
  readonly startedAt: number;
  readonly attachments: LoadBalancerAttachments;
  /** Called with each new or moved deadline (ms epoch). */
  readonly onDeadline: (at: number) => void;
  /** Called once for each instance that reaches Terminated. */
  readonly onTerminated: (event: InstanceTerminated) => void;
}

/** A UUID-shaped id derived from a name, so ARNs stay the same on every start of a seed. */
function uuidFromName(name: string): string {
  const hex = nameHex(`asg:${name}`) + nameHex(`asg2:${name}`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** `arn:aws:autoscaling:<region>:<account>:autoScalingGroup:<uuid>:autoScalingGroupName/<name>`. */
export function autoScalingGroupArnFor(scope: ResourceScope, name: string): string {
  return `arn:aws:autoscaling:${scope.region}:${scope.accountId}:autoScalingGroup:${uuidFromName(name)}:autoScalingGroupName/${name}`;
}

/** The ARN of an SQS queue from its URL (`…/<account>/<name>`). */
export function queueArnOf(queueUrl: string, region: string): string {
  const [account, name] = new URL(queueUrl).pathname.split('/').filter(Boolean);
  return `arn:aws:sqs:${region}:${account}:${name}`;
}

/** The ValidationError AWS gives for a group name it does not have. */
export function groupNotFound(name: string): ApiError {
  return validationError(`AutoScalingGroup name not found - AutoScalingGroup ${name} not found`);
}

function hooksOf(seed: AutoScalingGroupSeed, defaultQueueUrl: string | undefined, region: string): LifecycleHook[] {
  return (seed.lifecycleHooks ?? []).map((h) => {
    const heartbeatTimeoutS = h.heartbeatTimeout ?? 3600;
    const notificationQueueUrl = h.notificationQueueUrl ?? defaultQueueUrl;
    return {
      name: h.name,
      transition: h.transition,
      heartbeatTimeoutS,
      globalTimeoutS: Math.min(MAX_GLOBAL_TIMEOUT_S, 100 * heartbeatTimeoutS),
      defaultResult: h.defaultResult ?? 'ABANDON',
      notificationMetadata: h.notificationMetadata,
      notificationTargetArn: h.notificationTargetArn ?? (notificationQueueUrl ? queueArnOf(notificationQueueUrl, region) : undefined),
      notificationQueueUrl,
      roleArn: h.roleArn,
    };
  });
}

/** All groups of the emulated account, with the lifecycle state machine. */
export class AutoScalingGroups {
  private readonly groups = new Map<string, AutoScalingGroup>();
  /** Instances that left their group, kept so their final state can still be asked for. */
  private readonly terminated = new Map<string, InstanceTerminated>();

  constructor(
    private readonly deps: AutoScalingGroupsDeps,
    defaultQueueUrl: string | undefined,
  ) {
    const { scope, startedAt } = deps;
    for (const s of [...deps.seed].sort((a, b) => a.name.localeCompare(b.name))) {
      const instances = (s.instances ?? []).map((i): [string, GroupInstance] => [
        i.id,
        { id: i.id, availabilityZone: i.availabilityZone ?? `${scope.region}a`, privateIp: i.privateIp, state: 'InService', action: undefined },
      ]);
      this.groups.set(s.name, {
        name: s.name,
        arn: autoScalingGroupArnFor(scope, s.name),
        minSize: s.minSize,
        maxSize: s.maxSize,
        desiredCapacity: s.desiredCapacity ?? instances.length,
        createdAt: startedAt,
        targetGroupArns: (s.targetGroups ?? []).map((n) => targetGroupArnFor(scope.region, scope.accountId, n)),
        loadBalancerNames: [...(s.loadBalancers ?? [])],
        hooks: hooksOf(s, defaultQueueUrl, scope.region),
        instances: new Map(instances),
      });
    }
  }

  /** Every group, sorted by name, as of `now`. */
  all(now: number): AutoScalingGroup[] {
    this.settle(now);
    return [...this.groups.values()];
  }

  /** The group named `name` as of `now`, or the ValidationError AWS gives. */
  get(name: string, now: number): AutoScalingGroup {
    this.settle(now);
    const group = this.groups.get(name);
    if (!group) throw groupNotFound(name);
    return group;
  }

  /** An instance's state at `now`: its group's record, or Terminated once it has left; undefined if never seen. */
  stateOf(instanceId: string, now: number): LifecycleState | undefined {
    this.settle(now);
    if (this.terminated.has(instanceId)) return 'Terminated';
    return this.findInstance(instanceId)?.instance.state;
  }

  /** Finishes every action whose heartbeat or global deadline has passed, with the hook's DefaultResult. */
  settle(now: number): void {
    for (const group of this.groups.values()) {
      for (const instance of [...group.instances.values()]) {
        const action = instance.action;
        if (!action) continue;
        const due = Math.min(action.heartbeatDeadline, action.globalDeadline);
        if (due <= now) this.finish(group, instance, action.hook.defaultResult, due);
      }
    }
  }

  /**
   * Takes an InService instance out of its group as a scale-in does: desired capacity down by one,
   * Terminating, deregistered from the attached load balancers, then Terminating:Wait when the
   * group has a terminating hook (the started action is returned) or Terminated at once.
   */
  scaleIn(groupName: string, instanceId: string, now: number): StartedAction | undefined {
    const group = this.adminGroup(groupName, now);
    const instance = group.instances.get(instanceId);
    if (!instance) throw new Error(`Auto Scaling group "${groupName}" has no instance ${instanceId} (instances: ${[...group.instances.keys()].join(', ') || 'none'})`);
    if (instance.state !== 'InService') throw new Error(`instance ${instanceId} is ${instance.state}; only an InService instance can be scaled in`);
    if (group.desiredCapacity <= group.minSize) {
      throw new Error(`Auto Scaling group "${groupName}" is at its minSize (${group.minSize}); scaling in ${instanceId} would go below it`);
    }
    group.desiredCapacity -= 1;
    instance.state = 'Terminating';
    // AWS deregisters from the attached load balancers before running terminating hooks.
    this.deps.attachments.detach(instanceId, group, now);
    const hook = group.hooks.find((h) => h.transition === TERMINATING);
    if (!hook) {
      this.terminate(group, instance, now);
      return undefined;
    }
    return this.start(group, instance, hook, 'Terminating:Wait', now);
  }

  /**
   * Adds an instance as a scale-out does: desired capacity up by one, Pending, then Pending:Wait
   * when the group has a launching hook (the started action is returned), or InService at once
   * and registered with the attached load balancers.
   */
  launch(groupName: string, instance: { id: string; availabilityZone?: string; privateIp?: string }, now: number): StartedAction | undefined {
    const group = this.adminGroup(groupName, now);
    const elsewhere = this.findInstance(instance.id);
    if (elsewhere || this.terminated.has(instance.id)) throw new Error(`instance ${instance.id} already exists (instance ids are never reused)`);
    if (group.desiredCapacity >= group.maxSize) throw new Error(`Auto Scaling group "${groupName}" is at its maxSize (${group.maxSize})`);
    group.desiredCapacity += 1;
    const added: GroupInstance = {
      id: instance.id,
      availabilityZone: instance.availabilityZone ?? `${this.deps.scope.region}a`,
      privateIp: instance.privateIp,
      state: 'Pending',
      action: undefined,
    };
    group.instances.set(added.id, added);
    const hook = group.hooks.find((h) => h.transition === LAUNCHING);
    if (!hook) {
      this.putInService(group, added, now);
      return undefined;
    }
    return this.start(group, added, hook, 'Pending:Wait', now);
  }

  /** The waiting action that the request names, or the ValidationError AWS gives. */
  activeAction(groupName: string, hookName: string, token: string | undefined, instanceId: string | undefined, now: number): StartedAction {
    const group = this.get(groupName, now);
    for (const instance of group.instances.values()) {
      const action = instance.action;
      if (!action || action.hook.name !== hookName) continue;
      if ((token === undefined || action.token === token) && (instanceId === undefined || instance.id === instanceId)) return { group, instanceId: instance.id, action };
    }
    throw validationError(token !== undefined ? `No active Lifecycle Action found with token ${token}` : `No active Lifecycle Action found with instance ID ${instanceId}`);
  }

  /** RecordLifecycleActionHeartbeat: restarts the heartbeat timeout, never past the global timeout. */
  heartbeat(started: StartedAction, now: number): void {
    const { action } = started;
    action.heartbeatDeadline = Math.min(now + action.hook.heartbeatTimeoutS * 1000, action.globalDeadline);
    this.deps.onDeadline(action.heartbeatDeadline);
  }

  /** CompleteLifecycleAction. */
  complete(started: StartedAction, result: LifecycleActionResult, now: number): void {
    const instance = started.group.instances.get(started.instanceId);
    if (instance) this.finish(started.group, instance, result, now);
  }

  private adminGroup(name: string, now: number): AutoScalingGroup {
    this.settle(now);
    const group = this.groups.get(name);
    if (!group) throw new Error(`the AWS emulator has no Auto Scaling group "${name}" (groups: ${[...this.groups.keys()].join(', ') || 'none'})`);
    return group;
  }

  private findInstance(instanceId: string): { group: AutoScalingGroup; instance: GroupInstance } | undefined {
    for (const group of this.groups.values()) {
      const instance = group.instances.get(instanceId);
      if (instance) return { group, instance };
    }
    return undefined;
  }

  private start(group: AutoScalingGroup, instance: GroupInstance, hook: LifecycleHook, state: LifecycleState, now: number): StartedAction {
    const action: LifecycleAction = {
      hook,
      token: randomUUID(),
      startedAt: now,
      globalDeadline: now + hook.globalTimeoutS * 1000,
      heartbeatDeadline: now + hook.heartbeatTimeoutS * 1000,
    };
    instance.state = state;
    instance.action = action;
    this.deps.onDeadline(action.heartbeatDeadline);
    return { group, instanceId: instance.id, action };
  }

  /** Ends a wait: a terminating instance terminates either way; a launching one goes InService on CONTINUE. */
  private finish(group: AutoScalingGroup, instance: GroupInstance, result: LifecycleActionResult, at: number): void {
    const terminating = instance.state === 'Terminating:Wait';
    instance.action = undefined;
    // AWS passes through *:Proceed on its way on; the emulator takes no time there.
    instance.state = terminating ? 'Terminating:Proceed' : 'Pending:Proceed';
    // An abandoned launch is terminated; AWS would then launch a replacement, which the emulator does not.
    if (terminating || result === 'ABANDON') this.terminate(group, instance, at);
    else this.putInService(group, instance, at);
  }

  private putInService(group: AutoScalingGroup, instance: GroupInstance, at: number): void {
    instance.state = 'InService';
    this.deps.attachments.attach(instance.id, group, at);
  }

  private terminate(group: AutoScalingGroup, instance: GroupInstance, at: number): void {
    instance.state = 'Terminated';
    group.instances.delete(instance.id);
    const event = { instanceId: instance.id, groupName: group.name, at };
    this.terminated.set(instance.id, event);
    this.deps.onTerminated(event);
  }
}
