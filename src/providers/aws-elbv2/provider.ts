import {
  DeregisterTargetsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
  type TargetDescription,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DrainctlError, notFoundError, usageError } from '../../core/errors.js';
import type { DrainProvider, GroupSnapshot, RestoreRequest, TimeoutSetting } from '../../core/provider.js';
import type { CallContext } from '../../core/call.js';
import { elbv2Descriptor } from './descriptor.js';
import type { GroupRef, TargetRef } from '../../core/refs.js';
import type { Registration, TargetStatus } from '../../core/state.js';
import { createAwsClient } from '../aws/client-config.js';
import { call } from '../aws/errors.js';
import type { ProviderOptions } from '../options.js';
import { mapTargetHealth } from './state-map.js';
import { elbv2Syntax, formatElbv2Target, parseElbv2Target } from './syntax.js';

const DELAY_KEY = 'deregistration_delay.timeout_seconds';
const TERMINATION_KEY = 'deregistration_delay.connection_termination.enabled';
/** Registration calls are chunked as the AWS Load Balancer Controller does. */
const TARGETS_PER_CALL = 200;
/** DescribeTargetGroups takes at most 20 names or ARNs (service model: Names/TargetGroupArns). */
const LOOKUPS_PER_CALL = 20;

/** What drainctl needs to know about a target group, read once per run. */
interface GroupInfo {
  readonly arn: string;
  readonly name: string;
  readonly protocol: string | undefined;
  readonly targetType: string | undefined;
  readonly healthCheckIntervalSeconds: number | undefined;
  readonly unhealthyThreshold: number | undefined;
}

/** ELBv2 (ALB, NLB, GWLB) target groups. Draining = DeregisterTargets; the deregistration delay is the drain timeout. */
export class Elbv2Provider implements DrainProvider {
  readonly descriptor = elbv2Descriptor;
  private readonly groups = new Map<string, Promise<GroupInfo>>();

  constructor(private readonly client: ElasticLoadBalancingV2Client) {}

  /** Builds the provider with the shared AWS configuration; fails on a missing region before any call. */
  static async create(options: ProviderOptions): Promise<Elbv2Provider> {
    return new Elbv2Provider(await createAwsClient(ElasticLoadBalancingV2Client, options, 'elbv2'));
  }

  async describe(group: GroupRef, targets: readonly TargetRef[] | 'all', ctx: CallContext): Promise<GroupSnapshot> {
    const { signal } = ctx;
    const info = await this.groupInfo(group, signal);
    const output = await call({ what: `describe target health of ${info.name}`, signal }, () =>
      this.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: info.arn }), { abortSignal: signal }),
    );
    const registered = (output.TargetHealthDescriptions ?? []).map((d) => toStatus(group, d));
    // Named by ARN or by name, a target group is one group: the ledger and events know it by its name.
    if (targets === 'all') return { group, providerId: info.arn, canonicalGroup: info.name, targets: registered, registered };
    const named = targets.flatMap((ref) => {
      const matches = registered.filter((s) => elbv2Syntax.covers!(ref.target, s.ref.target));
      return matches.length > 0 ? matches : [absent(ref)];
    });
    return { group, providerId: info.arn, canonicalGroup: info.name, targets: named, registered };
  }

  async drain(group: GroupRef, targets: readonly TargetStatus[], ctx: CallContext): Promise<void> {
    const { signal } = ctx;
    const info = await this.groupInfo(group, signal);
    for (const chunk of chunks(targets.map((t) => describeTarget(t.ref, t.registration)), TARGETS_PER_CALL)) {
      try {
        await call({ what: `deregister targets from ${info.name}`, signal }, () =>
          this.client.send(new DeregisterTargetsCommand({ TargetGroupArn: info.arn, Targets: chunk }), { abortSignal: signal }),
        );
      } catch (error) {
        // InvalidTarget means the target no longer exists (a terminated instance, or a
        // deregistration that already finished): nothing is left to take out of rotation.
        // The next describe reports what is true.
        if (!(error instanceof DrainctlError && error.details.awsError === 'InvalidTargetException')) throw error;
      }
    }
  }

  async restore(group: GroupRef, targets: readonly RestoreRequest[], ctx: CallContext): Promise<void> {
    const { signal } = ctx;
    const info = await this.groupInfo(group, signal);
    for (const chunk of chunks(targets.map((t) => describeTarget(t.ref, t.registration)), TARGETS_PER_CALL)) {
      await call({ what: `register targets with ${info.name}`, signal, notFound: { InvalidTargetException: `cannot register in ${info.name}: the target does not exist or is not in a running state` } }, () =>
        this.client.send(new RegisterTargetsCommand({ TargetGroupArn: info.arn, Targets: chunk }), { abortSignal: signal }),
      );
    }
  }

  async getTimeout(group: GroupRef, ctx: CallContext): Promise<TimeoutSetting> {
    const { signal } = ctx;
    const info = await this.groupInfo(group, signal);
    const output = await call({ what: `read attributes of ${info.name}`, signal }, () =>
      this.client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: info.arn }), { abortSignal: signal }),
    );
    return toTimeoutSetting(info, output.Attributes ?? []);
  }

  async setTimeout(group: GroupRef, seconds: number, ctx: CallContext): Promise<TimeoutSetting> {
    const { signal } = ctx;
    const info = await this.groupInfo(group, signal);
    if (info.targetType === 'lambda') throw usageError(`${info.name} has Lambda targets, which have no deregistration delay`, 'Lambda target groups drain at once');
    const output = await call({ what: `set the deregistration delay of ${info.name}`, signal }, () =>
      this.client.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: info.arn, Attributes: [{ Key: DELAY_KEY, Value: String(seconds) }] }), { abortSignal: signal }),
    );
    return toTimeoutSetting(info, output.Attributes ?? []);
  }

  async routingPropagationMs(group: GroupRef, ctx: CallContext): Promise<number | undefined> {
    const info = await this.groupInfo(group, ctx.signal);
    if (info.healthCheckIntervalSeconds === undefined || info.unhealthyThreshold === undefined) return undefined;
    return info.healthCheckIntervalSeconds * info.unhealthyThreshold * 1000;
  }

  registrationFor(ref: TargetRef): Registration {
    const target = parseElbv2Target(ref.target);
    if (target.port === undefined && target.kind !== 'lambda') {
      throw usageError(
        `no recorded registration for ${ref.target} in ${ref.group}, and the reference names no port`,
        `name the port it was registered on, e.g. elbv2:${ref.group}/${formatElbv2Target({ id: target.id, port: 8080 })}`,
      );
    }
    return { id: target.id, port: target.port };
  }

  close(): void {
    this.client.destroy();
  }

  /** Resolves a name or ARN to the group's facts, once per run. */
  private groupInfo(group: GroupRef, signal?: AbortSignal): Promise<GroupInfo> {
    let pending = this.groups.get(group.group);
    if (!pending) {
      pending = new Promise<GroupInfo>((resolve, reject) => {
        this.lookups.push({ key: group.group, resolve, reject, signal });
        // Groups asked for in the same turn (a fleet drain) share DescribeTargetGroups calls.
        if (this.lookups.length === 1) setImmediate(() => void this.flushLookups());
      });
      pending.catch(() => this.groups.delete(group.group));
      this.groups.set(group.group, pending);
    }
    return pending;
  }

  private readonly lookups: PendingLookup[] = [];

  /** Looks up every queued group, up to 20 names (or ARNs) per DescribeTargetGroups call, as the API allows. */
  private async flushLookups(): Promise<void> {
    const batch = this.lookups.splice(0);
    for (const byArn of [false, true]) {
      for (const chunk of chunks(batch.filter((l) => l.key.startsWith('arn:') === byArn), LOOKUPS_PER_CALL)) {
        await this.lookUpChunk(chunk, byArn);
      }
    }
  }

  private async lookUpChunk(chunk: readonly PendingLookup[], byArn: boolean): Promise<void> {
    const keys = chunk.map((l) => l.key);
    try {
      const output = await call(
        {
          what: `look up target group ${keys.join(', ')}`,
          signal: chunk[0]!.signal,
          notFound: { TargetGroupNotFoundException: `target group ${keys.join(', ')} not found` },
          notFoundHint: 'check the name and --region (target group names are per region and account)',
        },
        () => this.client.send(new DescribeTargetGroupsCommand(byArn ? { TargetGroupArns: keys } : { Names: keys }), { abortSignal: chunk[0]!.signal }),
      );
      for (const lookup of chunk) {
        const tg = (output.TargetGroups ?? []).find((t) => (byArn ? t.TargetGroupArn : t.TargetGroupName) === lookup.key);
        if (tg?.TargetGroupArn) {
          lookup.resolve({ arn: tg.TargetGroupArn, name: tg.TargetGroupName ?? lookup.key, protocol: tg.Protocol, targetType: tg.TargetType, healthCheckIntervalSeconds: tg.HealthCheckIntervalSeconds, unhealthyThreshold: tg.UnhealthyThresholdCount });
        }
        else lookup.reject(notFoundError(`target group ${lookup.key} not found`, 'check the name and --region (target group names are per region and account)'));
      }
    } catch (error) {
      // One missing name fails the whole call: ask one by one to say which.
      if (chunk.length > 1 && error instanceof DrainctlError && error.kind === 'not_found') {
        for (const lookup of chunk) await this.lookUpChunk([lookup], byArn);
        return;
      }
      for (const lookup of chunk) lookup.reject(error);
    }
  }
}

interface PendingLookup {
  readonly key: string;
  readonly resolve: (info: GroupInfo) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
}

function toStatus(group: GroupRef, d: TargetHealthDescription): TargetStatus {
  const id = d.Target?.Id ?? '';
  const port = d.Target?.Port;
  const raw = { state: d.TargetHealth?.State ?? 'unknown', reason: d.TargetHealth?.Reason, description: d.TargetHealth?.Description };
  const { state, health } = mapTargetHealth(raw);
  const ref: TargetRef = { kind: 'target', provider: 'elbv2', group: group.group, target: formatElbv2Target({ id, port }) };
  const registration: Registration = { id, port, availabilityZone: d.Target?.AvailabilityZone };
  return { ref, state, health, raw, registration: state === 'absent' ? undefined : registration };
}

function absent(ref: TargetRef): TargetStatus {
  return { ref, state: 'absent', health: 'unknown', raw: { state: 'unused', reason: 'Target.NotRegistered', description: 'Target is not registered to the target group' } };
}

/** The SDK's TargetDescription from a recorded registration, or from the reference when none was recorded. */
function describeTarget(ref: TargetRef, registration: Registration | undefined): TargetDescription {
  if (registration && typeof registration.id === 'string') {
    const port = typeof registration.port === 'number' ? registration.port : undefined;
    const az = typeof registration.availabilityZone === 'string' ? registration.availabilityZone : undefined;
    return { Id: registration.id, ...(port !== undefined && { Port: port }), ...(az !== undefined && { AvailabilityZone: az }) };
  }
  const target = parseElbv2Target(ref.target);
  return { Id: target.id, ...(target.port !== undefined && { Port: target.port }) };
}

function toTimeoutSetting(info: GroupInfo, attributes: readonly { Key?: string; Value?: string }[]): TimeoutSetting {
  const value = (key: string): string | undefined => attributes.find((a) => a.Key === key)?.Value;
  const delay = value(DELAY_KEY);
  const termination = value(TERMINATION_KEY);
  const extra: Record<string, unknown> = { protocol: info.protocol, targetType: info.targetType };
  if (termination !== undefined) extra.connectionTermination = termination === 'true';
  // Lambda target groups have no delay: deregistration completes at once and running invocations finish on their own.
  if (delay === undefined) return { seconds: 0, enabled: true, extra };
  return { seconds: Number(delay), enabled: true, extra };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
