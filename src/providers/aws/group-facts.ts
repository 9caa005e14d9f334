import type { TimeoutSetting } from '../../core/provider.js';
import type { GroupRef } from '../../core/refs.js';
import type { Advice } from '../../latency/recommend.js';
import { elbv2Descriptor } from '../aws-elbv2/descriptor.js';
import { descriptorOf } from '../registry.js';
import type { ProviderOptions } from '../options.js';
import type { AwsGroupFacts, AwsGroupInsights, CloudWatchLatency } from './cloudwatch.js';

/**
 * What the timeout commands read from AWS beyond the DrainProvider interface, behind calls that
 * say what they do: a group's latency from CloudWatch, its health check, and the advice that only
 * a Network Load Balancer's protocol calls for. The SDK clients (cloudwatch.ts) load on first use.
 */

/** How the insights are made: AwsGroupInsights.create, or a test's own. */
export type InsightsFactory<K extends keyof AwsGroupInsights> = (options: ProviderOptions) => Promise<Pick<AwsGroupInsights, K | 'close'>>;

/** ELBv2 target group protocols that only a Network Load Balancer serves. */
const NETWORK_PROTOCOLS = new Set(['TCP', 'UDP', 'TLS', 'TCP_UDP', 'QUIC', 'TCP_QUIC']);

/** ELBv2 target group protocol → the kind of load balancer it can sit behind. */
export function loadBalancerType(protocol: string | undefined): AwsGroupFacts['loadBalancerType'] {
  if (protocol === 'GENEVE') return 'gateway';
  if (protocol !== undefined && NETWORK_PROTOCOLS.has(protocol)) return 'network';
  return 'application';
}

/** The group's request latency over the last `sinceMs` from CloudWatch (elbv2 ALB target groups, Classic ELBs). */
export async function readCloudWatchLatency(options: ProviderOptions, group: GroupRef, sinceMs: number, signal?: AbortSignal, create?: InsightsFactory<'latency'>): Promise<CloudWatchLatency> {
  const insights = await (create ?? (await defaultFactory()))(options);
  try {
    return await insights.latency(group, sinceMs, signal);
  } finally {
    insights.close();
  }
}

/** The group's health check and load balancer type, or undefined for a provider whose health check drainctl cannot read. */
export async function readHealthCheck(options: ProviderOptions, group: GroupRef, signal?: AbortSignal, create?: InsightsFactory<'facts'>): Promise<AwsGroupFacts | undefined> {
  if (!descriptorOf(group.provider).healthCheckReadable) return undefined;
  const insights = await (create ?? (await defaultFactory()))(options);
  try {
    return await insights.facts(group, signal);
  } finally {
    insights.close();
  }
}

/**
 * Advice about a drain timeout of `seconds` for a group, from the setting its provider reported:
 * AWS recommends at least 120 s for a Network Load Balancer target group. Empty for anything else.
 */
export function groupTimeoutAdvice(groupText: string, setting: TimeoutSetting, seconds: number): Advice[] {
  const protocol = typeof setting.extra.protocol === 'string' ? setting.extra.protocol : undefined;
  const floor = elbv2Descriptor.timeout?.recommendedMin;
  if (!floor || loadBalancerType(protocol) !== 'network' || protocol === undefined || seconds >= floor.seconds) return [];
  return [{ code: 'nlb_minimum', provider: elbv2Descriptor.name, message: `${groupText}: ${floor.why}` }];
}

async function defaultFactory(): Promise<(options: ProviderOptions) => Promise<AwsGroupInsights>> {
  const { AwsGroupInsights } = await import('./cloudwatch.js');
  return (options) => AwsGroupInsights.create(options);
}
