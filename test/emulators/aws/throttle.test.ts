import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing';
import {
  DescribeTargetHealthCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { type AwsSeed } from '../../../src/emulators/aws/index.js';
import { throttleCategoryOf } from '../../../src/emulators/aws/throttle.js';
import { FakeClock, emulatorHarness, postForm, rejectionOf } from './helpers.js';

const seed: AwsSeed = {
  targetGroups: [{ name: 'web', port: 80, targets: [{ id: 'i-0a1b2c3d4e5f60001' }] }],
  classicLoadBalancers: [{ name: 'legacy-web' }],
};

const h = emulatorHarness();

/** Sends `count` calls one after another; returns how many succeeded and the names of the errors. */
async function burst(count: number, call: () => Promise<unknown>): Promise<{ ok: number; errors: string[] }> {
  let ok = 0;
  const errors: string[] = [];
  for (let i = 0; i < count; i++) {
    try {
      await call();
      ok++;
    } catch (err) {
      errors.push((err as Error).name);
    }
  }
  return { ok, errors };
}

async function setUp() {
  const clock = new FakeClock();
  const emulator = await h.start({ seed, clock });
  const client = h.elbv2(emulator);
  const arn = emulator.targetGroupArn('web');
  const describeHealth = (c: ElasticLoadBalancingV2Client = client) => c.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
  return { clock, emulator, client, arn, describeHealth };
}

describe('throttling at the published ELB API rates', () => {
  it('throttles a burst of 60 describes after 40, with the SDK seeing Throttling', async () => {
    const { emulator, describeHealth } = await setUp();
    const result = await burst(60, () => describeHealth());
    expect(result.ok).toBe(40);
    expect(result.errors).toEqual(Array(20).fill('Throttling'));
    const throttled = emulator.requestLog.filter((e) => e.errorCode === 'Throttling');
    expect(throttled).toHaveLength(20);
    expect(throttled.every((e) => e.status === 400 && e.fault === undefined)).toBe(true);
  });

  it('gives the SDK a Throttling error it can classify', async () => {
    const { client, describeHealth } = await setUp();
    await burst(40, () => describeHealth());
    const err = await rejectionOf(describeHealth(client));
    expect(err).toMatchObject({ name: 'Throttling', message: 'Rate exceeded', Code: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 } });
  });

  it('refills 10 describe tokens per second of clock time', async () => {
    const { clock, describeHealth } = await setUp();
    await burst(40, () => describeHealth());
    clock.advance(1000);
    const result = await burst(11, () => describeHealth());
    expect(result.ok).toBe(10);
    expect(result.errors).toEqual(['Throttling']);
  });

  it('throttles registrations after 20 while describes still pass', async () => {
    const { client, arn, describeHealth } = await setUp();
    const result = await burst(21, () => client.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: 'i-0a1b2c3d4e5f60002' }] })));
    expect(result.ok).toBe(20);
    expect(result.errors).toEqual(['Throttling']);
    await expect(describeHealth()).resolves.toBeDefined();
  });

  it('throttles mutating calls after 20 and refills them at 3 per second', async () => {
    const { clock, client, arn } = await setUp();
    const modify = () =>
      client.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '10' }] }));
    expect((await burst(21, modify)).ok).toBe(20);
    clock.advance(333);
    expect((await burst(1, modify)).ok).toBe(0);
    clock.advance(1);
    expect((await burst(2, modify)).ok).toBe(1);
  });

  it('shares the account-level bucket between ELBv2 and Classic', async () => {
    const { clock, emulator, describeHealth } = await setUp();
    const classic = h.elb(emulator);
    const describeClassic = () => classic.send(new DescribeLoadBalancersCommand({}));
    await burst(40, () => describeHealth());
    // Classic's own describe bucket is full, but the shared account bucket is empty.
    expect(await burst(1, describeClassic)).toEqual({ ok: 0, errors: ['Throttling'] });
    clock.advance(100);
    expect((await burst(1, describeClassic)).ok).toBe(1);
  });

  it("does not throttle with throttle 'off', and starts full when switched back on", async () => {
    const { emulator, describeHealth } = await setUp();
    emulator.setThrottle('off');
    expect((await burst(60, () => describeHealth())).ok).toBe(60);
    emulator.setThrottle('aws');
    expect((await burst(41, () => describeHealth())).ok).toBe(40);
  });

  it('sends the 271-byte Throttling body that AWS sends', async () => {
    const { emulator, arn, describeHealth } = await setUp();
    await burst(40, () => describeHealth());
    const res = await postForm(emulator.url, { Action: 'DescribeTargetHealth', Version: '2015-12-01', TargetGroupArn: arn });
    const requestId = res.headers.get('x-amzn-requestid');
    expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('text/xml');
    expect(res.headers.get('content-length')).toBe('271');
    expect(Buffer.byteLength(res.body)).toBe(271);
    expect(res.body).toBe(
      '<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">\n' +
        '  <Error>\n' +
        '    <Type>Sender</Type>\n' +
        '    <Code>Throttling</Code>\n' +
        '    <Message>Rate exceeded</Message>\n' +
        '  </Error>\n' +
        `  <RequestId>${requestId}</RequestId>\n` +
        '</ErrorResponse>\n',
    );
  });

  it('classifies actions into the published categories', () => {
    expect(throttleCategoryOf('RegisterTargets')).toBe('registration');
    expect(throttleCategoryOf('DeregisterInstancesFromLoadBalancer')).toBe('registration');
    expect(throttleCategoryOf('DescribeTargetHealth')).toBe('describe');
    expect(throttleCategoryOf('ModifyTargetGroupAttributes')).toBe('mutating');
  });
});
