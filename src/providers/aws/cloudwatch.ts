import { CloudWatchClient, type Datapoint, type Dimension, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import { DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client, type TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DrainctlError, usageError } from '../../core/errors.js';
import type { GroupRef } from '../../core/refs.js';
import type { LatencySummary } from '../../latency/sketch.js';
import type { ProviderOptions } from '../options.js';
import { awsClientConfig } from './client-config.js';
import { addDebugLogging } from './debug.js';
import { call } from './errors.js';
import { loadBalancerType } from './group-facts.js';
import { requireRegion } from './region.js';

export { loadBalancerType };

/**
 * The AWS facts the timeout features need and the DrainProvider interface does not expose:
 * request latency from CloudWatch (ALB TargetResponseTime, Classic ELB Latency) and a group's
 * health-check settings and load balancer type (DescribeTargetGroups, DescribeLoadBalancers).
 */

/** The percentiles asked of CloudWatch, in the order LatencySummary holds them. */
const PERCENTILES = ['p50', 'p90', 'p99', 'p99.9'] as const;
/** CloudWatch keeps 1-hour data points for 455 days (15 months). */
export const MAX_CLOUDWATCH_WINDOW_MS = 455 * 86_400_000;
const DAY_MS = 86_400_000;

/** The metric a group's latency is read from. */
export interface LatencyMetric {
  readonly namespace: 'AWS/ApplicationELB' | 'AWS/ELB';
  readonly metricName: 'TargetResponseTime' | 'Latency';
  /** One dimension set per load balancer the group serves (a target group can be behind several). */
  readonly dimensionSets: readonly (readonly Dimension[])[];
}

export interface CloudWatchLatency {
  readonly metric: LatencyMetric;
  readonly since: Date;
  readonly until: Date;
  readonly periodSeconds: number;
  readonly datapoints: number;
  readonly summary: LatencySummary;
}

/** A group's health check and load balancer type, as the audit needs them. */
export interface AwsGroupFacts {
  readonly loadBalancerType: 'application' | 'network' | 'gateway' | 'classic';
  readonly protocol: string | undefined;
  readonly healthCheckIntervalSeconds: number | undefined;
  readonly unhealthyThresholdCount: number | undefined;
}

type Sender = { send(command: unknown, options?: unknown): Promise<unknown>; destroy?(): void };

/** The SDK clients used, injectable for tests. */
export interface AwsFactsClients {
  readonly cloudwatch: Sender;
  readonly elbv2: Sender;
  readonly elb: Sender;
}

/** Reads latency and health-check facts for elbv2 and elb groups. */
export class AwsGroupInsights {
  constructor(private readonly clients: AwsFactsClients) {}

  /** Builds the clients with drainctl's shared AWS configuration; a missing region fails before any call. */
  static async create(options: ProviderOptions): Promise<AwsGroupInsights> {
    const config = await awsClientConfig(options);
    const cloudwatch = new CloudWatchClient(config);
    await requireRegion(cloudwatch.config);
    const elbv2 = new ElasticLoadBalancingV2Client(config);
    const elb = new ElasticLoadBalancingClient(config);
    if (options.debug) {
      addDebugLogging(cloudwatch.middlewareStack, 'cloudwatch', options.debug);
      addDebugLogging(elbv2.middlewareStack, 'elbv2', options.debug);
      addDebugLogging(elb.middlewareStack, 'elb', options.debug);
    }
    return new AwsGroupInsights({ cloudwatch, elbv2, elb });
  }

  /**
   * p50, p90, p99, p99.9, Maximum and SampleCount of the group's request latency over [now - sinceMs, now],
   * in one period covering the window. Where CloudWatch answers with several data points (several load
   * balancers, or a window split at a period boundary) each percentile is the largest of them: an
   * upper bound of the true percentile, since no more than 1% of any part lies above that part's p99.
   */
  async latency(group: GroupRef, sinceMs: number, signal?: AbortSignal, now = new Date()): Promise<CloudWatchLatency> {
    const periodSeconds = periodFor(sinceMs);
    const metric = await this.latencyMetric(group, signal);
    const since = new Date(now.getTime() - sinceMs);
    const points: Datapoint[] = [];
    for (const dimensions of metric.dimensionSets) {
      const base = { Namespace: metric.namespace, MetricName: metric.metricName, Dimensions: [...dimensions], StartTime: since, EndTime: now, Period: periodSeconds };
      const what = `read ${metric.metricName} of ${group.group} from CloudWatch`;
      // GetMetricStatistics takes Statistics or ExtendedStatistics, not both: two calls.
      const percentiles = (await call({ what, signal }, () => this.clients.cloudwatch.send(new GetMetricStatisticsCommand({ ...base, ExtendedStatistics: [...PERCENTILES] }), { abortSignal: signal }))) as { Datapoints?: Datapoint[] };
      const totals = (await call({ what, signal }, () => this.clients.cloudwatch.send(new GetMetricStatisticsCommand({ ...base, Statistics: ['Maximum', 'SampleCount'] }), { abortSignal: signal }))) as { Datapoints?: Datapoint[] };
      points.push(...(percentiles.Datapoints ?? []), ...(totals.Datapoints ?? []));
    }
    return { metric, since, until: now, periodSeconds, datapoints: points.length, summary: combine(points, metric, group) };
  }

  /** Health-check interval, unhealthy threshold and load balancer type of a group. */
  async facts(group: GroupRef, signal?: AbortSignal): Promise<AwsGroupFacts> {
    if (group.provider === 'elbv2') {
      const tg = await this.targetGroup(group, signal);
      return { loadBalancerType: loadBalancerType(tg.Protocol), protocol: tg.Protocol, healthCheckIntervalSeconds: tg.HealthCheckIntervalSeconds, unhealthyThresholdCount: tg.UnhealthyThresholdCount };
    }
    if (group.provider === 'elb') {
      const lb = await this.classic(group, signal);
      return { loadBalancerType: 'classic', protocol: undefined, healthCheckIntervalSeconds: lb.HealthCheck?.Interval, unhealthyThresholdCount: lb.HealthCheck?.UnhealthyThreshold };
    }
    throw usageError(`${group.provider} groups have no AWS facts to read`, 'give --health-interval and --unhealthy-threshold instead');
  }

  close(): void {
    this.clients.cloudwatch.destroy?.();
    this.clients.elbv2.destroy?.();
    this.clients.elb.destroy?.();
  }

  private async latencyMetric(group: GroupRef, signal?: AbortSignal): Promise<LatencyMetric> {
    if (group.provider === 'elb') {
      await this.classic(group, signal);
      return { namespace: 'AWS/ELB', metricName: 'Latency', dimensionSets: [[{ Name: 'LoadBalancerName', Value: group.group }]] };
    }
    if (group.provider !== 'elbv2') {
      throw usageError(`--from-cloudwatch reads AWS load balancers (elbv2:, elb:), not ${group.provider}:`, 'use --from-log or --p99 for this provider');
    }
    const tg = await this.targetGroup(group, signal);
    const type = loadBalancerType(tg.Protocol);
    if (type !== 'application') {
      throw usageError(
        `${tg.TargetGroupName ?? group.group} is a ${type === 'network' ? 'Network' : 'Gateway'} Load Balancer target group (${tg.Protocol}): CloudWatch has no request latency for it`,
        'use --from-log with your service\'s own access log, or --p99',
      );
    }
    const lbArns = tg.LoadBalancerArns ?? [];
    if (lbArns.length === 0) throw usageError(`target group ${tg.TargetGroupName ?? group.group} is not behind any load balancer, so CloudWatch has no latency for it`, 'attach it to a listener rule, or use --from-log');
    const tgDimension = arnResource(tg.TargetGroupArn ?? '', 'targetgroup/');
    return {
      namespace: 'AWS/ApplicationELB',
      metricName: 'TargetResponseTime',
      dimensionSets: lbArns.map((arn) => [
        { Name: 'LoadBalancer', Value: arnResource(arn, 'loadbalancer/').replace(/^loadbalancer\//, '') },
        { Name: 'TargetGroup', Value: tgDimension },
      ]),
    };
  }

  private async targetGroup(group: GroupRef, signal?: AbortSignal): Promise<TargetGroup> {
    const byArn = group.group.startsWith('arn:');
    const output = (await call(
      { what: `look up target group ${group.group}`, signal, notFound: { TargetGroupNotFoundException: `target group ${group.group} not found` }, notFoundHint: 'check the name and --region' },
      () => this.clients.elbv2.send(new DescribeTargetGroupsCommand(byArn ? { TargetGroupArns: [group.group] } : { Names: [group.group] }), { abortSignal: signal }),
    )) as { TargetGroups?: TargetGroup[] };
    const tg = output.TargetGroups?.[0];
    if (!tg?.TargetGroupArn) throw new DrainctlError('not_found', `target group ${group.group} not found`, { hint: 'check the name and --region' });
    return tg;
  }

  private async classic(group: GroupRef, signal?: AbortSignal) {
    const notFound = `Classic load balancer ${group.group} not found`;
    const output = (await call(
      { what: `look up Classic load balancer ${group.group}`, signal, notFound: { AccessPointNotFoundException: notFound, LoadBalancerNotFound: notFound }, notFoundHint: 'check the name and --region' },
      () => this.clients.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: [group.group] }), { abortSignal: signal }),
    )) as { LoadBalancerDescriptions?: { HealthCheck?: { Interval?: number; UnhealthyThreshold?: number } }[] };
    const lb = output.LoadBalancerDescriptions?.[0];
    if (!lb) throw new DrainctlError('not_found', notFound, { hint: 'check the name and --region' });
    return lb;
  }
}

/**
 * One period covering the whole window, in the granularity CloudWatch keeps for data that old:
 * 60 s for up to 15 days, 300 s up to 63 days, 3600 s up to 455 days.
 */
export function periodFor(sinceMs: number): number {
  if (!(sinceMs >= 60_000)) throw usageError(`--since must be at least 1m: CloudWatch keeps ELB metrics per minute`);
  if (sinceMs > MAX_CLOUDWATCH_WINDOW_MS) throw usageError(`--since must be at most 455d: CloudWatch keeps ELB metrics for 15 months`);
  const step = sinceMs <= 15 * DAY_MS ? 60 : sinceMs <= 63 * DAY_MS ? 300 : 3600;
  return Math.ceil(sinceMs / 1000 / step) * step;
}

/** The part of an ARN CloudWatch uses as a dimension: `targetgroup/web/0123…`, `app/my-lb/0123…`. */
function arnResource(arn: string, marker: string): string {
  const at = arn.indexOf(`:${marker}`);
  return at < 0 ? arn : arn.slice(at + 1);
}

function combine(points: readonly Datapoint[], metric: LatencyMetric, group: GroupRef): LatencySummary {
  const samples = points.reduce((n, p) => n + (p.SampleCount ?? 0), 0);
  const maxima = points.map((p) => p.Maximum).filter((v): v is number => typeof v === 'number');
  const percentile = (name: string): number | undefined => {
    const values = points.map((p) => p.ExtendedStatistics?.[name]).filter((v): v is number => typeof v === 'number');
    return values.length === 0 ? undefined : Math.max(...values);
  };
  const [p50, p90, p99, p999] = PERCENTILES.map(percentile);
  if (samples === 0 && p99 === undefined) {
    throw new DrainctlError('not_found', `CloudWatch has no ${metric.metricName} for ${group.provider}:${group.group} in that window`, {
      hint: 'widen --since, or check --region and that the load balancer served requests',
    });
  }
  if (p99 === undefined) {
    throw new DrainctlError('provider', `CloudWatch returned ${metric.metricName} for ${group.provider}:${group.group} (${samples} samples) but no percentiles`, {
      hint: 'percentiles need raw data points; if this endpoint is an emulator, it may not compute them (moto does not)',
      details: { samples, maximum: maxima.length > 0 ? Math.max(...maxima) : null },
    });
  }
  return { samples: samples > 0 ? samples : undefined, p50, p90, p99, p999, max: maxima.length > 0 ? Math.max(...maxima) : undefined, relativeError: 0 };
}
