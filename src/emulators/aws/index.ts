/**
 * A local AWS Elastic Load Balancing (ELBv2 and Classic) and EC2 Auto Scaling endpoint that speaks
 * the real awsQuery wire protocol, with EC2's DescribeInstances (in EC2's own protocol) for the
 * groups' instances, for testing drains and lifecycle hooks with the real SDKs and CLI and no cloud account.
 */
import { systemClock } from '../shared/clock.js';
import { emulatorHandle, nonNegativeInteger, type EmulatorHandle, type EmulatorOptions } from '../shared/emulator.js';
import { validateFaults, type FaultOptions } from '../shared/faults.js';
import { RequestLog } from '../shared/request-log.js';
import { autoScalingParts, type AutoScalingAdmin } from './autoscaling-admin.js';
import { CloudWatchMetrics, CLOUDWATCH_TARGET_PREFIX } from './cloudwatch.js';
import { Ec2Service } from './ec2.js';
import { ClassicElbService } from './elb.js';
import { Elbv2Service } from './elbv2.js';
import { type DataPlaneStats, type Elbv2DataPlane, startElbv2DataPlane } from './data-plane.js';
import { RequestPipeline } from './pipeline.js';
import type { RequestLogEntry } from './request-log.js';
import { parseSeed, type AwsSeed } from './seed.js';
import { listen } from './server.js';
import type { ServiceName } from './service.js';
import { ElbRateLimiter } from './throttle.js';

export { demoSeed } from './demo-seed.js';
export type { DataPlaneStats, DataPlaneTargetStats } from './data-plane.js';
export { mulberry32, type FaultKind, type FaultOptions } from '../shared/faults.js';
export { isMutatingAction, type RequestLogEntry } from './request-log.js';
export { loadSeedFile, parseSeed } from './seed.js';
export type { AutoScalingAdmin } from './autoscaling-admin.js';
export type { InstanceTerminated, LifecycleState } from './autoscaling-groups.js';
export type { NotificationRecord } from './autoscaling-notifications.js';
export type { AutoScalingGroupSeed, AutoScalingInstanceSeed, LifecycleHookSeed } from './autoscaling-seed.js';
export type { AwsSeed, ClassicInstanceSeed, ClassicLoadBalancerSeed, LoadBalancerSeed, SeedHealth, TargetGroupSeed, TargetSeed } from './seed.js';
export type { TargetGroupProtocol, TargetType } from './elbv2-attributes.js';
export type { ServiceName } from './service.js';
export { ELB_API_RATES } from './throttle.js';
export type { Clock } from '../shared/clock.js';

/** Throttling mode: AWS's published token buckets, or none. */
export type ThrottleMode = 'aws' | 'off';

/** Options for `startAwsEmulator`. */
export interface AwsEmulatorOptions extends EmulatorOptions<AwsSeed, FaultOptions, ThrottleMode> {
  /** How long a new registration stays `initial` (Classic: OutOfService "registration in progress"); default 1000. */
  readonly healthyAfterMs?: number;
  /** Default: the seed's region, else us-east-1. */
  readonly region?: string;
  /** Default: the seed's account, else 123456789012. */
  readonly accountId?: string;
  /** The SQS queue URL that lifecycle hooks without their own `notificationQueueUrl` send notifications to. */
  readonly notificationQueueUrl?: string;
  /** The shortest lifecycle-hook heartbeat timeout a seed may set; default 30, AWS's. Lower it for end-to-end tests only. */
  readonly minHeartbeatTimeoutSeconds?: number;
}

/** A running emulator; `mutatingCalls` are the state-changing actions. */
export interface AwsEmulator extends EmulatorHandle<RequestLogEntry, FaultOptions, { action?: string; service?: ServiceName }, ThrottleMode>, AutoScalingAdmin {
  /** Sets a Classic instance's in-flight connection count; 0 ends its drain now. */
  setConnections(loadBalancerName: string, instanceId: string, count: number): void;
  /** When the draining target will become unused (ms epoch), or undefined if it is not draining. For benchmarks. */
  drainingEndsAt(targetGroupNameOrArn: string, targetId: string, port?: number): number | undefined;
  /** The ARN of a seeded target group. */
  targetGroupArn(name: string): string;
  /** The URL of a load balancer's data plane (seeded with `listenerPort`). */
  dataPlaneUrl(loadBalancerName: string): string;
  /** What a load balancer's data plane forwarded, per target: requests, in flight, failed (502, 504, cut). */
  dataPlaneStats(loadBalancerName: string): DataPlaneStats;
}

/** Starts an emulator; resolves once it is listening. */
export async function startAwsEmulator(options: AwsEmulatorOptions = {}): Promise<AwsEmulator> {
  // Re-validating catches hand-built seeds too, not only those read by loadSeedFile.
  const seed = parseSeed(options.seed ?? {}, 'seed', { minHeartbeatTimeoutSeconds: options.minHeartbeatTimeoutSeconds });
  const clock = options.clock ?? systemClock;
  const healthyAfterMs = nonNegativeInteger('healthyAfterMs', options.healthyAfterMs ?? 1000);
  const scope = { region: options.region ?? seed.region ?? 'us-east-1', accountId: options.accountId ?? seed.accountId ?? '123456789012', healthyAfterMs };
  const startedAt = clock.now();
  const elbv2 = new Elbv2Service(seed, scope, startedAt);
  const elb = new ClassicElbService(seed, scope, startedAt);
  const autoScaling = autoScalingParts({ seed, scope, startedAt, clock, elbv2, elb, notificationQueueUrl: options.notificationQueueUrl });
  const ec2 = new Ec2Service({ scope, lifecycleState: (id) => autoScaling.admin.instanceLifecycleState(id) });
  for (const group of seed.autoScalingGroups ?? []) {
    for (const i of group.instances ?? []) ec2.remember({ id: i.id, availabilityZone: i.availabilityZone, privateIp: i.privateIp, launchedAt: startedAt });
  }
  const log = new RequestLog<RequestLogEntry>();
  const limiter = new ElbRateLimiter(clock);
  const settings = { faults: validateFaults(options.faults ?? {}), throttle: options.throttle ?? 'aws' };
  const pipeline = new RequestPipeline({ services: [elbv2, elb, autoScaling.service, ec2], clock, random: options.random ?? Math.random, limiter, log, settings });
  const metrics = new CloudWatchMetrics();
  const endpoint = await listen(options.host ?? '127.0.0.1', options.port ?? 0, (params) => pipeline.handle(params), (target, body) => {
    const action = target.startsWith(CLOUDWATCH_TARGET_PREFIX) ? target.slice(CLOUDWATCH_TARGET_PREFIX.length) : target;
    const reply = metrics.handle(action, body);
    log.append({ at: clock.now(), action, service: 'cloudwatch', params: { body }, status: reply.status, mutating: action === 'PutMetricData' });
    return reply;
  });

  const planes = new Map<string, Elbv2DataPlane>();
  for (const lb of seed.loadBalancers ?? []) {
    if (lb.listenerPort === undefined) continue;
    planes.set(lb.name, await startElbv2DataPlane(elbv2, { loadBalancer: lb.name, port: lb.listenerPort, clock }));
  }
  const dataPlane = (name: string): Elbv2DataPlane => {
    const plane = planes.get(name);
    if (!plane) throw new Error(`load balancer ${name} has no data plane: give it a listenerPort in the seed (seeded with one: ${[...planes.keys()].join(', ') || 'none'})`);
    return plane;
  };

  const handle = emulatorHandle<AwsEmulator>(
    { endpoint, log, filterKeys: ['action', 'service'], settings, validateFaults, throttleOn: 'aws', limiter },
    {
      setConnections: (name, instanceId, count) => elb.setConnections(name, instanceId, count, clock.now()),
      drainingEndsAt: (group, targetId, port) => elbv2.drainingEndsAt(group, targetId, port, clock.now()),
      targetGroupArn: (name) => elbv2.targetGroupArn(name),
      dataPlaneUrl: (name) => dataPlane(name).url,
      dataPlaneStats: (name) => dataPlane(name).stats(),
      ...autoScaling.admin,
      launch: (groupName, instance) => {
        // Auto Scaling has added the instance, or refused it, by the time launch returns its promise;
        // EC2 records only an instance Auto Scaling knows (for a repeated id, the first record stands).
        const launched = autoScaling.admin.launch(groupName, instance);
        if (autoScaling.admin.instanceLifecycleState(instance.id) !== undefined) {
          ec2.remember({ id: instance.id, availabilityZone: instance.availabilityZone, privateIp: instance.privateIp, launchedAt: clock.now() });
        }
        return launched;
      },
    },
  );
  const stopServer = handle.stop;
  handle.stop = async () => {
    autoScaling.dispose();
    await Promise.all([...planes.values()].map((p) => p.stop()));
    await stopServer();
  };
  return handle;
}
