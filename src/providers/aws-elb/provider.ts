import {
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeInstanceHealthCommand,
  DescribeLoadBalancerAttributesCommand,
  ElasticLoadBalancingClient,
  type InstanceState,
  ModifyLoadBalancerAttributesCommand,
  RegisterInstancesWithLoadBalancerCommand,
} from '@aws-sdk/client-elastic-load-balancing';
import type { DrainProvider, GroupSnapshot, RestoreRequest, TimeoutSetting } from '../../core/provider.js';
import type { CallContext } from '../../core/call.js';
import { elbDescriptor } from './descriptor.js';
import type { GroupRef, TargetRef } from '../../core/refs.js';
import type { TargetStatus } from '../../core/state.js';
import { createAwsClient } from '../aws/client-config.js';
import { call, type AwsCallContext } from '../aws/errors.js';
import type { ProviderOptions } from '../options.js';
import { mapInstanceState } from './state-map.js';

/** Classic load balancers. Draining = DeregisterInstancesFromLoadBalancer with ConnectionDraining on. */
export class ElbProvider implements DrainProvider {
  readonly descriptor = elbDescriptor;

  constructor(private readonly client: ElasticLoadBalancingClient) {}

  /** Builds the provider with the shared AWS configuration; fails on a missing region before any call. */
  static async create(options: ProviderOptions): Promise<ElbProvider> {
    return new ElbProvider(await createAwsClient(ElasticLoadBalancingClient, options, 'elb'));
  }

  /**
   * Two calls per describe: every registered instance, and the named ones explicitly.
   * AWS documents that named instances report their state even once deregistered, and a
   * de-registering one reports "deregistration currently in progress"; an instance that
   * is neither registered nor draining is absent, whatever state the named query gives it.
   */
  async describe(group: GroupRef, targets: readonly TargetRef[] | 'all', ctx: CallContext): Promise<GroupSnapshot> {
    const { signal } = ctx;
    const registered = (await this.instanceHealth(group, undefined, signal)).map((s) => toStatus(group, s));
    if (targets === 'all') return { group, providerId: group.group, targets: registered, registered };
    const named = (await this.instanceHealth(group, targets.map((t) => t.target), signal)).map((s) => toStatus(group, s));
    const listed = new Set(registered.map((s) => s.ref.target));
    const statuses = targets.map((t) => {
      const status = named.find((s) => s.ref.target === t.target);
      if (status && (listed.has(t.target) || status.state === 'draining')) return status;
      return absent(t);
    });
    return { group, providerId: group.group, targets: statuses, registered };
  }

  private async instanceHealth(group: GroupRef, instanceIds: readonly string[] | undefined, signal?: AbortSignal): Promise<InstanceState[]> {
    const output = await call(this.context(group, `describe instance health of ${group.group}`, signal), () =>
      this.client.send(new DescribeInstanceHealthCommand({ LoadBalancerName: group.group, Instances: instanceIds?.map((id) => ({ InstanceId: id })) }), { abortSignal: signal }),
    );
    return output.InstanceStates ?? [];
  }

  async drain(group: GroupRef, targets: readonly TargetStatus[], ctx: CallContext): Promise<void> {
    const { signal } = ctx;
    await call(this.context(group, `deregister instances from ${group.group}`, signal), () =>
      this.client.send(new DeregisterInstancesFromLoadBalancerCommand({ LoadBalancerName: group.group, Instances: targets.map((t) => ({ InstanceId: t.ref.target })) }), { abortSignal: signal }),
    );
  }

  async restore(group: GroupRef, targets: readonly RestoreRequest[], ctx: CallContext): Promise<void> {
    const { signal } = ctx;
    await call(this.context(group, `register instances with ${group.group}`, signal), () =>
      this.client.send(new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: group.group, Instances: targets.map((t) => ({ InstanceId: t.ref.target })) }), { abortSignal: signal }),
    );
  }

  async getTimeout(group: GroupRef, ctx: CallContext): Promise<TimeoutSetting> {
    const { signal } = ctx;
    const output = await call(this.context(group, `read attributes of ${group.group}`, signal), () =>
      this.client.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerName: group.group }), { abortSignal: signal }),
    );
    const draining = output.LoadBalancerAttributes?.ConnectionDraining;
    return { seconds: draining?.Timeout ?? 300, enabled: draining?.Enabled ?? false, extra: {} };
  }

  async setTimeout(group: GroupRef, seconds: number, ctx: CallContext): Promise<TimeoutSetting> {
    const { signal } = ctx;
    const output = await call(this.context(group, `set connection draining on ${group.group}`, signal), () =>
      this.client.send(
        new ModifyLoadBalancerAttributesCommand({ LoadBalancerName: group.group, LoadBalancerAttributes: { ConnectionDraining: { Enabled: true, Timeout: seconds } } }),
        { abortSignal: signal },
      ),
    );
    const draining = output.LoadBalancerAttributes?.ConnectionDraining;
    return { seconds: draining?.Timeout ?? seconds, enabled: draining?.Enabled ?? true, extra: {} };
  }

  close(): void {
    this.client.destroy();
  }

  private context(group: GroupRef, what: string, signal?: AbortSignal): AwsCallContext {
    return {
      what,
      signal,
      notFound: {
        AccessPointNotFoundException: `Classic load balancer ${group.group} not found`,
        LoadBalancerNotFound: `Classic load balancer ${group.group} not found`,
        InvalidEndPointException: `an instance named for ${group.group} does not exist or is not registered`,
        InvalidInstance: `an instance named for ${group.group} does not exist or is not registered`,
      },
      notFoundHint: 'check the name, the instance IDs and --region',
    };
  }
}

function toStatus(group: GroupRef, s: InstanceState): TargetStatus {
  const raw = { state: s.State ?? 'Unknown', reason: s.ReasonCode, description: s.Description };
  const { state, health } = mapInstanceState(raw);
  const id = s.InstanceId ?? '';
  return { ref: { kind: 'target', provider: 'elb', group: group.group, target: id }, state, health, raw, registration: state === 'absent' ? undefined : { instanceId: id } };
}

function absent(ref: TargetRef): TargetStatus {
  return { ref, state: 'absent', health: 'unknown', raw: { state: 'OutOfService', reason: 'ELB', description: 'Instance is not currently registered with the LoadBalancer.' } };
}
