import {
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeInstanceHealthCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  ModifyLoadBalancerAttributesCommand,
  RegisterInstancesWithLoadBalancerCommand,
  type ElasticLoadBalancingClient,
} from '@aws-sdk/client-elastic-load-balancing';
import { describe, expect, it } from 'vitest';
import type { AwsEmulator, AwsSeed } from '../../../src/emulators/aws/index.js';
import { FakeClock, emulatorHarness, rejectionOf } from './helpers.js';

const FAST = 'i-0a1b2c3d4e5f60009'; // connections end 1.5 s after deregistration
const BUSY = 'i-0a1b2c3d4e5f6000a'; // connections never end on their own
const IDLE = 'i-0a1b2c3d4e5f6000b'; // no connections

const seed: AwsSeed = {
  classicLoadBalancers: [
    {
      name: 'legacy-web',
      connectionDraining: { enabled: true, timeout: 30 },
      instances: [
        { id: FAST, connections: 2, connectionsEndAfterMs: 1500 },
        { id: BUSY, connections: 5 },
        { id: IDLE, connections: 0 },
      ],
    },
    { name: 'no-drain', connectionDraining: { enabled: false }, instances: [{ id: BUSY, connections: 5 }] },
  ],
};

const DRAINING = { State: 'InService', ReasonCode: 'N/A', Description: 'Instance deregistration currently in progress.' };
const GONE = { State: 'OutOfService', ReasonCode: 'ELB', Description: 'Instance is not currently registered with the LoadBalancer.' };

const h = emulatorHarness();

async function setUp(): Promise<{ emulator: AwsEmulator; client: ElasticLoadBalancingClient; clock: FakeClock }> {
  const clock = new FakeClock();
  const emulator = await h.start({ seed, clock, throttle: 'off' });
  // Seeded instances without a pinned health are still "registering" at start.
  clock.advance(1000);
  return { emulator, client: h.elb(emulator), clock };
}

async function stateOf(client: ElasticLoadBalancingClient, lb: string, id: string) {
  const out = await client.send(new DescribeInstanceHealthCommand({ LoadBalancerName: lb, Instances: [{ InstanceId: id }] }));
  expect(out.InstanceStates).toHaveLength(1);
  const { State, ReasonCode, Description } = out.InstanceStates![0]!;
  return { State, ReasonCode, Description };
}

function deregister(client: ElasticLoadBalancingClient, lb: string, id: string) {
  return client.send(new DeregisterInstancesFromLoadBalancerCommand({ LoadBalancerName: lb, Instances: [{ InstanceId: id }] }));
}

describe('Classic ELB', () => {
  it('describes load balancers, and answers LoadBalancerNotFound for unknown names', async () => {
    const { client } = await setUp();
    const out = await client.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: ['legacy-web'] }));
    const lb = out.LoadBalancerDescriptions![0]!;
    expect(lb.LoadBalancerName).toBe('legacy-web');
    expect(lb.Instances!.map((i) => i.InstanceId)).toEqual([FAST, BUSY, IDLE]);
    expect(lb.ListenerDescriptions![0]!.Listener).toEqual({ Protocol: 'HTTP', LoadBalancerPort: 80, InstanceProtocol: 'HTTP', InstancePort: 80 });
    const err = await rejectionOf(client.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: ['nope'] })));
    expect(err.name).toBe('AccessPointNotFoundException');
    expect(err.Code).toBe('LoadBalancerNotFound');
    expect(err.message).toBe("There is no ACTIVE Load Balancer named 'nope'");
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it('reports registered instances InService, and new ones as registering until healthyAfterMs', async () => {
    const { client, clock } = await setUp();
    expect(await stateOf(client, 'legacy-web', IDLE)).toEqual({ State: 'InService', ReasonCode: 'N/A', Description: 'N/A' });
    const fresh = 'i-0123456789abcdef0';
    const out = await client.send(new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: 'legacy-web', Instances: [{ InstanceId: fresh }] }));
    expect(out.Instances!.map((i) => i.InstanceId)).toContain(fresh);
    expect(await stateOf(client, 'legacy-web', fresh)).toEqual({ State: 'OutOfService', ReasonCode: 'ELB', Description: 'Instance registration is still in progress.' });
    clock.advance(1000);
    expect((await stateOf(client, 'legacy-web', fresh)).State).toBe('InService');
  });

  it('finishes a drain early when the connections end, and returns the remaining instances', async () => {
    const { client, clock } = await setUp();
    const out = await deregister(client, 'legacy-web', FAST);
    expect(out.Instances!.map((i) => i.InstanceId)).toEqual([BUSY, IDLE]);
    expect(await stateOf(client, 'legacy-web', FAST)).toEqual(DRAINING);
    clock.advance(1499);
    expect(await stateOf(client, 'legacy-web', FAST)).toEqual(DRAINING);
    clock.advance(1);
    expect(await stateOf(client, 'legacy-web', FAST)).toEqual(GONE);
  });

  it('finishes a drain when the test sets the connection count to 0', async () => {
    const { emulator, client, clock } = await setUp();
    await deregister(client, 'legacy-web', BUSY);
    clock.advance(10_000);
    expect(await stateOf(client, 'legacy-web', BUSY)).toEqual(DRAINING);
    emulator.setConnections('legacy-web', BUSY, 0);
    expect(await stateOf(client, 'legacy-web', BUSY)).toEqual(GONE);
  });

  it('lists a draining instance without an instance filter until its drain ends', async () => {
    const { client, clock } = await setUp();
    const all = async () =>
      (await client.send(new DescribeInstanceHealthCommand({ LoadBalancerName: 'legacy-web' }))).InstanceStates!.map((s) => `${s.InstanceId}:${s.State}`);
    await deregister(client, 'legacy-web', FAST);
    expect(await all()).toEqual([`${FAST}:InService`, `${BUSY}:InService`, `${IDLE}:InService`]);
    clock.advance(1500);
    expect(await all()).toEqual([`${BUSY}:InService`, `${IDLE}:InService`]);
  });

  it('ends a drain at the timeout when connections stay open', async () => {
    const { client, clock } = await setUp();
    await deregister(client, 'legacy-web', BUSY);
    clock.advance(29_999);
    expect(await stateOf(client, 'legacy-web', BUSY)).toEqual(DRAINING);
    clock.advance(1);
    expect(await stateOf(client, 'legacy-web', BUSY)).toEqual(GONE);
  });

  it('finishes at once with draining disabled, or with no connections', async () => {
    const { client } = await setUp();
    await deregister(client, 'no-drain', BUSY);
    expect(await stateOf(client, 'no-drain', BUSY)).toEqual(GONE);
    await deregister(client, 'legacy-web', IDLE);
    expect(await stateOf(client, 'legacy-web', IDLE)).toEqual(GONE);
  });

  it('modifies connection draining, echoing only what changed, and drains with the new timeout', async () => {
    const { client, clock } = await setUp();
    const out = await client.send(
      new ModifyLoadBalancerAttributesCommand({ LoadBalancerName: 'no-drain', LoadBalancerAttributes: { ConnectionDraining: { Enabled: true, Timeout: 120 } } }),
    );
    expect(out.LoadBalancerName).toBe('no-drain');
    expect(out.LoadBalancerAttributes).toEqual({ ConnectionDraining: { Enabled: true, Timeout: 120 } });
    const described = await client.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerName: 'no-drain' }));
    expect(described.LoadBalancerAttributes).toEqual({
      CrossZoneLoadBalancing: { Enabled: false },
      AccessLog: { Enabled: false },
      ConnectionDraining: { Enabled: true, Timeout: 120 },
      ConnectionSettings: { IdleTimeout: 60 },
    });
    await deregister(client, 'no-drain', BUSY);
    clock.advance(119_999);
    expect(await stateOf(client, 'no-drain', BUSY)).toEqual(DRAINING);
    clock.advance(1);
    expect(await stateOf(client, 'no-drain', BUSY)).toEqual(GONE);
  });

  it.each([0, 3601])('rejects a draining timeout of %i with InvalidConfigurationRequest (HTTP 409)', async (timeout) => {
    const { client } = await setUp();
    const err = await rejectionOf(
      client.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerName: 'legacy-web', LoadBalancerAttributes: { ConnectionDraining: { Enabled: true, Timeout: timeout } } })),
    );
    expect(err.name).toBe('InvalidConfigurationRequestException');
    expect(err.$metadata.httpStatusCode).toBe(409);
    const described = await client.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerName: 'legacy-web' }));
    expect(described.LoadBalancerAttributes?.ConnectionDraining).toEqual({ Enabled: true, Timeout: 30 });
  });

  it('answers InvalidInstance for a malformed instance id', async () => {
    const { client } = await setUp();
    const err = await rejectionOf(client.send(new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: 'legacy-web', Instances: [{ InstanceId: 'web-1' }] })));
    expect(err.name).toBe('InvalidEndPointException');
    expect(err.Code).toBe('InvalidInstance');
  });

  it('takes a draining instance back when it is registered again', async () => {
    const { client } = await setUp();
    await deregister(client, 'legacy-web', BUSY);
    await client.send(new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: 'legacy-web', Instances: [{ InstanceId: BUSY }] }));
    expect((await stateOf(client, 'legacy-web', BUSY)).Description).toBe('Instance registration is still in progress.');
  });

  it('refuses setConnections for unknown load balancers and instances', async () => {
    const { emulator } = await setUp();
    expect(() => emulator.setConnections('nope', BUSY, 1)).toThrow(/no Classic load balancer "nope"/);
    expect(() => emulator.setConnections('legacy-web', 'i-0000000000000000f', 1)).toThrow(/not registered/);
    expect(() => emulator.setConnections('legacy-web', BUSY, -1)).toThrow(/non-negative/);
  });
});
