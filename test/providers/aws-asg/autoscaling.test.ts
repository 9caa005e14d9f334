/**
 * The Auto Scaling port through the real SDK: against moto (an independent AWS implementation)
 * for what moto implements, and against a small local server that answers in Auto Scaling's
 * wire format (awsQuery XML) for what moto lacks: DescribeTrafficSources, heartbeats,
 * completions, and a hook without GlobalTimeout. The same server, put in front of moto, refuses
 * DescribeTrafficSources as an IAM policy written before it would.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { standaloneCall } from '../../../src/core/call.js';
import { DrainctlError } from '../../../src/core/errors.js';
import type { LifecycleAction } from '../../../src/core/lifecycle/ports.js';
import { type ClosableAutoScalingPort, createAutoScalingPort } from '../../../src/providers/aws-asg/autoscaling.js';
import { type MotoServer, motoAvailable, queryCall, requireTool, startMoto, xmlValue, xmlValues } from '../../support/moto.js';

const NS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';
const TOKEN = 'c5a4f8a2-3f3e-4b3a-9d5e-0123456789ab';
const haveMoto = motoAvailable();
const onMoto = it.runIf(haveMoto || process.env.CI === 'true');

const ports: ClosableAutoScalingPort[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const port of ports.splice(0)) port.close();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function portAt(url: string, maxAttempts = 1): Promise<ClosableAutoScalingPort> {
  const port = await createAutoScalingPort({ endpointUrl: url, region: 'us-east-1', env: {}, maxAttempts });
  ports.push(port);
  return port;
}

/** An Auto Scaling error document as AWS sends it. */
function errorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="${NS}">\n  <Error>\n    <Type>Sender</Type>\n    <Code>${code}</Code>\n    <Message>${message}</Message>\n  </Error>\n  <RequestId>0d4c8e3a-0000-4000-8000-000000000001</RequestId>\n</ErrorResponse>\n`;
}

function resultXml(action: string, inner = ''): string {
  return `<${action}Response xmlns="${NS}"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>0d4c8e3a-0000-4000-8000-000000000002</RequestId></ResponseMetadata></${action}Response>`;
}

type Answer = { status: number; body: string } | 'forward';

/**
 * A local awsQuery endpoint: `answer` sees each request's form parameters and returns the reply,
 * or 'forward' to pass the request to `backend` (moto) unchanged. Every request's parameters are kept.
 */
async function queryServer(answer: (params: Record<string, string>) => Answer, backend?: string): Promise<{ url: string; requests: Record<string, string>[] }> {
  const requests: Record<string, string>[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const params = Object.fromEntries(new URLSearchParams(body.toString()));
      requests.push(params);
      const reply = answer(params);
      if (reply !== 'forward') {
        res.writeHead(reply.status, { 'content-type': 'text/xml', 'x-amzn-requestid': '0d4c8e3a-0000-4000-8000-000000000003' }).end(reply.body);
        return;
      }
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>;
      fetch(`${backend}/`, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) })
        .then(async (r) => res.writeHead(r.status, { 'content-type': 'text/xml' }).end(Buffer.from(await r.arrayBuffer())))
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, requests };
}

async function rejection(promise: Promise<unknown>): Promise<DrainctlError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DrainctlError) return error;
    throw error;
  }
  throw new Error('expected a DrainctlError, but the call succeeded');
}

describe('Auto Scaling port, on moto', () => {
  let moto: MotoServer | undefined;
  let targetGroups: string[] = [];
  let instanceId = '';
  beforeAll(async () => {
    if (!requireTool('moto (python3 -m moto.server)', haveMoto)) return;
    moto = await startMoto();
    const ec2 = (action: string, params: Record<string, string> = {}) => queryCall(moto!.url, 'ec2', '2016-11-15', action, params);
    const elbv2 = (action: string, params: Record<string, string>) => queryCall(moto!.url, 'elasticloadbalancing', '2015-12-01', action, params);
    const elb = (action: string, params: Record<string, string>) => queryCall(moto!.url, 'elasticloadbalancing', '2012-06-01', action, params);
    const asg = (action: string, params: Record<string, string>) => queryCall(moto!.url, 'autoscaling', '2011-01-01', action, params);
    const vpc = xmlValue(await ec2('CreateVpc', { CidrBlock: '10.0.0.0/16' }), 'vpcId');
    const subnet = xmlValue(await ec2('CreateSubnet', { VpcId: vpc, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }), 'subnetId');
    const image = xmlValue(await ec2('DescribeImages'), 'imageId');
    targetGroups = [];
    for (const name of ['web', 'api']) {
      targetGroups.push(xmlValue(await elbv2('CreateTargetGroup', { Name: name, Protocol: 'HTTP', Port: '80', VpcId: vpc }), 'TargetGroupArn'));
    }
    await elb('CreateLoadBalancer', { LoadBalancerName: 'legacy', 'Listeners.member.1.Protocol': 'HTTP', 'Listeners.member.1.LoadBalancerPort': '80', 'Listeners.member.1.InstancePort': '8080', 'AvailabilityZones.member.1': 'us-east-1a' });
    await asg('CreateLaunchConfiguration', { LaunchConfigurationName: 'lc', ImageId: image, InstanceType: 't3.micro' });
    await asg('CreateAutoScalingGroup', {
      AutoScalingGroupName: 'web-asg',
      LaunchConfigurationName: 'lc',
      MinSize: '1',
      MaxSize: '2',
      DesiredCapacity: '1',
      VPCZoneIdentifier: subnet,
      'TargetGroupARNs.member.1': targetGroups[0]!,
      'TargetGroupARNs.member.2': targetGroups[1]!,
      'LoadBalancerNames.member.1': 'legacy',
    });
    await asg('CreateAutoScalingGroup', { AutoScalingGroupName: 'bare-asg', LaunchConfigurationName: 'lc', MinSize: '0', MaxSize: '1', DesiredCapacity: '0', VPCZoneIdentifier: subnet });
    await asg('PutLifecycleHook', { AutoScalingGroupName: 'web-asg', LifecycleHookName: 'drain', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', HeartbeatTimeout: '60', DefaultResult: 'CONTINUE' });
    await asg('PutLifecycleHook', { AutoScalingGroupName: 'web-asg', LifecycleHookName: 'warm-up', LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING' });
    instanceId = xmlValues(await asg('DescribeAutoScalingInstances', {}), 'InstanceId')[0]!;
  }, 60_000);
  afterAll(async () => moto?.stop());

  onMoto("describes a hook with the group's own values", async () => {
    const port = await portAt(moto!.url);
    expect(await port.describeHook('web-asg', 'drain', standaloneCall())).toEqual({
      name: 'drain',
      transition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      heartbeatTimeoutSeconds: 60,
      // As the response says: moto reports 172800 for every hook (AWS would say 6000 here, 100 × 60 s).
      globalTimeoutSeconds: 172800,
      defaultResult: 'CONTINUE',
    });
    // PutLifecycleHook's defaults: a 3600 s heartbeat timeout, ABANDON.
    expect(await port.describeHook('web-asg', 'warm-up', standaloneCall())).toMatchObject({ heartbeatTimeoutSeconds: 3600, defaultResult: 'ABANDON' });
  });

  onMoto('names the group and how to list its hooks when the group does not exist', async () => {
    const error = await rejection((await portAt(moto!.url)).describeHook('no-such-asg', 'drain', standaloneCall()));
    expect(error.kind).toBe('not_found');
    expect(error.message).toBe('Auto Scaling group no-such-asg not found in us-east-1');
    expect(error.hint).toBe('check the name and --region; a group\'s hooks are listed by: aws autoscaling describe-lifecycle-hooks --auto-scaling-group-name no-such-asg --region us-east-1');
  });

  onMoto('lists the hooks a group has when the hook does not exist', async () => {
    const port = await portAt(moto!.url);
    const error = await rejection(port.describeHook('web-asg', 'drian', standaloneCall()));
    expect(error.kind).toBe('not_found');
    expect(error.message).toBe('Auto Scaling group web-asg has no lifecycle hook drian (hooks: drain, warm-up)');
    expect(error.hint).toBe('list them with: aws autoscaling describe-lifecycle-hooks --auto-scaling-group-name web-asg --region us-east-1');
    const none = await rejection(port.describeHook('bare-asg', 'drain', standaloneCall()));
    expect(none.message).toBe('Auto Scaling group bare-asg has no lifecycle hook drain (hooks: none)');
  });

  onMoto("reads an instance's group and lifecycle state, and nothing for an instance no group has", async () => {
    const port = await portAt(moto!.url);
    expect(await port.instanceState(instanceId, standaloneCall())).toEqual({ autoScalingGroupName: 'web-asg', lifecycleState: 'InService' });
    expect(await port.instanceState('i-0123456789abcdef0', standaloneCall())).toBeUndefined();
  });

  onMoto('falls back to DescribeLoadBalancerTargetGroups and DescribeLoadBalancers when DescribeTrafficSources is denied', async () => {
    const proxy = await queryServer(
      (p) => (p.Action === 'DescribeTrafficSources' ? { status: 403, body: errorXml('AccessDenied', 'User: arn:aws:iam::123456789012:user/hook is not authorized to perform: autoscaling:DescribeTrafficSources') } : 'forward'),
      moto!.url,
    );
    const sources = await (await portAt(proxy.url)).trafficSources('web-asg', standaloneCall());
    expect(sources).toEqual([
      { kind: 'elbv2', targetGroupArn: targetGroups[0] },
      { kind: 'elbv2', targetGroupArn: targetGroups[1] },
      { kind: 'elb', loadBalancerName: 'legacy' },
    ]);
    expect(proxy.requests.map((p) => p.Action)).toEqual(['DescribeTrafficSources', 'DescribeLoadBalancerTargetGroups', 'DescribeLoadBalancers']);
  });

  onMoto('does not fall back on a failure that is not a refusal (moto answers DescribeTrafficSources with a 500)', async () => {
    const error = await rejection((await portAt(moto!.url)).trafficSources('web-asg', standaloneCall()));
    expect(error.kind).toBe('provider');
    expect(error.message).toMatch(/^describe the traffic sources of web-asg: /);
  });
});

describe('Auto Scaling port, on the wire format', () => {
  const action = (token: string | undefined): LifecycleAction => ({ autoScalingGroupName: 'web-asg', lifecycleHookName: 'drain', instanceId: 'i-0abc0000000000001', token, transition: 'autoscaling:EC2_INSTANCE_TERMINATING' });

  it('reads every page of DescribeTrafficSources, leaving out removed and VPC Lattice sources', async () => {
    const member = (id: string, type: string, state: string) => `<member><Identifier>${id}</Identifier><Type>${type}</Type><State>${state}</State></member>`;
    const tg = (n: number) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg-${n}/0123456789abcdef`;
    const server = await queryServer((p) => {
      if (p.NextToken === undefined) return { status: 200, body: resultXml('DescribeTrafficSources', `<TrafficSources>${member(tg(1), 'elbv2', 'InService')}${member('legacy', 'elb', 'Added')}</TrafficSources><NextToken>page-2</NextToken>`) };
      return { status: 200, body: resultXml('DescribeTrafficSources', `<TrafficSources>${member(tg(2), 'elbv2', 'Removing')}${member(tg(3), 'elbv2', 'Removed')}${member('arn:aws:vpc-lattice:us-east-1:123456789012:targetgroup/tg-0123', 'vpc-lattice', 'InService')}</TrafficSources>`) };
    });
    const sources = await (await portAt(server.url)).trafficSources('web-asg', standaloneCall());
    expect(sources).toEqual([
      { kind: 'elbv2', targetGroupArn: tg(1) },
      { kind: 'elb', loadBalancerName: 'legacy' },
      { kind: 'elbv2', targetGroupArn: tg(2) },
    ]);
    expect(server.requests.map((p) => [p.Action, p.AutoScalingGroupName, p.NextToken])).toEqual([
      ['DescribeTrafficSources', 'web-asg', undefined],
      ['DescribeTrafficSources', 'web-asg', 'page-2'],
    ]);
  });

  it('falls back when the endpoint does not know DescribeTrafficSources (InvalidAction)', async () => {
    const server = await queryServer((p) => {
      if (p.Action === 'DescribeTrafficSources') return { status: 400, body: errorXml('InvalidAction', 'The action DescribeTrafficSources is not valid for this web service.') };
      if (p.Action === 'DescribeLoadBalancerTargetGroups') return { status: 200, body: resultXml(p.Action, '<LoadBalancerTargetGroups><member><LoadBalancerTargetGroupARN>arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1</LoadBalancerTargetGroupARN><State>InService</State></member></LoadBalancerTargetGroups>') };
      return { status: 200, body: resultXml('DescribeLoadBalancers', '<LoadBalancers/>') };
    });
    expect(await (await portAt(server.url)).trafficSources('web-asg', standaloneCall())).toEqual([{ kind: 'elbv2', targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1' }]);
  });

  it('computes GlobalTimeout as AWS does when the response leaves it out: the lesser of 48 h and 100 heartbeats', async () => {
    const hook = (name: string, heartbeat: number) => `<member><LifecycleHookName>${name}</LifecycleHookName><AutoScalingGroupName>web-asg</AutoScalingGroupName><LifecycleTransition>autoscaling:EC2_INSTANCE_TERMINATING</LifecycleTransition><HeartbeatTimeout>${heartbeat}</HeartbeatTimeout><DefaultResult>CONTINUE</DefaultResult></member>`;
    const server = await queryServer((p) => ({ status: 200, body: resultXml(p.Action!, `<LifecycleHooks>${hook('short', 60)}${hook('long', 3600)}</LifecycleHooks>`) }));
    const port = await portAt(server.url);
    expect((await port.describeHook('web-asg', 'short', standaloneCall())).globalTimeoutSeconds).toBe(6000);
    expect((await port.describeHook('web-asg', 'long', standaloneCall())).globalTimeoutSeconds).toBe(172800);
  });

  it('completes with the token when there is one, else with the instance ID', async () => {
    const server = await queryServer((p) => ({ status: 200, body: resultXml(p.Action!) }));
    const port = await portAt(server.url);
    expect(await port.complete(action(TOKEN), 'CONTINUE', standaloneCall())).toBe('completed');
    expect(await port.complete(action(undefined), 'ABANDON', standaloneCall())).toBe('completed');
    expect(await port.recordHeartbeat(action(TOKEN), standaloneCall())).toBe('recorded');
    const { Version: _v, ...first } = server.requests[0]!;
    expect(first).toEqual({ Action: 'CompleteLifecycleAction', AutoScalingGroupName: 'web-asg', LifecycleHookName: 'drain', LifecycleActionToken: TOKEN, LifecycleActionResult: 'CONTINUE' });
    expect(server.requests[1]).toMatchObject({ InstanceId: 'i-0abc0000000000001', LifecycleActionResult: 'ABANDON' });
    expect(server.requests[1]).not.toHaveProperty('LifecycleActionToken');
    expect(server.requests[2]).toMatchObject({ Action: 'RecordLifecycleActionHeartbeat', LifecycleActionToken: TOKEN });
  });

  it('reads "No active Lifecycle Action found" as already ended, for a completion and a heartbeat', async () => {
    const server = await queryServer((p) => ({ status: 400, body: errorXml('ValidationError', p.LifecycleActionToken ? `No active Lifecycle Action found with token ${p.LifecycleActionToken}` : `No active Lifecycle Action found with instance ID ${p.InstanceId}`) }));
    const port = await portAt(server.url);
    expect(await port.complete(action(TOKEN), 'CONTINUE', standaloneCall())).toBe('already_ended');
    expect(await port.complete(action(undefined), 'CONTINUE', standaloneCall())).toBe('already_ended');
    expect(await port.recordHeartbeat(action(TOKEN), standaloneCall())).toBe('already_ended');
  });

  it('reads a completion whose answer was lost and whose retry finds no action as already ended', async () => {
    let attempts = 0;
    const server = await queryServer(() => (++attempts === 1 ? { status: 500, body: errorXml('InternalFailure', 'We encountered an internal error. Please try again.') } : { status: 400, body: errorXml('ValidationError', `No active Lifecycle Action found with token ${TOKEN}`) }));
    expect(await (await portAt(server.url, 3)).complete(action(TOKEN), 'CONTINUE', standaloneCall())).toBe('already_ended');
    expect(attempts).toBe(2);
  });

  it('throws any other ValidationError with the AWS message', async () => {
    const message = 'No Lifecycle Hook found with name drian for group web-asg';
    const server = await queryServer(() => ({ status: 400, body: errorXml('ValidationError', message) }));
    const error = await rejection((await portAt(server.url)).complete({ ...action(TOKEN), lifecycleHookName: 'drian' }, 'CONTINUE', standaloneCall()));
    expect(error.kind).toBe('provider');
    expect(error.message).toBe(`complete the drian action of i-0abc0000000000001 in web-asg with CONTINUE: ValidationError: ${message}`);
  });
});
