import { DeregisterTargetsCommand, DescribeTargetHealthCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { mulberry32, type AwsEmulator, type AwsSeed } from '../../../src/emulators/aws/index.js';
import { FakeClock, emulatorHarness, rejectionOf } from './helpers.js';

const TARGET = { Id: 'i-0a1b2c3d4e5f60002', Port: 8080 };
const seed: AwsSeed = { targetGroups: [{ name: 'web', port: 80, targets: [{ id: 'i-0a1b2c3d4e5f60001', health: 'healthy' }] }] };

const h = emulatorHarness();

/** A `random` that replays the given draws in order (and fails the test if it runs out). */
function scripted(...draws: number[]): () => number {
  return () => {
    const next = draws.shift();
    if (next === undefined) throw new Error('the test scripted too few random draws');
    return next;
  };
}

async function stateOf(emulator: AwsEmulator): Promise<string | undefined> {
  const client = h.elbv2(emulator);
  const out = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: emulator.targetGroupArn('web'), Targets: [TARGET] }));
  return out.TargetHealthDescriptions?.[0]?.TargetHealth?.State;
}

describe('injected faults', () => {
  it('answers 500 InternalFailure or 503 ServiceUnavailable without applying the action', async () => {
    const emulator = await h.start({ seed, throttle: 'off', faults: { serverErrorRate: 1 }, random: mulberry32(7) });
    const client = h.elbv2(emulator);
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const err = await rejectionOf(client.send(new RegisterTargetsCommand({ TargetGroupArn: emulator.targetGroupArn('web'), Targets: [TARGET] })));
      seen.add(`${err.$metadata.httpStatusCode} ${err.name} ${err.$fault}`);
    }
    expect(seen).toEqual(new Set(['500 InternalFailure server', '503 ServiceUnavailable server']));
    emulator.setFaults({});
    expect(await stateOf(emulator)).toBe('unused');
    expect(emulator.requestLog.slice(0, 8).every((e) => e.fault === 'server_error' && e.mutating)).toBe(true);
  });

  it('applies a mutating action and then drops the connection on a reset', async () => {
    const emulator = await h.start({ seed, throttle: 'off', faults: { resetRate: 1 } });
    const err = await rejectionOf(h.elbv2(emulator).send(new RegisterTargetsCommand({ TargetGroupArn: emulator.targetGroupArn('web'), Targets: [TARGET] })));
    expect(err.$metadata?.httpStatusCode).toBeUndefined();
    expect(err.message).toMatch(/socket hang up|ECONNRESET|closed/i);
    emulator.setFaults({});
    expect(await stateOf(emulator)).toBe('initial');
    expect(emulator.requestLog[0]).toMatchObject({ action: 'RegisterTargets', fault: 'reset', status: 200 });
  });

  it('lets an SDK retry after a reset find the deregistration already under way', async () => {
    const clock = new FakeClock();
    const emulator = await h.start({ seed, clock, throttle: 'off', faults: { resetRate: 0.5 }, random: scripted(0.1, 0.9) });
    const target = { Id: 'i-0a1b2c3d4e5f60001', Port: 80 };
    const out = await h.elbv2(emulator, 2).send(new DeregisterTargetsCommand({ TargetGroupArn: emulator.targetGroupArn('web'), Targets: [target] }));
    expect(out.$metadata.attempts).toBe(2);
    expect(emulator.requestLog.map((e) => e.fault)).toEqual(['reset', undefined]);
    // The retry did not restart the drain: it still ends one delay after the first attempt.
    expect(emulator.drainingEndsAt('web', target.Id, target.Port)).toBe(clock.now() + 300_000);
  });

  it('throttles a fraction of requests even with throttling off', async () => {
    const emulator = await h.start({ seed, throttle: 'off', faults: { throttleRate: 1 } });
    const err = await rejectionOf(h.elbv2(emulator).send(new DescribeTargetHealthCommand({ TargetGroupArn: emulator.targetGroupArn('web') })));
    expect(err.name).toBe('Throttling');
    expect(emulator.requestLog[0]).toMatchObject({ fault: 'throttle', errorCode: 'Throttling', status: 400 });
  });

  it('adds latency, fixed or drawn from a range', async () => {
    const emulator = await h.start({ seed, throttle: 'off', faults: { latencyMs: 80 } });
    const client = h.elbv2(emulator);
    const describeHealth = () => client.send(new DescribeTargetHealthCommand({ TargetGroupArn: emulator.targetGroupArn('web') }));
    const started = performance.now();
    await describeHealth();
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    expect(emulator.requestLog[0]?.fault).toBe('latency');

    // A range: the request is still marked as delayed (the draw itself is checked with a seeded random elsewhere).
    emulator.setFaults({ latencyMs: [1, 10] });
    await describeHealth();
    expect(emulator.requestLog[1]?.fault).toBe('latency');
  });

  it('repeats the same fault sequence for the same seeded random', async () => {
    const run = async (): Promise<(string | undefined)[]> => {
      const emulator = await h.start({ seed, throttle: 'off', faults: { throttleRate: 0.2, serverErrorRate: 0.3 }, random: mulberry32(42) });
      const client = h.elbv2(emulator);
      for (let i = 0; i < 30; i++) {
        await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: emulator.targetGroupArn('web') })).catch(() => undefined);
      }
      return emulator.requestLog.map((e) => e.fault);
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(new Set(first)).toEqual(new Set(['throttle', 'server_error', undefined]));
  });

  it('rejects fault settings outside 0-1 or summing past 1', async () => {
    await expect(h.start({ faults: { throttleRate: 1.5 } })).rejects.toThrow('faults.throttleRate must be a number 0-1');
    const emulator = await h.start({ seed });
    expect(() => emulator.setFaults({ throttleRate: 0.6, resetRate: 0.6 })).toThrow(/must not exceed 1/);
    expect(() => emulator.setFaults({ latencyMs: [10, 5] })).toThrow(/latencyMs/);
  });

  it('mulberry32 is deterministic and stays in [0, 1)', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const draws = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(draws);
    expect(draws.every((d) => d >= 0 && d < 1)).toBe(true);
    expect(new Set(draws).size).toBeGreaterThan(990);
  });
});
