import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  DescribeLoadBalancersCommand,
  DescribeLoadBalancerTargetGroupsCommand,
  DescribeTrafficSourcesCommand,
  type LifecycleHook,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import type { CallContext } from '../../core/call.js';
import { DrainctlError, notFoundError } from '../../core/errors.js';
import type { AutoScalingPort, CompletionOutcome, LifecycleAction, LifecycleHookSettings } from '../../core/lifecycle/ports.js';
import type { TargetRef } from '../../core/refs.js';
import type { TrafficSource } from './types.js';
import { awsClientConfig } from '../aws/client-config.js';
import { addDebugLogging } from '../aws/debug.js';
import { call as awsCall } from '../aws/errors.js';
import { requireRegion } from '../aws/region.js';
import type { ProviderOptions } from '../options.js';
import { readAllPages } from './pages.js';

/** AWS's ceiling on a lifecycle action, heartbeats or not: 48 hours. */
const MAX_GLOBAL_TIMEOUT_SECONDS = 172_800;
/** PutLifecycleHook's default HeartbeatTimeout and DefaultResult, for a response that leaves them out. */
const DEFAULT_HEARTBEAT_SECONDS = 3600;
/** The refusals that mean "this caller may not use DescribeTrafficSources here", not "the call failed". */
const TRAFFIC_SOURCES_UNAVAILABLE = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnknownOperation', 'UnknownOperationException', 'InvalidAction']);
/** Auto Scaling's answer to a heartbeat or completion for an action that is no longer waiting. */
const NO_ACTIVE_ACTION = /No active Lifecycle Action found/i;

/** An Auto Scaling port that owns an SDK client: `close()` releases its sockets. */
export type ClosableAutoScalingPort = AutoScalingPort & {
  close(): void;
  /** DescribeTrafficSources, falling back to DescribeLoadBalancerTargetGroups and DescribeLoadBalancers where it is not allowed. */
  trafficSources(autoScalingGroupName: string, ctx: CallContext): Promise<readonly TrafficSource[]>;
};

/**
 * The hook's Auto Scaling calls over the AWS SDK, with drainctl's shared AWS configuration.
 *
 * The client is not paced by the ELB pacer (src/providers/aws/pacer.ts), which createAwsClient
 * would add: it sorts calls by action name only, so DescribeLifecycleHooks would spend ELB
 * "describe" and account tokens, and RecordLifecycleActionHeartbeat / CompleteLifecycleAction
 * ELB "mutating" ones (3 a second), although AWS counts Auto Scaling calls against a budget of
 * their own. A heartbeat would then wait behind the drain's ELB calls, and take tokens those
 * calls need. Auto Scaling publishes no rates to pace to, and the hook makes a handful of its
 * calls per instance, so it relies on the SDK's throttling-aware retries alone.
 */
export async function createAutoScalingPort(options: ProviderOptions): Promise<ClosableAutoScalingPort> {
  const client = new AutoScalingClient(await awsClientConfig(options));
  const region = await requireRegion(client.config);
  if (options.debug) addDebugLogging(client.middlewareStack, 'autoscaling', options.debug);
  return new AwsAutoScalingPort(client, region);
}

class AwsAutoScalingPort implements ClosableAutoScalingPort {
  constructor(
    private readonly client: AutoScalingClient,
    private readonly region: string,
  ) {}

  async describeHook(autoScalingGroupName: string, lifecycleHookName: string, ctx: CallContext): Promise<LifecycleHookSettings> {
    const { signal } = ctx;
    const output = await this.send(`describe the lifecycle hooks of ${autoScalingGroupName}`, autoScalingGroupName, signal, () =>
      // All of the group's hooks (at most 50, one page), so that a wrong name can be answered with the right ones.
      this.client.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: autoScalingGroupName }), { abortSignal: signal }),
    );
    const hooks = output.LifecycleHooks ?? [];
    const hook = hooks.find((h) => h.LifecycleHookName === lifecycleHookName);
    if (hook) return hookSettings(hook, lifecycleHookName);
    // DescribeLifecycleHooks answers an unknown group with an empty list: ask whether the group exists.
    if (hooks.length === 0 && !(await this.groupExists(autoScalingGroupName, signal))) throw this.groupNotFound(autoScalingGroupName);
    const names = hooks.map((h) => h.LifecycleHookName ?? '?');
    throw notFoundError(
      `Auto Scaling group ${autoScalingGroupName} has no lifecycle hook ${lifecycleHookName} (hooks: ${names.length > 0 ? names.join(', ') : 'none'})`,
      `list them with: aws autoscaling describe-lifecycle-hooks --auto-scaling-group-name ${autoScalingGroupName} --region ${this.region}`,
    );
  }

  async attachedRoutes(autoScalingGroupName: string, instanceId: string, ctx: CallContext): Promise<readonly TargetRef[]> {
    // Without a port: the instance on whatever ports it is registered (the drain covers them all).
    return (await this.trafficSources(autoScalingGroupName, ctx)).map((s): TargetRef =>
      s.kind === 'elbv2' ? { kind: 'target', provider: 'elbv2', group: s.targetGroupArn, target: instanceId } : { kind: 'target', provider: 'elb', group: s.loadBalancerName, target: instanceId },
    );
  }

  async trafficSources(autoScalingGroupName: string, ctx: CallContext): Promise<readonly TrafficSource[]> {
    try {
      return await this.describeTrafficSources(autoScalingGroupName, ctx.signal);
    } catch (error) {
      // DescribeTrafficSources arrived in 2023; IAM policies written before it (and the managed
      // policies some teams copied) grant only DescribeLoadBalancerTargetGroups and
      // DescribeLoadBalancers. Being refused the new call must not stop a drain the old ones can serve.
      if (!(error instanceof DrainctlError && TRAFFIC_SOURCES_UNAVAILABLE.has(String(error.details.awsError)))) throw error;
      return this.describeLegacyAttachments(autoScalingGroupName, ctx.signal);
    }
  }

  async instanceState(instanceId: string, ctx: CallContext): Promise<{ autoScalingGroupName: string; lifecycleState: string } | undefined> {
    const { signal } = ctx;
    const output = await awsCall({ what: `describe Auto Scaling instance ${instanceId}`, signal }, () =>
      this.client.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }), { abortSignal: signal }),
    );
    const found = (output.AutoScalingInstances ?? []).find((i) => i.InstanceId === instanceId);
    if (!found?.AutoScalingGroupName || !found.LifecycleState) return undefined;
    return { autoScalingGroupName: found.AutoScalingGroupName, lifecycleState: found.LifecycleState };
  }

  async recordHeartbeat(action: LifecycleAction, ctx: CallContext): Promise<CompletionOutcome | 'recorded'> {
    const { signal } = ctx;
    const ended = await this.unlessEnded(`record a heartbeat for ${describeAction(action)}`, signal, () =>
      this.client.send(new RecordLifecycleActionHeartbeatCommand({ ...actionKey(action) }), { abortSignal: signal }),
    );
    return ended ? 'already_ended' : 'recorded';
  }

  /**
   * The SDK retries this call like any other (throttling and server faults). That is safe although
   * it changes state: if an attempt completed the action but its answer was lost, the repeat is
   * answered "No active Lifecycle Action found", which reads as already_ended.
   */
  async complete(action: LifecycleAction, result: 'CONTINUE' | 'ABANDON', ctx: CallContext): Promise<CompletionOutcome> {
    const { signal } = ctx;
    const ended = await this.unlessEnded(`complete ${describeAction(action)} with ${result}`, signal, () =>
      this.client.send(new CompleteLifecycleActionCommand({ ...actionKey(action), LifecycleActionResult: result }), { abortSignal: signal }),
    );
    return ended ? 'already_ended' : 'completed';
  }

  close(): void {
    this.client.destroy();
  }

  private async describeTrafficSources(group: string, signal: AbortSignal | undefined): Promise<TrafficSource[]> {
    const states = await readAllPages(`describe the traffic sources of ${group}`, async (token) => {
      const page = await this.send(`describe the traffic sources of ${group}`, group, signal, () =>
        this.client.send(new DescribeTrafficSourcesCommand({ AutoScalingGroupName: group, MaxRecords: 50, NextToken: token }), { abortSignal: signal }),
      );
      return { items: page.TrafficSources ?? [], next: page.NextToken };
    });
    return states.flatMap((s): TrafficSource[] => {
      if (s.State === 'Removed' || !s.Identifier) return [];
      if (s.Type === 'elbv2') return [{ kind: 'elbv2', targetGroupArn: s.Identifier }];
      if (s.Type === 'elb') return [{ kind: 'elb', loadBalancerName: s.Identifier }];
      // VPC Lattice target groups are not load balancers drainctl drains.
      return [];
    });
  }

  private async describeLegacyAttachments(group: string, signal: AbortSignal | undefined): Promise<TrafficSource[]> {
    const targetGroups = await readAllPages(`describe the target groups of ${group}`, async (token) => {
      const page = await this.send(`describe the target groups of ${group}`, group, signal, () =>
        this.client.send(new DescribeLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: group, MaxRecords: 100, NextToken: token }), { abortSignal: signal }),
      );
      return { items: page.LoadBalancerTargetGroups ?? [], next: page.NextToken };
    });
    const classic = await readAllPages(`describe the load balancers of ${group}`, async (token) => {
      const page = await this.send(`describe the load balancers of ${group}`, group, signal, () =>
        this.client.send(new DescribeLoadBalancersCommand({ AutoScalingGroupName: group, MaxRecords: 100, NextToken: token }), { abortSignal: signal }),
      );
      return { items: page.LoadBalancers ?? [], next: page.NextToken };
    });
    return [
      ...targetGroups.flatMap((t): TrafficSource[] => (t.State !== 'Removed' && t.LoadBalancerTargetGroupARN ? [{ kind: 'elbv2', targetGroupArn: t.LoadBalancerTargetGroupARN }] : [])),
      ...classic.flatMap((l): TrafficSource[] => (l.State !== 'Removed' && l.LoadBalancerName ? [{ kind: 'elb', loadBalancerName: l.LoadBalancerName }] : [])),
    ];
  }

  private async groupExists(group: string, signal: AbortSignal | undefined): Promise<boolean> {
    const output = await awsCall({ what: `look up Auto Scaling group ${group}`, signal }, () =>
      this.client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }), { abortSignal: signal }),
    );
    return (output.AutoScalingGroups ?? []).some((g) => g.AutoScalingGroupName === group);
  }

  /** One call about a group; a ValidationError that says the group was not found becomes not_found. */
  private async send<T>(what: string, group: string, signal: AbortSignal | undefined, request: () => Promise<T>): Promise<T> {
    try {
      return await awsCall({ what, signal }, request);
    } catch (error) {
      if (error instanceof DrainctlError && error.details.awsError === 'ValidationError' && /not found/i.test(error.message)) throw this.groupNotFound(group, error);
      throw error;
    }
  }

  /** Runs a heartbeat or completion; true when Auto Scaling says the action is no longer waiting. */
  private async unlessEnded(what: string, signal: AbortSignal | undefined, request: () => Promise<unknown>): Promise<boolean> {
    try {
      await awsCall({ what, signal }, request);
      return false;
    } catch (error) {
      if (error instanceof DrainctlError && error.details.awsError === 'ValidationError' && NO_ACTIVE_ACTION.test(error.message)) return true;
      throw error;
    }
  }

  private groupNotFound(group: string, cause?: unknown): DrainctlError {
    return new DrainctlError('not_found', `Auto Scaling group ${group} not found in ${this.region}`, {
      hint: `check the name and --region; a group's hooks are listed by: aws autoscaling describe-lifecycle-hooks --auto-scaling-group-name ${group} --region ${this.region}`,
      cause,
    });
  }
}

/** The hook's settings, with AWS's documented defaults for what the response leaves out. */
function hookSettings(hook: LifecycleHook, name: string): LifecycleHookSettings {
  const heartbeatTimeoutSeconds = hook.HeartbeatTimeout ?? DEFAULT_HEARTBEAT_SECONDS;
  return {
    name,
    transition: hook.LifecycleTransition ?? '',
    heartbeatTimeoutSeconds,
    // AWS reports GlobalTimeout; where a response leaves it out, AWS's rule gives it: the lesser of 48 h and 100 heartbeats.
    globalTimeoutSeconds: hook.GlobalTimeout ?? Math.min(MAX_GLOBAL_TIMEOUT_SECONDS, 100 * heartbeatTimeoutSeconds),
    defaultResult: hook.DefaultResult === 'CONTINUE' ? 'CONTINUE' : 'ABANDON',
  };
}

/** The action's hook and group, and its token when known, else its instance (Auto Scaling takes either). */
function actionKey(action: LifecycleAction): { AutoScalingGroupName: string; LifecycleHookName: string; LifecycleActionToken?: string; InstanceId?: string } {
  const key = { AutoScalingGroupName: action.autoScalingGroupName, LifecycleHookName: action.lifecycleHookName };
  return action.token ? { ...key, LifecycleActionToken: action.token } : { ...key, InstanceId: action.instanceId };
}

function describeAction(action: LifecycleAction): string {
  return `the ${action.lifecycleHookName} action of ${action.instanceId} in ${action.autoScalingGroupName}`;
}
