import { CloudWatchClient, type Dimension, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type AwsEmulator, type AwsSeed, startAwsEmulator } from '../../src/emulators/aws/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/commands/audit.js';
import { timeoutRecommendCommand } from '../../src/cli/commands/recommend.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { DrainctlError } from '../../src/core/errors.js';
import type { GroupRef } from '../../src/core/refs.js';
import { AwsGroupInsights, periodFor } from '../../src/providers/aws/cloudwatch.js';
import { type MotoServer, motoAvailable, queryCall, requireTool, startMoto, xmlValue } from '../support/moto.js';
import { runCommand } from './helpers.js';

const web: GroupRef = { kind: 'group', provider: 'elbv2', group: 'web' };

/**
 * The real SDK clients against the built-in AWS emulator, whose CloudWatch computes
 * percentiles from the values put into it (moto stores them but computes none).
 */
const SEED: AwsSeed = {
  loadBalancers: [
    { name: 'front', type: 'application' },
    { name: 'back', type: 'application' },
    { name: 'net', type: 'network' },
  ],
  targetGroups: [
    { name: 'web', protocol: 'HTTP', port: 80, targetType: 'instance', loadBalancers: ['front', 'back'], targets: [] },
    { name: 'tcp-api', protocol: 'TCP', port: 9000, targetType: 'ip', loadBalancers: ['net'], targets: [] },
    { name: 'alone', protocol: 'HTTP', port: 80, targetType: 'instance', targets: [] },
  ],
};

describe('CloudWatch latency (AWS/ApplicationELB TargetResponseTime) on the built-in emulator, real SDK clients', () => {
  let emulator: AwsEmulator;
  let dims: { front: Dimension[]; back: Dimension[] };
  const now = new Date();
  const options = () => ({ endpointUrl: emulator.url, region: 'us-east-1', env: {} });

  beforeAll(async () => {
    emulator = await startAwsEmulator({ seed: SEED, throttle: 'off' });
    const elbv2 = new ElasticLoadBalancingV2Client({ endpoint: emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'DRAINCTLTEST', secretAccessKey: 'drainctl-test' } });
    const [tg] = (await elbv2.send(new DescribeTargetGroupsCommand({ Names: ['web'] }))).TargetGroups!;
    elbv2.destroy();
    const tgDim = { Name: 'TargetGroup', Value: tg!.TargetGroupArn!.slice(tg!.TargetGroupArn!.indexOf('targetgroup/')) };
    const lbDim = (arn: string) => ({ Name: 'LoadBalancer', Value: arn.slice(arn.indexOf(':loadbalancer/') + ':loadbalancer/'.length) });
    const [front, back] = tg!.LoadBalancerArns!;
    dims = { front: [lbDim(front!), tgDim], back: [lbDim(back!), tgDim] };
    const cw = new CloudWatchClient({ endpoint: emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'DRAINCTLTEST', secretAccessKey: 'drainctl-test' } });
    const at = new Date(now.getTime() - 3_600_000);
    // front: 1000 requests, p99 = 1.5 s; back: 1000 requests, p99 = 2.5 s and a 12 s straggler.
    await cw.send(new PutMetricDataCommand({ Namespace: 'AWS/ApplicationELB', MetricData: [
      { MetricName: 'TargetResponseTime', Unit: 'Seconds', Timestamp: at, Dimensions: dims.front, Values: [0.05, 0.2, 1.5, 9], Counts: [800, 185, 14, 1] },
      { MetricName: 'TargetResponseTime', Unit: 'Seconds', Timestamp: at, Dimensions: dims.back, Values: [0.08, 0.3, 2.5, 12], Counts: [700, 285, 14, 1] },
      // Another target group on the same load balancer must not leak in.
      { MetricName: 'TargetResponseTime', Unit: 'Seconds', Timestamp: at, Dimensions: [dims.front[0]!, { Name: 'TargetGroup', Value: 'targetgroup/other/0000000000000000' }], Values: [99], Counts: [5] },
    ] }));
    cw.destroy();
    emulator.clearLog();
  });
  afterAll(() => emulator.stop());

  it('asks per load balancer with the LoadBalancer and TargetGroup dimensions, percentiles and totals in separate calls', async () => {
    const insights = await AwsGroupInsights.create(options());
    const cw = await insights.latency(web, 7 * 86_400_000, undefined, now);
    insights.close();
    const stats = emulator.requestLog.filter((e) => e.action === 'GetMetricStatistics').map((e) => JSON.parse(e.params.body!) as Record<string, unknown>);
    expect(stats).toHaveLength(4);
    for (const s of stats) {
      expect(s).toMatchObject({ Namespace: 'AWS/ApplicationELB', MetricName: 'TargetResponseTime', Period: 604_800 });
      // GetMetricStatistics refuses Statistics and ExtendedStatistics together (the emulator enforces it too).
      expect(Boolean(s.Statistics) !== Boolean(s.ExtendedStatistics)).toBe(true);
    }
    expect(stats.map((s) => s.ExtendedStatistics).filter(Boolean)[0]).toEqual(['p50', 'p90', 'p99', 'p99.9']);
    expect(stats.map((s) => s.Statistics).filter(Boolean)[0]).toEqual(['Maximum', 'SampleCount']);
    expect(stats.map((s) => s.Dimensions)).toContainEqual(dims.back);
    // Two load balancers: each percentile is the larger of the two (an upper bound), counts add up.
    expect(cw.summary).toMatchObject({ samples: 2000, p50: 0.08, p90: 0.3, p99: 2.5, p999: 12, max: 12 });
  });

  it('the recommendation from CloudWatch, through the command', async () => {
    const run = await runCommand((ctx) => timeoutRecommendCommand(ctx, { fromCloudwatch: 'elbv2:web', since: '1d' }, { insights: () => AwsGroupInsights.create(options()) }));
    expect(run.code, JSON.stringify(run)).toBe(EXIT.ok);
    expect(run.result!.data.source).toMatchObject({ kind: 'cloudwatch', namespace: 'AWS/ApplicationELB', metric: 'TargetResponseTime', period_seconds: 86_400 });
    expect(run.result!.data.latency).toMatchObject({ samples: 2000, p99_ms: 2500, max_ms: 12_000 });
    expect(run.result!.data.recommendation).toMatchObject({ seconds: 30 });
  });

  it('refuses Network Load Balancer target groups and groups behind no load balancer', async () => {
    const insights = await AwsGroupInsights.create(options());
    await expect(insights.latency({ ...web, group: 'tcp-api' }, 86_400_000)).rejects.toThrow(/Network Load Balancer target group \(TCP\): CloudWatch has no request latency/);
    await expect(insights.latency({ ...web, group: 'alone' }, 86_400_000)).rejects.toThrow(/not behind any load balancer/);
    insights.close();
  });

  it('periods follow what CloudWatch keeps', () => {
    expect([periodFor(60_000), periodFor(90_000), periodFor(86_400_000), periodFor(20 * 86_400_000), periodFor(100 * 86_400_000)]).toEqual([60, 120, 86_400, 1_728_000, 8_640_000]);
  });
});

const haveMoto = motoAvailable();

describe('CloudWatch and health checks on moto', () => {
  let moto: MotoServer | undefined;
  let lbSuffix = '';
  let tgSuffix = '';

  beforeAll(async () => {
    if (!requireTool('moto (python3 -m moto.server)', haveMoto)) return;
    moto = await startMoto();
    const ec2 = (action: string, params: Record<string, string>) => queryCall(moto!.url, 'ec2', '2016-11-15', action, params);
    const elbv2 = (action: string, params: Record<string, string>) => queryCall(moto!.url, 'elasticloadbalancing', '2015-12-01', action, params);
    const elb = (action: string, params: Record<string, string>) => queryCall(moto!.url, 'elasticloadbalancing', '2012-06-01', action, params);
    const vpc = xmlValue(await ec2('CreateVpc', { CidrBlock: '10.0.0.0/16' }), 'vpcId');
    const subnets = [
      xmlValue(await ec2('CreateSubnet', { VpcId: vpc, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }), 'subnetId'),
      xmlValue(await ec2('CreateSubnet', { VpcId: vpc, CidrBlock: '10.0.2.0/24', AvailabilityZone: 'us-east-1b' }), 'subnetId'),
    ];
    const lbArn = xmlValue(await elbv2('CreateLoadBalancer', { Name: 'front', Type: 'application', 'Subnets.member.1': subnets[0]!, 'Subnets.member.2': subnets[1]! }), 'LoadBalancerArn');
    const tgArn = xmlValue(
      await elbv2('CreateTargetGroup', { Name: 'web', Protocol: 'HTTP', Port: '80', VpcId: vpc, TargetType: 'instance', HealthCheckIntervalSeconds: '10', UnhealthyThresholdCount: '4' }),
      'TargetGroupArn',
    );
    await elbv2('CreateListener', { LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: '80', 'DefaultActions.member.1.Type': 'forward', 'DefaultActions.member.1.TargetGroupArn': tgArn });
    await elbv2('CreateTargetGroup', { Name: 'tcp-api', Protocol: 'TCP', Port: '9000', VpcId: vpc, TargetType: 'ip' });
    await elb('CreateLoadBalancer', { LoadBalancerName: 'legacy', 'Listeners.member.1.Protocol': 'HTTP', 'Listeners.member.1.LoadBalancerPort': '80', 'Listeners.member.1.InstancePort': '8080', 'AvailabilityZones.member.1': 'us-east-1a' });
    await elb('ConfigureHealthCheck', { LoadBalancerName: 'legacy', 'HealthCheck.Target': 'HTTP:8080/health', 'HealthCheck.Interval': '6', 'HealthCheck.Timeout': '5', 'HealthCheck.UnhealthyThreshold': '2', 'HealthCheck.HealthyThreshold': '3' });
    lbSuffix = lbArn.slice(lbArn.indexOf(':loadbalancer/') + ':loadbalancer/'.length);
    tgSuffix = tgArn.slice(tgArn.indexOf(':targetgroup/') + 1);
    // moto only checks the signature's shape; these credentials are placeholders.
    const cw = new CloudWatchClient({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'DRAINCTLTEST', secretAccessKey: 'drainctl-test' } });
    const now = Date.now();
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricData: [
          { MetricName: 'TargetResponseTime', Unit: 'Seconds', Timestamp: new Date(now - 120_000), Dimensions: [{ Name: 'LoadBalancer', Value: lbSuffix }, { Name: 'TargetGroup', Value: tgSuffix }], Values: [0.05, 0.2, 7.5], Counts: [900, 90, 10] },
          // Another target group's latency on the same load balancer must not leak in.
          { MetricName: 'TargetResponseTime', Unit: 'Seconds', Timestamp: new Date(now - 120_000), Dimensions: [{ Name: 'LoadBalancer', Value: lbSuffix }, { Name: 'TargetGroup', Value: 'targetgroup/other/0000000000000000' }], Values: [99], Counts: [5] },
        ],
      }),
    );
    await cw.send(new PutMetricDataCommand({ Namespace: 'AWS/ELB', MetricData: [{ MetricName: 'Latency', Unit: 'Seconds', Timestamp: new Date(now - 60_000), Dimensions: [{ Name: 'LoadBalancerName', Value: 'legacy' }], Values: [0.01, 3.25], Counts: [50, 1] }] }));
    cw.destroy();
  }, 120_000);
  afterAll(async () => moto?.stop());

  const env = () => ({ NO_COLOR: '1' });
  const options = () => ({ endpointUrl: moto!.url, region: 'us-east-1', env: {} });

  it('finds the metric by the target group\'s load balancer, and reads Maximum and SampleCount (moto computes no percentiles)', async (t) => {
    if (!moto) return t.skip();
    const insights = await AwsGroupInsights.create(options());
    try {
      const error = await insights.latency(web, 3_600_000).catch((e: unknown) => e);
      // moto 5.2 accepts ExtendedStatistics but returns none: the summary cannot be made, and the error says why.
      expect(error).toBeInstanceOf(DrainctlError);
      expect((error as DrainctlError).kind).toBe('provider');
      expect((error as DrainctlError).message).toBe('CloudWatch returned TargetResponseTime for elbv2:web (1000 samples) but no percentiles');
      expect((error as DrainctlError).details).toEqual({ samples: 1000, maximum: 7.5 });
      const classic = await insights.latency({ kind: 'group', provider: 'elb', group: 'legacy' }, 3_600_000).catch((e: unknown) => e);
      expect((classic as DrainctlError).details).toEqual({ samples: 51, maximum: 3.25 });
    } finally {
      insights.close();
    }
  });

  it('says so when there is no data in the window, and refuses NLB target groups', async (t) => {
    if (!moto) return t.skip();
    const insights = await AwsGroupInsights.create(options());
    try {
      const old = await insights.latency(web, 60_000, undefined, new Date(Date.now() - 86_400_000)).catch((e: unknown) => e);
      expect((old as DrainctlError).kind).toBe('not_found');
      await expect(insights.latency({ kind: 'group', provider: 'elbv2', group: 'tcp-api' }, 3_600_000)).rejects.toThrow(/Network Load Balancer target group/);
      await expect(insights.latency({ kind: 'group', provider: 'elbv2', group: 'nope' }, 3_600_000)).rejects.toThrow(/target group nope not found/);
    } finally {
      insights.close();
    }
  });

  it('reads health-check settings and the load balancer type', async (t) => {
    if (!moto) return t.skip();
    const insights = await AwsGroupInsights.create(options());
    try {
      expect(await insights.facts(web)).toEqual({ loadBalancerType: 'application', protocol: 'HTTP', healthCheckIntervalSeconds: 10, unhealthyThresholdCount: 4 });
      expect(await insights.facts({ kind: 'group', provider: 'elbv2', group: 'tcp-api' })).toMatchObject({ loadBalancerType: 'network' });
      expect(await insights.facts({ kind: 'group', provider: 'elb', group: 'legacy' })).toEqual({ loadBalancerType: 'classic', protocol: undefined, healthCheckIntervalSeconds: 6, unhealthyThresholdCount: 2 });
    } finally {
      insights.close();
    }
  });

  it('audit --lb reads the drain timeout and the health check live', async (t) => {
    if (!moto) return t.skip();
    const run = await runCommand((ctx) => auditCommand(ctx, { lb: 'elbv2:web', appTimeout: '20s' }), { endpointUrl: moto.url, region: 'us-east-1', env: env() });
    expect(run.code).toBe(EXIT.ok);
    expect(run.result!.data.inputs).toMatchObject({ lb: { drain_timeout_seconds: 300, health_interval_seconds: 10, unhealthy_threshold: 4, load_balancer_type: 'application' } });
  });

  it('recommend --from-cloudwatch on moto: exit 1 with the reason, nothing invented', async (t) => {
    if (!moto) return t.skip();
    const run = await runCommand((ctx) => timeoutRecommendCommand(ctx, { fromCloudwatch: 'elbv2:web', since: '1h' }), { endpointUrl: moto.url, region: 'us-east-1', env: env() });
    expect(run.code).toBe(EXIT.error);
    expect((run.error as DrainctlError).hint).toMatch(/moto does not/);
  });
});
