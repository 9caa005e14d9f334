import type { CallContext } from '../call.js';
import type { TargetRef } from '../refs.js';

/**
 * What the lifecycle hook needs from EC2 Auto Scaling and from whatever finds the load balancers
 * that route to an instance. The core imports no SDK: src/providers/aws-asg implements these
 * over the AWS SDK, and tests may implement them over an emulator.
 */

/** The transitions a lifecycle hook can be for, as Auto Scaling names them. */
export type LifecycleTransition =
  | 'autoscaling:EC2_INSTANCE_TERMINATING'
  | 'autoscaling:EC2_INSTANCE_LAUNCHING'
  | 'autoscaling:TEST_NOTIFICATION'
  | (string & {});

/** One lifecycle action: which instance of which group waits on which hook. */
export interface LifecycleAction {
  readonly autoScalingGroupName: string;
  readonly lifecycleHookName: string;
  readonly instanceId: string;
  /** Absent when a script names the action by instance only (Auto Scaling accepts either). */
  readonly token: string | undefined;
  readonly transition: LifecycleTransition;
  /** The hook's NotificationMetadata, as Auto Scaling passes it through. */
  readonly metadata?: string;
  /** When Auto Scaling sent the notification (ISO 8601), if it said. */
  readonly sentAt?: string;
}

/** A lifecycle hook's settings (DescribeLifecycleHooks). */
export interface LifecycleHookSettings {
  readonly name: string;
  readonly transition: LifecycleTransition;
  /** Seconds the instance waits per heartbeat before DefaultResult applies. */
  readonly heartbeatTimeoutSeconds: number;
  /** The most an action can last, heartbeats or not: the lesser of 48 h and 100 × HeartbeatTimeout. */
  readonly globalTimeoutSeconds: number;
  readonly defaultResult: 'CONTINUE' | 'ABANDON';
}

/** How an action ended at Auto Scaling: completed now, or found already ended (by another consumer, the heartbeat timeout, or a person). */
export type CompletionOutcome = 'completed' | 'already_ended';

/** The Auto Scaling calls the hook makes. Errors are DrainctlErrors (kind not_found for an unknown group or hook). */
export interface AutoScalingPort {
  describeHook(autoScalingGroupName: string, lifecycleHookName: string, call: CallContext): Promise<LifecycleHookSettings>;
  /**
   * The instance in each load balancer attached to its group (the group's traffic sources), as
   * drainctl references; the adapter knows which provider each one is.
   */
  attachedRoutes(autoScalingGroupName: string, instanceId: string, call: CallContext): Promise<readonly TargetRef[]>;
  /** The instance's lifecycle state in the group (DescribeAutoScalingInstances), or undefined if the group no longer has it. */
  instanceState(instanceId: string, call: CallContext): Promise<{ readonly autoScalingGroupName: string; readonly lifecycleState: string } | undefined>;
  recordHeartbeat(action: LifecycleAction, call: CallContext): Promise<CompletionOutcome | 'recorded'>;
  /** CompleteLifecycleAction; "No active Lifecycle Action found" reads as already_ended. */
  complete(action: LifecycleAction, result: 'CONTINUE' | 'ABANDON', call: CallContext): Promise<CompletionOutcome>;
}

/** Finds every target group in the region that holds an instance, attached to its group or not. */
export interface InstanceFinder {
  /** The instance's private IPv4 and IPv6 addresses (for `ip` target groups); empty when they cannot be read. */
  instanceAddresses(instanceId: string, call: CallContext): Promise<readonly string[]>;
  /** Each registration of the instance (by ID, or by one of `addresses`), as a drainctl reference with its port. */
  findRoutes(instanceId: string, addresses: readonly string[], call: CallContext): Promise<readonly TargetRef[]>;
}
