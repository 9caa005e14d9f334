import { DescribeInstanceHealthCommand, DescribeLoadBalancerAttributesCommand } from '@aws-sdk/client-elastic-load-balancing';
import { DescribeTargetGroupsCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSeed, loadSeedFile, parseSeed, type AwsSeed } from '../../../src/emulators/aws/index.js';
import { FakeClock, emulatorHarness } from './helpers.js';

const h = emulatorHarness();

const validGroup = { name: 'web', port: 80 };

describe('parseSeed', () => {
  it('names the bad field and its path in one line', () => {
    const json = { targetGroups: [validGroup, { name: 'api', port: 443, targets: [{ id: 'i-0a1b2c3d4e5f60001', port: 70000 }] }] };
    expect(() => parseSeed(json, 'seed.json')).toThrow(new Error('seed.json: targetGroups[1].targets[0].port must be an integer 1-65535'));
  });

  it.each<[string, unknown, string]>([
    ['not an object', [], 'seed: the seed must be a JSON object'],
    ['unknown top-level field', { targetgroups: [] }, 'seed: targetgroups is not a known field (known: region, accountId, loadBalancers, targetGroups, classicLoadBalancers, autoScalingGroups)'],
    ['misspelt field', { targetGroups: [{ ...validGroup, tragets: [] }] }, 'seed: targetGroups[0].tragets is not a known field'],
    ['missing port', { targetGroups: [{ name: 'web' }] }, 'seed: targetGroups[0].port is required'],
    ['bad name', { targetGroups: [{ name: '-web', port: 80 }] }, 'seed: targetGroups[0].name must be 1-32 letters'],
    ['duplicate name', { targetGroups: [validGroup, validGroup] }, 'seed: targetGroups[1].name "web" is already used by targetGroups[0]'],
    ['bad protocol', { targetGroups: [{ ...validGroup, protocol: 'http' }] }, 'seed: targetGroups[0].protocol must be one of HTTP, HTTPS'],
    ['bad instance id', { targetGroups: [{ ...validGroup, targets: [{ id: 'web-1' }] }] }, 'seed: targetGroups[0].targets[0].id must be an EC2 instance id'],
    ['instance id in an ip group', { targetGroups: [{ ...validGroup, targetType: 'ip', targets: [{ id: 'i-0a1b2c3d4e5f60001' }] }] }, 'seed: targetGroups[0].targets[0].id must be an IPv4 or IPv6 address'],
    ['lambda target with a port', { targetGroups: [{ name: 'fn', targetType: 'lambda', targets: [{ id: 'arn:aws:lambda:us-east-1:123456789012:function:f', port: 80 }] }] }, 'seed: targetGroups[0].targets[0].port must not be set for a lambda target'],
    ['lambda group with a port', { targetGroups: [{ name: 'fn', targetType: 'lambda', port: 80 }] }, 'seed: targetGroups[0].port must not be set for a lambda target group'],
    ['duplicate target', { targetGroups: [{ ...validGroup, targets: [{ id: 'i-0a1b2c3d4e5f60001' }, { id: 'i-0a1b2c3d4e5f60001', port: 80 }] }] }, 'seed: targetGroups[0].targets[1] repeats targetGroups[0].targets[0]'],
    ['bad health', { targetGroups: [{ ...validGroup, targets: [{ id: 'i-0a1b2c3d4e5f60001', health: 'draining' }] }] }, 'seed: targetGroups[0].targets[0].health must be one of healthy, unhealthy'],
    ['delay out of range', { targetGroups: [{ ...validGroup, attributes: { 'deregistration_delay.timeout_seconds': 4000 } }] }, 'seed: targetGroups[0].attributes["deregistration_delay.timeout_seconds"] must be an integer 0-3600 (got 4000)'],
    ['NLB attribute on an ALB group', { targetGroups: [{ ...validGroup, attributes: { 'proxy_protocol_v2.enabled': 'true' } }] }, 'seed: targetGroups[0].attributes["proxy_protocol_v2.enabled"] is not supported for Application Load Balancer target groups'],
    ['unknown load balancer', { targetGroups: [{ ...validGroup, loadBalancers: ['front'] }] }, 'seed: targetGroups[0].loadBalancers[0] names "front", which is not in loadBalancers'],
    ['bad draining timeout', { classicLoadBalancers: [{ name: 'old', connectionDraining: { enabled: true, timeout: 0 } }] }, 'seed: classicLoadBalancers[0].connectionDraining.timeout must be an integer 1-3600'],
    ['draining without enabled', { classicLoadBalancers: [{ name: 'old', connectionDraining: { timeout: 30 } }] }, 'seed: classicLoadBalancers[0].connectionDraining.enabled is required'],
    ['negative connections', { classicLoadBalancers: [{ name: 'old', instances: [{ id: 'i-0a1b2c3d4e5f60001', connections: -1 }] }] }, 'seed: classicLoadBalancers[0].instances[0].connections must be an integer of at least 0'],
    ['bad account', { accountId: '1234' }, 'seed: accountId must be 12 digits'],
  ])('rejects a seed with %s', (_case, json, message) => {
    expect(() => parseSeed(json)).toThrow(message);
  });

  it('accepts the documented example and the demo seed', () => {
    const example = {
      region: 'us-east-1',
      accountId: '123456789012',
      targetGroups: [
        {
          name: 'web',
          protocol: 'HTTP',
          port: 80,
          targetType: 'instance',
          vpcId: 'vpc-0example',
          healthyAfterMs: 1000,
          attributes: { 'deregistration_delay.timeout_seconds': '5' },
          targets: [{ id: 'i-0a1b2c3d4e5f60001', port: 8080, availabilityZone: 'us-east-1a', health: 'healthy' }],
        },
      ],
      classicLoadBalancers: [
        { name: 'legacy-web', connectionDraining: { enabled: true, timeout: 30 }, instances: [{ id: 'i-0a1b2c3d4e5f60009', connections: 2, connectionsEndAfterMs: 1500 }] },
      ],
    };
    expect(parseSeed(example).targetGroups?.[0]?.targets?.[0]?.port).toBe(8080);
    expect(parseSeed(demoSeed())).toEqual(demoSeed());
  });

  it('accepts the complete example in docs/emulators.md', async () => {
    const doc = await readFile(new URL('../../../docs/emulators.md', import.meta.url), 'utf8');
    const block = /### Seed format[\s\S]*?```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBeDefined();
    const seed = parseSeed(JSON.parse(block!), 'docs/emulators.md');
    expect(seed.targetGroups?.map((g) => g.name)).toEqual(['web', 'tcp-api', 'thumbnails']);
  });
});

describe('loadSeedFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drainctl-seed-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and validates a file, naming it in errors', async () => {
    const good = join(dir, 'good.json');
    await writeFile(good, JSON.stringify({ targetGroups: [validGroup] }));
    expect((await loadSeedFile(good)).targetGroups?.[0]?.name).toBe('web');

    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ targetGroups: [{ name: 'web', port: 0 }] }));
    await expect(loadSeedFile(bad)).rejects.toThrow(`${bad}: targetGroups[0].port must be an integer 1-65535`);

    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{ "targetGroups": [ }');
    await expect(loadSeedFile(broken)).rejects.toThrow(`${broken}: not valid JSON`);

    await expect(loadSeedFile(join(dir, 'missing.json'))).rejects.toThrow(/missing\.json: cannot read the seed file \(ENOENT\)/);
  });
});

describe('seeded emulator', () => {
  it('refuses to start with an invalid seed', async () => {
    await expect(h.start({ seed: { targetGroups: [{ name: 'web' }] } as AwsSeed })).rejects.toThrow('seed: targetGroups[0].port is required');
  });

  it('serves the demo seed', async () => {
    const emulator = await h.start({ seed: demoSeed(), throttle: 'off' });
    const elbv2 = h.elbv2(emulator);
    const groups = await elbv2.send(new DescribeTargetGroupsCommand({ Names: ['web', 'tcp-api'] }));
    expect(groups.TargetGroups!.map((g) => `${g.TargetGroupName} ${g.Protocol}:${g.Port} ${g.TargetType}`)).toEqual(['tcp-api TCP:9000 ip', 'web HTTP:80 instance']);
    const web = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: emulator.targetGroupArn('web') }));
    expect(web.TargetHealthDescriptions!.map((d) => `${d.Target?.Id}:${d.Target?.Port} ${d.TargetHealth?.State}`)).toEqual([
      'i-0a1b2c3d4e5f60001:8080 healthy',
      'i-0a1b2c3d4e5f60002:8080 healthy',
      'i-0a1b2c3d4e5f60003:8080 healthy',
    ]);
    const tcp = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: emulator.targetGroupArn('tcp-api') }));
    expect(tcp.TargetHealthDescriptions).toHaveLength(2);
    const elb = h.elb(emulator);
    const classic = await elb.send(new DescribeInstanceHealthCommand({ LoadBalancerName: 'legacy-web' }));
    expect(classic.InstanceStates).toHaveLength(2);
    const attrs = await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerName: 'legacy-web' }));
    expect(attrs.LoadBalancerAttributes?.ConnectionDraining).toEqual({ Enabled: true, Timeout: 30 });
  });

  it("uses a group's own healthyAfterMs over the emulator-wide one", async () => {
    const clock = new FakeClock();
    const emulator = await h.start({
      clock,
      healthyAfterMs: 10_000,
      throttle: 'off',
      seed: { targetGroups: [{ name: 'quick', port: 80, healthyAfterMs: 100, targets: [{ id: 'i-0a1b2c3d4e5f60001' }] }, { name: 'slow', port: 80, targets: [{ id: 'i-0a1b2c3d4e5f60001' }] }] },
    });
    clock.advance(100);
    const state = async (name: string) =>
      (await h.elbv2(emulator).send(new DescribeTargetHealthCommand({ TargetGroupArn: emulator.targetGroupArn(name) }))).TargetHealthDescriptions?.[0]?.TargetHealth?.State;
    expect(await state('quick')).toBe('healthy');
    expect(await state('slow')).toBe('initial');
  });

  it('puts the seed region and account in ARNs, unless the options override them', async () => {
    const seed: AwsSeed = { region: 'eu-west-1', accountId: '111122223333', targetGroups: [validGroup] };
    const fromSeed = await h.start({ seed });
    expect(fromSeed.targetGroupArn('web')).toMatch(/^arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup\/web\//);
    const overridden = await h.start({ seed, region: 'ap-south-1', accountId: '444455556666' });
    expect(overridden.targetGroupArn('web')).toMatch(/^arn:aws:elasticloadbalancing:ap-south-1:444455556666:targetgroup\/web\//);
    expect(() => overridden.targetGroupArn('nope')).toThrow('the AWS emulator has no target group "nope" (target groups: web)');
  });
});
