/**
 * The instance finder against drainctl's AWS emulator (the real ELBv2 wire protocol and AWS's
 * published rate limits): which registrations it finds among many target groups, how many calls
 * a warm cache saves, and what the cache must not hide.
 */
import { DeregisterTargetsCommand, ElasticLoadBalancingV2Client, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type CallContext, standaloneCall } from '../../../src/core/call.js';
import { startAwsEmulator, type AwsEmulator, type AwsSeed, type TargetGroupSeed } from '../../../src/emulators/aws/index.js';
import { type ClosableInstanceFinder, createInstanceFinder, type InstanceFinderOptions } from '../../../src/providers/aws-asg/finder.js';
import { ManualClock } from '../../support/manual-clock.js';

const INSTANCE = 'i-0f00d000000000001';
const ADDRESS = '10.0.3.7';
const OTHER = (n: number): string => `i-0b0b0000000000${String(n).padStart(3, '0')}`;
const GROUP_COUNT = 60;
/**
 * Where a test needs many groups but not 60: the client paces itself to AWS's rates whatever the
 * emulator does (40 calls at once, then 10 a second), so each full read of 60 groups costs 2 s.
 */
const FEWER_GROUPS = 30;
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy' };

/** `count` target groups of other instances; the instance is in tg-07 (port 8080), tg-23 (ports 9000 and 9001) and, by address, in the ip group tg-21. */
function seed(count: number, extra: readonly TargetGroupSeed[] = []): AwsSeed {
  const groups: TargetGroupSeed[] = Array.from({ length: count }, (_, i) => {
    const name = `tg-${String(i).padStart(2, '0')}`;
    if (i === 21) return { name, port: 80, targetType: 'ip', targets: [{ id: ADDRESS, port: 8443 }, { id: '10.0.3.8', port: 8443 }] };
    const targets = [{ id: OTHER(i), port: 80 }];
    if (i === 7) targets.push({ id: INSTANCE, port: 8080 });
    if (i === 23) targets.push({ id: INSTANCE, port: 9000 }, { id: INSTANCE, port: 9001 });
    return { name, port: 80, targetType: 'instance', attributes: { 'deregistration_delay.timeout_seconds': i === 23 ? '300' : '0' }, targets };
  });
  // A Lambda group cannot hold an instance: the finder must not spend a call on it.
  groups.push({ name: 'fn', targetType: 'lambda', targets: [{ id: 'arn:aws:lambda:us-east-1:123456789012:function:fn' }] });
  return { region: 'us-east-1', targetGroups: [...groups, ...extra] };
}

const expected = [
  { targetGroupName: 'tg-07', targetId: INSTANCE, port: 8080 },
  { targetGroupName: 'tg-21', targetId: ADDRESS, port: 8443 },
  { targetGroupName: 'tg-23', targetId: INSTANCE, port: 9000 },
  { targetGroupName: 'tg-23', targetId: INSTANCE, port: 9001 },
];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emulator(options: Parameters<typeof startAwsEmulator>[0]): Promise<AwsEmulator> {
  const started = await startAwsEmulator(options);
  cleanups.push(() => started.stop());
  return started;
}

function finderAt(url: string, options: InstanceFinderOptions = {}, maxAttempts = 1): ClosableInstanceFinder {
  // maxAttempts 1: a throttled or failed call fails the test instead of being retried away.
  const finder = createInstanceFinder({ endpointUrl: url, region: 'us-east-1', env: {}, maxAttempts }, options);
  cleanups.push(() => finder.close());
  return finder;
}

function elbv2(url: string): ElasticLoadBalancingV2Client {
  const client = new ElasticLoadBalancingV2Client({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });
  cleanups.push(() => client.destroy());
  return client;
}

const sorted = <T extends { targetGroupName: string; port: number | undefined }>(items: readonly T[]): T[] =>
  [...items].sort((a, b) => a.targetGroupName.localeCompare(b.targetGroupName) || (a.port ?? 0) - (b.port ?? 0));

function healthCalls(e: AwsEmulator): string[] {
  return e.requestLog.filter((r) => r.action === 'DescribeTargetHealth').map((r) => r.params.TargetGroupArn!);
}

function namesOf(arns: readonly string[]): string[] {
  return arns.map((arn) => /targetgroup\/([^/]+)\//.exec(arn)?.[1] ?? arn).sort();
}

describe('instance finder, on the AWS emulator', () => {
  it("finds exactly the instance's registrations among 60 target groups, at AWS's rate limits, every call answered in the end", async () => {
    const e = await emulator({ seed: seed(GROUP_COUNT), throttle: 'aws' });
    // The SDK's usual 3 attempts: the pacer keeps to AWS's rates, but a request can reach the
    // emulator's bucket a moment later than it left the pacer's, and the odd one is refused.
    const found = await finderAt(e.url, {}, 3).findRegistrations(INSTANCE, [ADDRESS], standaloneCall({ timeoutMs: 60_000 }));
    expect(sorted(found).map(({ targetGroupName, targetId, port }) => ({ targetGroupName, targetId, port }))).toEqual(expected);
    expect(found.find((r) => r.targetGroupName === 'tg-07')?.targetGroupArn).toBe(e.targetGroupArn('tg-07'));
    const answered = e.requestLog.filter((r) => r.status === 200);
    expect(e.requestLog.filter((r) => r.status !== 200 && r.errorCode !== 'Throttling')).toEqual([]);
    // One page of groups; one answered DescribeTargetHealth per group that can hold an instance, none for the Lambda group.
    expect(answered.filter((r) => r.action === 'DescribeTargetGroups')).toHaveLength(1);
    expect(e.requestLog.find((r) => r.action === 'DescribeTargetGroups')?.params.PageSize).toBe('400');
    expect(new Set(answered.filter((r) => r.action === 'DescribeTargetHealth').map((r) => r.params.TargetGroupArn)).size).toBe(GROUP_COUNT);
    expect(healthCalls(e)).not.toContain(e.targetGroupArn('fn'));
  });

  it('matches an ip group only by an address it is given', async () => {
    const e = await emulator({ seed: seed(FEWER_GROUPS), throttle: 'off' });
    const found = await finderAt(e.url).findRegistrations(INSTANCE, [], standaloneCall());
    expect(sorted(found).map((r) => r.targetGroupName)).toEqual(['tg-07', 'tg-23', 'tg-23']);
    expect(await finderAt(e.url).findRegistrations(OTHER(99), ['10.9.9.9'], standaloneCall())).toEqual([]);
  });

  it('makes far fewer calls warm than cold: the cached groups that held the instance are read again, nothing else', async () => {
    const e = await emulator({ seed: seed(GROUP_COUNT), throttle: 'off' });
    const finder = finderAt(e.url);
    await finder.findRegistrations(INSTANCE, [ADDRESS], standaloneCall());
    const cold = e.requestLog.length;
    e.clearLog();
    const warm = await finder.findRegistrations(INSTANCE, [ADDRESS], standaloneCall());
    expect(sorted(warm).map(({ targetGroupName, targetId, port }) => ({ targetGroupName, targetId, port }))).toEqual(expected);
    expect(cold).toBe(GROUP_COUNT + 1);
    expect(e.callCount({ action: 'DescribeTargetGroups' })).toBe(0);
    expect(namesOf(healthCalls(e))).toEqual(['tg-07', 'tg-21', 'tg-23']);
  });

  it('does not report a registration that ended after the cache was filled, and still reports one that is draining', async () => {
    const e = await emulator({ seed: seed(FEWER_GROUPS), throttle: 'off' });
    const finder = finderAt(e.url);
    await finder.findRegistrations(INSTANCE, [ADDRESS], standaloneCall());
    const client = elbv2(e.url);
    // tg-07 has no deregistration delay: the target is gone at once. tg-23's 300 s keep port 9000 draining.
    await client.send(new DeregisterTargetsCommand({ TargetGroupArn: e.targetGroupArn('tg-07'), Targets: [{ Id: INSTANCE, Port: 8080 }] }));
    await client.send(new DeregisterTargetsCommand({ TargetGroupArn: e.targetGroupArn('tg-23'), Targets: [{ Id: INSTANCE, Port: 9000 }] }));
    expect(e.drainingEndsAt('tg-23', INSTANCE, 9000)).toBeDefined();
    const found = await finder.findRegistrations(INSTANCE, [ADDRESS], standaloneCall());
    expect(sorted(found).map((r) => `${r.targetGroupName}:${r.port}`)).toEqual(['tg-21:8443', 'tg-23:9000', 'tg-23:9001']);
  });

  it('reads every group again for an instance the cache does not know, as one registered after it was filled', async () => {
    const e = await emulator({ seed: seed(FEWER_GROUPS), throttle: 'off' });
    const finder = finderAt(e.url);
    await finder.findRegistrations(INSTANCE, [ADDRESS], standaloneCall());
    const newcomer = OTHER(500);
    await elbv2(e.url).send(new RegisterTargetsCommand({ TargetGroupArn: e.targetGroupArn('tg-10'), Targets: [{ Id: newcomer, Port: 80 }] }));
    e.clearLog();
    const found = await finder.findRegistrations(newcomer, [], standaloneCall());
    expect(found.map((r) => `${r.targetGroupName}:${r.port}`)).toEqual(['tg-10:80']);
    expect(healthCalls(e)).toHaveLength(FEWER_GROUPS);
  });

  it('finds a target group created after the list was cached once the list outlives cacheTtlMs', async () => {
    // The region before and after a new target group: two emulators behind one endpoint (ARNs follow from names, so they agree).
    const before = await emulator({ seed: seed(FEWER_GROUPS), throttle: 'off' });
    const after = await emulator({ seed: seed(FEWER_GROUPS, [{ name: 'tg-late', port: 80, targets: [{ id: INSTANCE, port: 7000 }] }]), throttle: 'off' });
    const region = await switchableEndpoint(before.url);
    const clock = new ManualClock();
    const call = (): CallContext => standaloneCall({ clock, timeoutMs: 60_000 });
    const finder = finderAt(region.url, { cacheTtlMs: 5 * 60_000, membershipTtlMs: 60_000 });
    await finder.findRegistrations(INSTANCE, [ADDRESS], call());
    region.switchTo(after.url);

    clock.advance(4 * 60_000);
    expect((await finder.findRegistrations(INSTANCE, [ADDRESS], call())).map((r) => r.targetGroupName)).not.toContain('tg-late');
    expect(after.callCount({ action: 'DescribeTargetGroups' })).toBe(0);

    clock.advance(60_000);
    const found = await finder.findRegistrations(INSTANCE, [ADDRESS], call());
    expect(found.filter((r) => r.targetGroupName === 'tg-late').map((r) => r.port)).toEqual([7000]);
    expect(after.callCount({ action: 'DescribeTargetGroups' })).toBe(1);
  });

  it('has no addresses without an address reader, and asks the reader when given one', async () => {
    const call = standaloneCall();
    expect(await finderAt('http://127.0.0.1:9').instanceAddresses(INSTANCE, call)).toEqual([]);
    const asked: string[] = [];
    const finder = finderAt('http://127.0.0.1:9', { readAddresses: async (id) => (asked.push(id), [ADDRESS, 'fd00::7']) });
    expect(await finder.instanceAddresses(INSTANCE, call)).toEqual([ADDRESS, 'fd00::7']);
    expect(asked).toEqual([INSTANCE]);
  });
});

/** An HTTP endpoint that forwards every request to the current backend, which a test can change. */
async function switchableEndpoint(initial: string): Promise<{ url: string; switchTo(url: string): void }> {
  let backend = initial;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>;
      fetch(`${backend}${req.url ?? '/'}`, { method: req.method, headers, body: Buffer.concat(chunks), signal: AbortSignal.timeout(10_000) })
        .then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/xml', 'x-amzn-requestid': answer.headers.get('x-amzn-requestid') ?? '' });
          res.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, switchTo: (url) => (backend = url) };
}
