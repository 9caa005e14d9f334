/**
 * One drain and one restore of 50 targets across 5 target groups while the emulator throttles at
 * AWS's rates and injects throttling, server errors and connection resets: drainctl must retry its
 * way to a complete, correct result.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32, parseSeed, type AwsEmulator } from '../../src/emulators/aws/index.js';
import { freshLedgerPath } from '../support/cli.js';
import { callsOf, cleanupAfterEach, jsonDoc, runAgainst, startEmulator, targetsParam } from './helpers.js';

cleanupAfterEach();

const GROUPS = [1, 2, 3, 4, 5].map((g) => `fleet-${g}`);
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

function instanceId(group: number, target: number): string {
  return `i-0a1b2c3d4e5f${group}${String(target).padStart(2, '0')}`;
}

const TARGETS = GROUPS.flatMap((name, g) => Array.from({ length: 10 }, (_, t) => ({ group: name, id: instanceId(g + 1, t), zone: ZONES[t % ZONES.length]! })));

function fleetSeed() {
  return parseSeed({
    targetGroups: GROUPS.map((name) => ({
      name,
      protocol: 'HTTP',
      port: 80,
      attributes: { 'deregistration_delay.timeout_seconds': '2' },
      targets: TARGETS.filter((t) => t.group === name).map((t) => ({ id: t.id, port: 8080, availabilityZone: t.zone, health: 'healthy' as const })),
    })),
  });
}

interface Registered {
  readonly id: string;
  readonly port: number | undefined;
  readonly zone: string | undefined;
  readonly state: string | undefined;
}

/** What the emulator itself says is registered, asked over its wire protocol with faults and throttling switched off. */
async function registered(emulator: AwsEmulator): Promise<Map<string, Registered[]>> {
  emulator.setFaults({});
  emulator.setThrottle('off');
  const out = new Map<string, Registered[]>();
  for (const group of GROUPS) {
    const body = new URLSearchParams({ Action: 'DescribeTargetHealth', Version: '2015-12-01', TargetGroupArn: emulator.targetGroupArn(group) });
    const res = await fetch(emulator.url, { method: 'POST', body, signal: AbortSignal.timeout(5000) });
    const xml = await res.text();
    expect(res.status, xml).toBe(200);
    const tag = (text: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
    const members = [...xml.matchAll(/<member>([\s\S]*?<\/TargetHealth>)\s*<\/member>/g)].map((m) => m[1]!);
    out.set(group, members.map((m) => {
      const port = tag(m, 'Port');
      return { id: tag(m, 'Id')!, port: port === undefined ? undefined : Number(port), zone: tag(m, 'AvailabilityZone'), state: tag(/<TargetHealth>[\s\S]*/.exec(m)![0], 'State') };
    }));
  }
  return out;
}

describe('under throttling and injected faults', () => {
  it('drains and restores 50 targets in 5 groups with one command each', { timeout: 90_000 }, async () => {
    const emulator = await startEmulator({
      seed: fleetSeed(),
      throttle: 'aws',
      faults: { throttleRate: 0.2, serverErrorRate: 0.05, resetRate: 0.02 },
      random: mulberry32(Number(process.env.DRAINCTL_FAULT_SEED ?? 20261122)),
      healthyAfterMs: 300,
    });
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const refs = TARGETS.map((t) => `elbv2:${t.group}/${t.id}`);
    const canonical = TARGETS.map((t) => `elbv2:${t.group}/${t.id}:8080`).sort();

    const drain = await runAgainst(emulator, ['-o', 'json', 'drain', ...refs, '--force'], { env, timeoutMs: 60_000 });
    expect(drain.code, drain.stderr).toBe(0);
    const drainDoc = jsonDoc(drain);
    expect(drainDoc.exit_code).toBe(0);
    expect((drainDoc.results as Record<string, any>[]).map((r) => r.target).sort()).toEqual(canonical);
    for (const r of drainDoc.results) expect(r, JSON.stringify(r)).toMatchObject({ outcome: 'drained' });
    // Every target was asked to deregister (a reset may have made the SDK send a call twice).
    const deregistered = new Set(callsOf(emulator, 'DeregisterTargets').flatMap((e) => targetsParam(e).map((t) => `${e.params.TargetGroupArn}|${t.Id}`)));
    expect(deregistered.size).toBe(50);
    const afterDrain = await registered(emulator);
    for (const group of GROUPS) expect(afterDrain.get(group), group).toEqual([]);

    emulator.setFaults({ throttleRate: 0.2, serverErrorRate: 0.05, resetRate: 0.02 });
    emulator.setThrottle('aws');
    const restore = await runAgainst(emulator, ['-o', 'json', 'restore', ...refs], { env, timeoutMs: 60_000 });
    expect(restore.code, restore.stderr).toBe(0);
    const restoreDoc = jsonDoc(restore);
    expect((restoreDoc.results as Record<string, any>[]).map((r) => r.target).sort()).toEqual(canonical);
    for (const r of restoreDoc.results) expect(r, JSON.stringify(r)).toMatchObject({ outcome: 'restored', state: 'active', health: 'healthy' });
    const afterRestore = await registered(emulator);
    for (const group of GROUPS) {
      const expected = TARGETS.filter((t) => t.group === group).map((t) => ({ id: t.id, port: 8080, zone: t.zone, state: 'healthy' }));
      expect([...afterRestore.get(group)!].sort((a, b) => a.id.localeCompare(b.id)), group).toEqual(expected);
    }

    // The faults really happened (about a quarter of ~80 requests), so the retries above were really exercised.
    const faults = emulator.requestLog.filter((e) => e.fault === 'throttle' || e.fault === 'server_error' || e.fault === 'reset');
    expect(faults.length).toBeGreaterThanOrEqual(5);
    expect(faults.some((e) => e.fault === 'throttle')).toBe(true);
  });
});
