/**
 * The ELBv2 data plane end to end: real backends on loopback, the control plane driven by the
 * real SDK, real HTTP requests through the "ALB". Backends hold a request until the test
 * releases it, so ordering never depends on timing.
 */
import { DeregisterTargetsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Agent, createServer, request, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startElbv2DataPlane, type DataPlaneTargetStats, type Elbv2DataPlane, type Elbv2DataPlaneOptions } from '../../../src/emulators/aws/data-plane.js';
import { Elbv2Service } from '../../../src/emulators/aws/elbv2.js';
import { RequestPipeline } from '../../../src/emulators/aws/pipeline.js';
import type { RequestLogEntry } from '../../../src/emulators/aws/request-log.js';
import { parseSeed, type AwsSeed, type TargetGroupSeed } from '../../../src/emulators/aws/seed.js';
import { listen } from '../../../src/emulators/aws/server.js';
import { ElbRateLimiter } from '../../../src/emulators/aws/throttle.js';
import { systemClock } from '../../../src/emulators/shared/clock.js';
import { RequestLog } from '../../../src/emulators/shared/request-log.js';
import { freePort } from '../../support/ports.js';
import { runLoad, startBackends, stopAll } from '../../support/servers.js';
import { credentials } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// ---------------------------------------------------------------------------------------------
// Backends

/** An HTTP server on loopback that answers `/` at once and holds `/hold` and `/silent` until released. */
interface TestBackend {
  readonly name: string;
  readonly port: number;
  /** Paths (with the `id` query) in arrival order. */
  readonly arrivals: string[];
  /** Resolves when a request with this id has arrived (rejects after 5 s). */
  arrived(id: string): Promise<void>;
  /** Finishes a held request. */
  release(id: string): void;
}

async function startBackend(name: string): Promise<TestBackend> {
  const arrivals: string[] = [];
  const held = new Map<string, () => void>();
  const waiters = new Map<string, () => void>();
  const body = `hello from ${name}\n`;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://backend');
    const id = url.searchParams.get('id') ?? '';
    arrivals.push(`${url.pathname}${id ? `#${id}` : ''}`);
    res.setHeader('x-backend', name);
    if (url.pathname === '/echo') return echo(req, res);
    if (url.pathname === '/hold' || url.pathname === '/silent') {
      if (url.pathname === '/hold') {
        // Headers and half the body now, so a cut shows as a truncated response.
        res.writeHead(200, { 'content-length': Buffer.byteLength(body) });
        res.write(body.slice(0, 5));
      }
      held.set(id, () => res.end(url.pathname === '/hold' ? body.slice(5) : body));
      waiters.get(id)?.();
      return;
    }
    res.end(body);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  cleanups.push(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return {
    name,
    port,
    arrivals,
    arrived: (id) =>
      held.has(id)
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`request ${id} did not reach ${name} within 5 s`)), 5000);
            waiters.set(id, () => {
              clearTimeout(timer);
              resolve();
            });
          }),
    release: (id) => held.get(id)?.(),
  };
}

function echo(req: import('node:http').IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => res.end(JSON.stringify({ method: req.method, body: Buffer.concat(chunks).toString(), forwardedFor: req.headers['x-forwarded-for'], custom: req.headers['x-custom'] })));
}

// ---------------------------------------------------------------------------------------------
// Control plane and data plane

const LB = 'front';
const instanceIds = ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2', 'i-0aaaaaaaaaaaaaaa3'];

/** One instance target per backend, on the backend's port. */
function webGroup(backends: readonly TestBackend[], extra: Partial<TargetGroupSeed> = {}): TargetGroupSeed {
  return {
    name: 'web',
    port: 80,
    loadBalancers: [LB],
    targets: backends.map((b, i) => ({ id: instanceIds[i] ?? 'i-0ffffffffffffffff', port: b.port })),
    ...extra,
  };
}

interface Plane {
  readonly alb: Elbv2DataPlane;
  readonly sdk: ElasticLoadBalancingV2Client;
  readonly groupArn: string;
  /** Deregisters the targets with these instance ids and ports through the real SDK. */
  deregister(...targets: { id: string; port: number }[]): Promise<void>;
  targetStats(port: number): DataPlaneTargetStats | undefined;
}

/**
 * The ELBv2 control plane (the emulator's own service, pipeline and HTTP layer, on the system
 * clock) and a data plane for load balancer "front" over the same service.
 */
async function startPlanes(groups: readonly TargetGroupSeed[], options: Partial<Elbv2DataPlaneOptions> = {}): Promise<Plane> {
  const seed: AwsSeed = parseSeed({ loadBalancers: [{ name: LB, type: 'application' }], targetGroups: groups });
  const clock = systemClock;
  const elbv2 = new Elbv2Service(seed, { region: 'us-east-1', accountId: '123456789012', healthyAfterMs: 0 }, clock.now());
  const pipeline = new RequestPipeline({
    services: [elbv2],
    clock,
    random: Math.random,
    limiter: new ElbRateLimiter(clock),
    log: new RequestLog<RequestLogEntry>(),
    settings: { faults: {}, throttle: 'off' },
  });
  const endpoint = await listen('127.0.0.1', 0, (params) => pipeline.handle(params), () => ({ status: 400, body: '{}', requestId: 'none' }));
  cleanups.push(() => endpoint.stop());
  const alb = await startElbv2DataPlane(elbv2, { loadBalancer: LB, clock, ...options });
  cleanups.push(() => alb.stop());
  const sdk = new ElasticLoadBalancingV2Client({ endpoint: endpoint.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  cleanups.push(() => sdk.destroy());
  const groupArn = elbv2.targetGroupArn(groups[0]?.name ?? 'web');
  return {
    alb,
    sdk,
    groupArn,
    deregister: async (...targets) => {
      await sdk.send(new DeregisterTargetsCommand({ TargetGroupArn: groupArn, Targets: targets.map((t) => ({ Id: t.id, Port: t.port })) }));
    },
    targetStats: (port) => alb.stats().targets.find((t) => t.port === port),
  };
}

// ---------------------------------------------------------------------------------------------
// Client

interface Outcome {
  readonly status: number;
  readonly body: string;
  readonly backend: string | undefined;
  /** Set when the connection failed or closed before the whole response arrived. */
  readonly error?: string;
}

/** One request, bounded at 10 s; resolves with whatever happened instead of rejecting. */
function send(url: string, options: { agent?: Agent; method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    let status = 0;
    let body = '';
    let backend: string | undefined;
    const req = request(url, { agent: options.agent ?? false, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      status = res.statusCode ?? 0;
      backend = typeof res.headers['x-backend'] === 'string' ? res.headers['x-backend'] : undefined;
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status, body, backend }));
      res.on('error', (e) => resolve({ status, body, backend, error: e.message }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('client timeout after 10 s')));
    req.on('error', (e) => resolve({ status, body, backend, error: e.message }));
    req.end(options.body);
  });
}

function countBy(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.error ? `error` : `${o.status} ${o.backend ?? 'alb'}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function sequential(count: number, url: string, agent?: Agent): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (let i = 0; i < count; i++) out.push(await send(url, { agent }));
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('ELBv2 data plane', () => {
  it('balances every request of one keep-alive connection across the healthy targets', async () => {
    const backends = await Promise.all(['a', 'b', 'c'].map(startBackend));
    const { alb } = await startPlanes([webGroup(backends)]);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());

    const outcomes = await sequential(30, `${alb.url}/`, agent);

    expect(countBy(outcomes)).toEqual({ '200 a': 10, '200 b': 10, '200 c': 10 });
    expect(alb.stats().connections).toBe(1);
    expect(alb.stats().targets.map((t) => [t.forwarded, t.completed, t.failed])).toEqual([
      [10, 10, 0],
      [10, 10, 0],
      [10, 10, 0],
    ]);
  });

  it('streams method, body and headers to the target and adds X-Forwarded-For', async () => {
    const backend = await startBackend('a');
    const { alb } = await startPlanes([webGroup([backend])]);

    const outcome = await send(`${alb.url}/echo?x=1`, { method: 'POST', body: 'drain me', headers: { 'x-custom': 'kept', 'x-forwarded-for': '10.1.2.3' } });

    expect(outcome.status).toBe(200);
    expect(JSON.parse(outcome.body)).toEqual({ method: 'POST', body: 'drain me', forwardedFor: '10.1.2.3, 127.0.0.1', custom: 'kept' });
  });

  it('sends no new request to a deregistered target and lets its in-flight request finish with 200', async () => {
    const [a, b] = await Promise.all([startBackend('a'), startBackend('b')]);
    const plane = await startPlanes([webGroup([a!, b!])]);
    // Round robin starts with the first registered target, a.
    const slow = send(`${plane.alb.url}/hold?id=slow`);
    await a!.arrived('slow');

    await plane.deregister({ id: instanceIds[0]!, port: a!.port });
    const health = await plane.sdk.send(new DescribeTargetHealthCommand({ TargetGroupArn: plane.groupArn }));
    expect(health.TargetHealthDescriptions?.map((d) => d.TargetHealth?.State)).toEqual(['draining', 'healthy']);
    const during = await sequential(20, `${plane.alb.url}/`);
    a!.release('slow');

    expect(countBy(during)).toEqual({ '200 b': 20 });
    expect(a!.arrivals).toEqual(['/hold#slow']);
    expect(await slow).toEqual({ status: 200, body: 'hello from a\n', backend: 'a' });
    expect(plane.targetStats(a!.port)).toMatchObject({ forwarded: 1, completed: 1, failed: 0, inFlight: 0 });
  });

  it('cuts what still runs to a target when its deregistration delay ends: 502 before the response started, a truncated response after', async () => {
    const [a, b] = await Promise.all([startBackend('a'), startBackend('b')]);
    const plane = await startPlanes([webGroup([a!, b!], { attributes: { 'deregistration_delay.timeout_seconds': '1' } })]);
    // Requests alternate a, b, a: the first and third are held by a, the second by b.
    const started = send(`${plane.alb.url}/hold?id=started`);
    await a!.arrived('started');
    const onB = send(`${plane.alb.url}/hold?id=on-b`);
    await b!.arrived('on-b');
    const silent = send(`${plane.alb.url}/silent?id=silent`);
    await a!.arrived('silent');

    await plane.deregister({ id: instanceIds[0]!, port: a!.port });
    const [startedOutcome, silentOutcome] = await Promise.all([started, silent]);
    b!.release('on-b');

    expect(startedOutcome).toMatchObject({ status: 200, body: 'hello', backend: 'a' });
    expect(startedOutcome.error).toBeDefined();
    expect(silentOutcome).toMatchObject({ status: 502, backend: undefined });
    expect(silentOutcome.body).toContain('502 Bad Gateway');
    expect(plane.targetStats(a!.port)).toMatchObject({ forwarded: 2, cut: 2, failed: 2, inFlight: 0 });
    expect(await onB).toEqual({ status: 200, body: 'hello from b\n', backend: 'b' });
    expect(plane.targetStats(b!.port)).toMatchObject({ completed: 1, failed: 0 });
  });

  it('answers 502 for a target whose backend refuses the connection, and counts it', async () => {
    const a = await startBackend('a');
    const downPort = await freePort();
    const group = webGroup([a]);
    const { alb, targetStats } = await startPlanes([{ ...group, targets: [...(group.targets ?? []), { id: instanceIds[1]!, port: downPort }] }]);

    const outcomes = await sequential(6, `${alb.url}/`);

    expect(countBy(outcomes)).toEqual({ '200 a': 3, '502 alb': 3 });
    expect(targetStats(downPort)).toMatchObject({ forwarded: 3, badGateway: 3, failed: 3 });
    expect(targetStats(downPort)?.lastError).toContain('ECONNREFUSED');
  });

  it('answers 504 when a target sends nothing for longer than the idle timeout', async () => {
    const a = await startBackend('a');
    const { alb, targetStats } = await startPlanes([webGroup([a])], { idleTimeoutMs: 200 });

    const outcome = await send(`${alb.url}/silent?id=quiet`);

    expect(outcome.status).toBe(504);
    expect(targetStats(a.port)).toMatchObject({ gatewayTimeout: 1, failed: 1, inFlight: 0 });
  });

  it('routes only to healthy targets while there is one', async () => {
    const [a, b] = await Promise.all([startBackend('a'), startBackend('b')]);
    const group = webGroup([a!, b!]);
    const targets = (group.targets ?? []).map((t, i) => (i === 0 ? { ...t, health: 'unhealthy' as const } : t));
    const { alb } = await startPlanes([{ ...group, targets }]);

    expect(countBy(await sequential(6, `${alb.url}/`))).toEqual({ '200 b': 6 });
    expect(alb.stats().failOpen).toBe(0);
  });

  it('fails open to every registered target when none is healthy, and answers 503 once all are draining', async () => {
    const [a, b] = await Promise.all([startBackend('a'), startBackend('b')]);
    const group = webGroup([a!, b!]);
    const targets = (group.targets ?? []).map((t) => ({ ...t, health: 'unhealthy' as const }));
    const plane = await startPlanes([{ ...group, targets }]);

    expect(countBy(await sequential(4, `${plane.alb.url}/`))).toEqual({ '200 a': 2, '200 b': 2 });
    expect(plane.alb.stats().failOpen).toBe(4);

    await plane.deregister({ id: instanceIds[0]!, port: a!.port }, { id: instanceIds[1]!, port: b!.port });
    const drained = await send(`${plane.alb.url}/`);
    expect(drained.status).toBe(503);
    expect(plane.alb.stats().noTarget).toBe(1);
  });

  it('drains one of three backend processes under steady keep-alive load without a failed request', async () => {
    cleanups.push(() => stopAll());
    const backends = await startBackends(3);
    const group: TargetGroupSeed = {
      name: 'web',
      port: 80,
      loadBalancers: [LB],
      attributes: { 'deregistration_delay.timeout_seconds': '1' },
      targets: backends.map((b, i) => ({ id: instanceIds[i]!, port: b.port })),
    };
    const plane = await startPlanes([group]);
    const load = runLoad({ url: plane.alb.url, rate: 100, total: 300, maxDurationMs: 6000, slowShare: 0.2 });
    // Bounded wait until the load is well under way and a request (a slow one: fast ones take
    // under a millisecond) is in flight to the backend about to be drained.
    const underWay = (): boolean => plane.alb.stats().requests >= 100 && (plane.targetStats(backends[0]!.port)?.inFlight ?? 0) > 0;
    for (let i = 0; i < 200 && !underWay(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(underWay()).toBe(true);

    await plane.deregister({ id: instanceIds[0]!, port: backends[0]!.port });
    const forwardedAtDeregistration = plane.targetStats(backends[0]!.port)?.forwarded;
    const result = await load.done;

    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(result.sent);
    expect(plane.targetStats(backends[0]!.port)?.forwarded).toBe(forwardedAtDeregistration);
    expect(plane.alb.stats().targets.map((t) => t.failed)).toEqual([0, 0, 0]);
  });

  it('answers 502 for an ip target outside loopback without connecting to it', async () => {
    const { alb, targetStats } = await startPlanes([{ name: 'web', port: 80, targetType: 'ip', loadBalancers: [LB], targets: [{ id: '10.0.0.5', port: 8080 }] }]);

    const outcome = await send(`${alb.url}/`);

    expect(outcome.status).toBe(502);
    expect(targetStats(8080)?.lastError).toContain('not 127.0.0.1');
  });
});
