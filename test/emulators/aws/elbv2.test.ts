import {
  DeregisterTargetsCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
  type ElasticLoadBalancingV2Client,
  type TargetDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import type { AwsEmulator, AwsSeed } from '../../../src/emulators/aws/index.js';
import { FakeClock, emulatorHarness, rejectionOf } from './helpers.js';

const INSTANCE = 'i-0a1b2c3d4e5f60001';
const LAMBDA_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:resize-images';

const seed: AwsSeed = {
  loadBalancers: [{ name: 'front', type: 'application' }],
  targetGroups: [
    {
      name: 'web',
      protocol: 'HTTP',
      port: 80,
      loadBalancers: ['front'],
      attributes: { 'deregistration_delay.timeout_seconds': '30' },
      targets: [{ id: INSTANCE, port: 8080, health: 'healthy' }],
    },
    { name: 'api', protocol: 'TCP', port: 443, targetType: 'ip', targets: [{ id: '10.0.1.10', availabilityZone: 'us-east-1a' }] },
    { name: 'dns', protocol: 'UDP', port: 53, targetType: 'ip' },
    { name: 'fn', targetType: 'lambda' },
  ],
};

const h = emulatorHarness();

async function setUp(clock = new FakeClock()): Promise<{ emulator: AwsEmulator; client: ElasticLoadBalancingV2Client; clock: FakeClock; web: string }> {
  const emulator = await h.start({ seed, clock, throttle: 'off' });
  return { emulator, client: h.elbv2(emulator), clock, web: emulator.targetGroupArn('web') };
}

async function healthOf(client: ElasticLoadBalancingV2Client, arn: string, target: TargetDescription) {
  const out = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: [target] }));
  expect(out.TargetHealthDescriptions).toHaveLength(1);
  return out.TargetHealthDescriptions![0]!;
}

async function listedIds(client: ElasticLoadBalancingV2Client, arn: string): Promise<string[]> {
  const out = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
  return (out.TargetHealthDescriptions ?? []).map((d) => `${d.Target?.Id}:${d.Target?.Port}`);
}

describe('DescribeTargetGroups', () => {
  it('finds a group by name and by ARN, with the fields the SDK model defines', async () => {
    const { client, web } = await setUp();
    const byName = await client.send(new DescribeTargetGroupsCommand({ Names: ['web'] }));
    const byArn = await client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [web] }));
    expect(byArn.TargetGroups).toEqual(byName.TargetGroups);
    const group = byName.TargetGroups![0]!;
    expect(web).toMatch(/^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup\/web\/[0-9a-f]{16}$/);
    expect(group).toMatchObject({
      TargetGroupArn: web,
      TargetGroupName: 'web',
      Protocol: 'HTTP',
      Port: 80,
      TargetType: 'instance',
      HealthCheckPort: 'traffic-port',
      HealthCheckEnabled: true,
      HealthCheckIntervalSeconds: 30,
      Matcher: { HttpCode: '200' },
    });
    expect(group.LoadBalancerArns).toEqual([expect.stringMatching(/:loadbalancer\/app\/front\/[0-9a-f]{16}$/)]);
  });

  it('gives the same ARNs on every start of the same seed', async () => {
    const first = await h.start({ seed, throttle: 'off' });
    const second = await h.start({ seed, throttle: 'off' });
    expect(second.targetGroupArn('web')).toBe(first.targetGroupArn('web'));
    expect(second.targetGroupArn('api')).not.toBe(first.targetGroupArn('web'));
  });

  it('pages with Marker and PageSize', async () => {
    const names = ['pg-a', 'pg-b', 'pg-c', 'pg-d', 'pg-e'];
    const emulator = await h.start({ seed: { targetGroups: names.map((name) => ({ name, port: 80 })) }, throttle: 'off' });
    const client = h.elbv2(emulator);
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 10; page++) {
      const out = await client.send(new DescribeTargetGroupsCommand({ PageSize: 2, Marker: marker }));
      pageSizes.push(out.TargetGroups!.length);
      seen.push(...out.TargetGroups!.map((g) => g.TargetGroupName!));
      marker = out.NextMarker;
      if (!marker) break;
    }
    expect(pageSizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(names);
    const err = await rejectionOf(client.send(new DescribeTargetGroupsCommand({ PageSize: 401 })));
    expect(err.name).toBe('ValidationError');
  });

  it('filters by load balancer ARN', async () => {
    const { client, web } = await setUp();
    const lbs = await client.send(new DescribeLoadBalancersCommand({ Names: ['front'] }));
    const lb = lbs.LoadBalancers![0]!;
    expect(lb).toMatchObject({ LoadBalancerName: 'front', Type: 'application', State: { Code: 'active' }, Scheme: 'internet-facing' });
    expect(lb.CreatedTime).toBeInstanceOf(Date);
    const out = await client.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    expect(out.TargetGroups!.map((g) => g.TargetGroupArn)).toEqual([web]);
  });

  it('answers TargetGroupNotFound for an unknown name, which the SDK maps to TargetGroupNotFoundException', async () => {
    const { client } = await setUp();
    const err = await rejectionOf(client.send(new DescribeTargetGroupsCommand({ Names: ['web', 'nope'] })));
    expect(err.name).toBe('TargetGroupNotFoundException');
    expect(err.message).toBe('One or more target groups not found');
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it('answers LoadBalancerNotFound for an unknown load balancer', async () => {
    const { client } = await setUp();
    const err = await rejectionOf(client.send(new DescribeLoadBalancersCommand({ Names: ['nope'] })));
    expect(err.name).toBe('LoadBalancerNotFoundException');
  });
});

describe('target lifecycle', () => {
  it('goes initial → healthy → draining (for exactly the delay) → unused', async () => {
    const { emulator, client, clock, web } = await setUp();
    const target = { Id: 'i-0a1b2c3d4e5f60002', Port: 8080 };
    await client.send(new RegisterTargetsCommand({ TargetGroupArn: web, Targets: [target] }));
    expect((await healthOf(client, web, target)).TargetHealth).toEqual({
      State: 'initial',
      Reason: 'Elb.RegistrationInProgress',
      Description: 'Target registration is in progress',
    });
    clock.advance(999);
    expect((await healthOf(client, web, target)).TargetHealth?.State).toBe('initial');
    clock.advance(1);
    const healthy = await healthOf(client, web, target);
    expect(healthy).toEqual({ Target: target, HealthCheckPort: '8080', TargetHealth: { State: 'healthy' } });

    await client.send(new DeregisterTargetsCommand({ TargetGroupArn: web, Targets: [target] }));
    const deregisteredAt = clock.now();
    expect(emulator.drainingEndsAt('web', target.Id, target.Port)).toBe(deregisteredAt + 30_000);
    expect((await healthOf(client, web, target)).TargetHealth).toEqual({
      State: 'draining',
      Reason: 'Target.DeregistrationInProgress',
      Description: 'Target deregistration is in progress',
    });
    // No in-flight work exists here, and it still drains for the whole delay, as ALB does.
    clock.advance(29_999);
    expect((await healthOf(client, web, target)).TargetHealth?.State).toBe('draining');
    expect(await listedIds(client, web)).toContain('i-0a1b2c3d4e5f60002:8080');
    clock.advance(1);
    // A target that is not registered has no health-check port to report.
    expect(await healthOf(client, web, target)).toEqual({
      Target: target,
      TargetHealth: { State: 'unused', Reason: 'Target.NotRegistered', Description: 'Target is not registered to the target group' },
    });
    expect(await listedIds(client, web)).not.toContain('i-0a1b2c3d4e5f60002:8080');
    expect(emulator.drainingEndsAt('web', target.Id, target.Port)).toBeUndefined();
  });

  it('keeps the first end time when a draining target is deregistered again', async () => {
    const { emulator, client, clock, web } = await setUp();
    const target = { Id: INSTANCE, Port: 8080 };
    await client.send(new DeregisterTargetsCommand({ TargetGroupArn: web, Targets: [target] }));
    const endsAt = emulator.drainingEndsAt(web, INSTANCE, 8080);
    clock.advance(10_000);
    await client.send(new DeregisterTargetsCommand({ TargetGroupArn: web, Targets: [target] }));
    expect(emulator.drainingEndsAt(web, INSTANCE, 8080)).toBe(endsAt);
  });

  it('takes a draining target back when it is registered again', async () => {
    const { emulator, client, clock, web } = await setUp();
    const target = { Id: INSTANCE, Port: 8080 };
    await client.send(new DeregisterTargetsCommand({ TargetGroupArn: web, Targets: [target] }));
    clock.advance(5_000);
    await client.send(new RegisterTargetsCommand({ TargetGroupArn: web, Targets: [target] }));
    expect(emulator.drainingEndsAt('web', INSTANCE, 8080)).toBeUndefined();
    expect((await healthOf(client, web, target)).TargetHealth?.State).toBe('initial');
    clock.advance(60_000);
    expect((await healthOf(client, web, target)).TargetHealth?.State).toBe('healthy');
  });

  it('ignores a deregistration without the port the target was registered with', async () => {
    const { client, web } = await setUp();
    // Registered on 8080 while the group's port is 80: Id alone means port 80, which is not registered.
    await client.send(new DeregisterTargetsCommand({ TargetGroupArn: web, Targets: [{ Id: INSTANCE }] }));
    expect((await healthOf(client, web, { Id: INSTANCE, Port: 8080 })).TargetHealth?.State).toBe('healthy');
    await client.send(new DeregisterTargetsCommand({ TargetGroupArn: web, Targets: [{ Id: INSTANCE, Port: 8080 }] }));
    expect((await healthOf(client, web, { Id: INSTANCE, Port: 8080 })).TargetHealth?.State).toBe('draining');
  });

  it('accepts the deregistration of a target it never had', async () => {
    const { client, web } = await setUp();
    const before = await listedIds(client, web);
    await client.send(new DeregisterTargetsCommand({ TargetGroupArn: web, Targets: [{ Id: 'i-0fffffffffffffff0', Port: 8080 }] }));
    expect(await listedIds(client, web)).toEqual(before);
  });

  it('uses the delay in force at deregistration: 0 removes the target at once', async () => {
    const { client, web } = await setUp();
    await client.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: web, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '0' }] }));
    await client.send(new DeregisterTargetsCommand({ TargetGroupArn: web, Targets: [{ Id: INSTANCE, Port: 8080 }] }));
    expect((await healthOf(client, web, { Id: INSTANCE, Port: 8080 })).TargetHealth?.State).toBe('unused');
  });

  it('does not shorten a drain in progress when the delay is changed', async () => {
    const { emulator, client, clock, web } = await setUp();
    await client.send(new DeregisterTargetsCommand({ TargetGroupArn: web, Targets: [{ Id: INSTANCE, Port: 8080 }] }));
    await client.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: web, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '1' }] }));
    expect(emulator.drainingEndsAt('web', INSTANCE, 8080)).toBe(clock.now() + 30_000);
  });

  it('answers InvalidTarget for an id that is not an instance id', async () => {
    const { client, web } = await setUp();
    const register = await rejectionOf(client.send(new RegisterTargetsCommand({ TargetGroupArn: web, Targets: [{ Id: 'web-1', Port: 80 }] })));
    expect(register.name).toBe('InvalidTargetException');
    expect(register.$metadata.httpStatusCode).toBe(400);
    expect(register.message).toContain("'web-1'");
    const describeErr = await rejectionOf(client.send(new DescribeTargetHealthCommand({ TargetGroupArn: web, Targets: [{ Id: 'i-xyz' }] })));
    expect(describeErr.name).toBe('InvalidTargetException');
  });

  it('answers TargetGroupNotFound for an ARN it does not have', async () => {
    const { client, web } = await setUp();
    const unknown = web.replace('/web/', '/gone/');
    const err = await rejectionOf(client.send(new DescribeTargetHealthCommand({ TargetGroupArn: unknown })));
    expect(err.name).toBe('TargetGroupNotFoundException');
  });

  it('handles IP targets with Availability Zones, including all and IPv6', async () => {
    const { emulator, client, clock } = await setUp();
    const api = emulator.targetGroupArn('api');
    await client.send(
      new RegisterTargetsCommand({
        TargetGroupArn: api,
        Targets: [{ Id: '192.0.2.7', AvailabilityZone: 'all' }, { Id: '2001:db8::7' }],
      }),
    );
    clock.advance(1000);
    const out = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: api }));
    expect(out.TargetHealthDescriptions!.map((d) => d.Target)).toEqual([
      { Id: '10.0.1.10', Port: 443, AvailabilityZone: 'us-east-1a' },
      { Id: '192.0.2.7', Port: 443, AvailabilityZone: 'all' },
      { Id: '2001:db8::7', Port: 443 },
    ]);
    expect(out.TargetHealthDescriptions!.every((d) => d.TargetHealth?.State === 'healthy')).toBe(true);
    const err = await rejectionOf(client.send(new RegisterTargetsCommand({ TargetGroupArn: api, Targets: [{ Id: INSTANCE }] })));
    expect(err.name).toBe('InvalidTargetException');
  });

  it('handles Lambda targets: no port, health checks off, no deregistration delay', async () => {
    const { emulator, client, clock } = await setUp();
    const fn = emulator.targetGroupArn('fn');
    await client.send(new RegisterTargetsCommand({ TargetGroupArn: fn, Targets: [{ Id: LAMBDA_ARN }] }));
    clock.advance(1000);
    expect(await healthOf(client, fn, { Id: LAMBDA_ARN })).toEqual({
      Target: { Id: LAMBDA_ARN },
      TargetHealth: { State: 'unavailable', Reason: 'Target.HealthCheckDisabled', Description: 'Health checks are disabled' },
    });
    await client.send(new DeregisterTargetsCommand({ TargetGroupArn: fn, Targets: [{ Id: LAMBDA_ARN }] }));
    expect((await healthOf(client, fn, { Id: LAMBDA_ARN })).TargetHealth?.State).toBe('unused');
    const attrs = await client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: fn }));
    expect(attrs.Attributes!.map((a) => a.Key)).toEqual(['lambda.multi_value_headers.enabled']);
    const group = (await client.send(new DescribeTargetGroupsCommand({ Names: ['fn'] }))).TargetGroups![0]!;
    expect(group.Protocol).toBeUndefined();
    expect(group.HealthCheckEnabled).toBe(false);
  });
});

describe('target group attributes', () => {
  it('describes the AWS defaults, in the order of the AWS example', async () => {
    const { client, web } = await setUp();
    const out = await client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: web }));
    expect(out.Attributes!.slice(0, 4)).toEqual([
      { Key: 'stickiness.enabled', Value: 'false' },
      { Key: 'deregistration_delay.timeout_seconds', Value: '30' },
      { Key: 'stickiness.type', Value: 'lb_cookie' },
      { Key: 'stickiness.lb_cookie.duration_seconds', Value: '86400' },
    ]);
    expect(out.Attributes!.map((a) => a.Key)).not.toContain('deregistration_delay.connection_termination.enabled');
  });

  it('returns the full attribute list from ModifyTargetGroupAttributes', async () => {
    const { client, web } = await setUp();
    const before = await client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: web }));
    const out = await client.send(
      new ModifyTargetGroupAttributesCommand({ TargetGroupArn: web, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '45' }] }),
    );
    expect(out.Attributes).toHaveLength(before.Attributes!.length);
    expect(out.Attributes).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '45' });
    const after = await client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: web }));
    expect(after.Attributes).toEqual(out.Attributes);
  });

  it('rejects an out-of-range delay with InvalidConfigurationRequest and changes nothing', async () => {
    const { client, web } = await setUp();
    const err = await rejectionOf(
      client.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: web,
          Attributes: [
            { Key: 'stickiness.enabled', Value: 'true' },
            { Key: 'deregistration_delay.timeout_seconds', Value: '3601' },
          ],
        }),
      ),
    );
    expect(err.name).toBe('InvalidConfigurationRequestException');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toContain('0-3600');
    const after = await client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: web }));
    expect(after.Attributes).toContainEqual({ Key: 'stickiness.enabled', Value: 'false' });
    expect(after.Attributes).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '30' });
  });

  it("rejects keys that are not valid for the group's type", async () => {
    const { emulator, client, web } = await setUp();
    const albErr = await rejectionOf(
      client.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: web, Attributes: [{ Key: 'deregistration_delay.connection_termination.enabled', Value: 'true' }] })),
    );
    expect(albErr.name).toBe('InvalidConfigurationRequestException');
    const fnErr = await rejectionOf(
      client.send(
        new ModifyTargetGroupAttributesCommand({ TargetGroupArn: emulator.targetGroupArn('fn'), Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '10' }] }),
      ),
    );
    expect(fnErr.name).toBe('InvalidConfigurationRequestException');
  });

  it('gives NLB groups connection_termination, true by default only for UDP', async () => {
    const { emulator, client } = await setUp();
    const valueOf = async (name: string) => {
      const out = await client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: emulator.targetGroupArn(name) }));
      return out.Attributes!.find((a) => a.Key === 'deregistration_delay.connection_termination.enabled')?.Value;
    };
    expect(await valueOf('api')).toBe('false');
    expect(await valueOf('dns')).toBe('true');
    const api = emulator.targetGroupArn('api');
    const out = await client.send(
      new ModifyTargetGroupAttributesCommand({ TargetGroupArn: api, Attributes: [{ Key: 'deregistration_delay.connection_termination.enabled', Value: 'true' }] }),
    );
    expect(out.Attributes).toContainEqual({ Key: 'deregistration_delay.connection_termination.enabled', Value: 'true' });
  });
});
