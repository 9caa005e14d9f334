/**
 * Ephemeral CI runners sharing nothing but a PostgreSQL ledger: one process drains with its own
 * HOME and XDG directories, another with a fresh HOME restores, and the target comes back exactly
 * as it was registered (every port, every Availability Zone), read back from the AWS emulator with
 * the real SDK. Without the shared ledger the second runner cannot know the registration, which
 * shows the ledger is what carries it. Classic ELB too.
 */
import { ElasticLoadBalancingClient, DescribeInstanceHealthCommand } from '@aws-sdk/client-elastic-load-balancing';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, parseSeed, startAwsEmulator } from '../../src/emulators/aws/index.js';
import { type CliResult, killAllChildren, runCli, scratchDir } from '../support/cli.js';
import { usePostgres } from '../support/postgres.js';

const server = usePostgres();
const INSTANCE = 'i-0e0e0e0e0e0e0e001';
const OTHER = 'i-0e0e0e0e0e0e0e002';
const LEGACY = 'i-0e0e0e0e0e0e0e011';
const credentials = { accessKeyId: 'reader', secretAccessKey: 'reader' };

let emulator: AwsEmulator | undefined;
afterEach(async () => {
  killAllChildren();
  await emulator?.stop();
  emulator = undefined;
});

/** One instance registered twice in `eph` (ports 8443 and 9443, in different zones) beside another; a Classic LB with draining on. */
async function start(): Promise<AwsEmulator> {
  const seed = parseSeed(
    {
      targetGroups: [
        {
          name: 'eph',
          protocol: 'HTTP',
          port: 80,
          attributes: { 'deregistration_delay.timeout_seconds': '1' },
          targets: [
            { id: INSTANCE, port: 8443, availabilityZone: 'us-east-1c', health: 'healthy' },
            { id: INSTANCE, port: 9443, availabilityZone: 'us-east-1b', health: 'healthy' },
            { id: OTHER, port: 8080, availabilityZone: 'us-east-1a', health: 'healthy' },
          ],
        },
      ],
      classicLoadBalancers: [{ name: 'eph-classic', connectionDraining: { enabled: true, timeout: 1 }, instances: [{ id: LEGACY, health: 'healthy' }, { id: OTHER, health: 'healthy' }] }],
    },
    'ephemeral seed',
  );
  emulator = await startAwsEmulator({ seed, throttle: 'off', healthyAfterMs: 150, host: '127.0.0.1' });
  return emulator;
}

/** A runner's own machine: HOME and the XDG directories, empty, as a fresh CI job has them. */
function freshMachine(name: string): { home: string; env: Record<string, string> } {
  const home = join(scratchDir(`drainctl-${name}-`), 'home');
  const env: Record<string, string> = { HOME: home };
  for (const [key, sub] of [['XDG_STATE_HOME', '.local/state'], ['XDG_CONFIG_HOME', '.config'], ['XDG_CACHE_HOME', '.cache']] as const) {
    env[key] = join(home, sub);
    mkdirSync(env[key]!, { recursive: true });
  }
  return { home, env };
}

/** Every file under `dir`, relative. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

/** How `eph` registers its targets, from the emulator: id, port and zone of each. */
async function registrations(e: AwsEmulator): Promise<string[]> {
  const client = new ElasticLoadBalancingV2Client({ endpoint: e.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  try {
    const out = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: e.targetGroupArn('eph') }));
    return (out.TargetHealthDescriptions ?? []).map((d) => `${d.Target?.Id}:${d.Target?.Port}@${d.Target?.AvailabilityZone} ${d.TargetHealth?.State}`).sort();
  } finally {
    client.destroy();
  }
}

function run(e: AwsEmulator, args: readonly string[], machine: { env: Record<string, string> }, ledger: string, password: string): Promise<CliResult> {
  // The password comes from PGPASSWORD, as a CI secret would, not from the URL.
  return runCli(['--endpoint-url', e.url, '--region', 'us-east-1', '--ledger', ledger, ...args], { env: { ...machine.env, PGPASSWORD: password }, timeoutMs: 60_000 });
}

/** A database URL without its password. */
async function ledgerUrl(): Promise<string> {
  const url = new URL(await server().createDatabase());
  url.password = '';
  return url.toString();
}

describe('ephemeral runners that share only a PostgreSQL ledger', () => {
  it('ELBv2: drained on one machine, restored from another with a fresh HOME, exactly as registered (every port and zone)', { timeout: 90_000 }, async () => {
    const e = await start();
    const ledger = await ledgerUrl();
    const before = await registrations(e);
    expect(before).toEqual([`${INSTANCE}:8443@us-east-1c healthy`, `${INSTANCE}:9443@us-east-1b healthy`, `${OTHER}:8080@us-east-1a healthy`]);

    const a = freshMachine('runner-a');
    const drain = await run(e, ['drain', `elbv2:eph/${INSTANCE}`], a, ledger, server().password);
    expect(drain.code, drain.stderr).toBe(0);
    expect(await registrations(e)).toEqual([`${OTHER}:8080@us-east-1a healthy`]);

    // Without the shared ledger a fresh machine cannot know the ports: it refuses to guess.
    const guess = await runCli(['--endpoint-url', e.url, '--region', 'us-east-1', 'restore', `elbv2:eph/${INSTANCE}`], { env: freshMachine('no-ledger').env });
    expect(guess.code, guess.stderr).toBe(2);
    expect(guess.stderr).toContain(`no recorded registration for ${INSTANCE} in eph, and the reference names no port`);

    const b = freshMachine('runner-b');
    const restore = await run(e, ['-o', 'json', 'restore', `elbv2:eph/${INSTANCE}`], b, ledger, server().password);
    expect(restore.code, restore.stderr).toBe(0);
    expect((JSON.parse(restore.stdout) as { results: { outcome: string }[] }).results.map((r) => r.outcome)).toEqual(['restored', 'restored']);
    expect(await registrations(e)).toEqual(before);
    expect(restore.stdout + restore.stderr).not.toContain(server().password);

    // Nothing of the drain lived on either machine: no local ledger was made.
    expect(filesUnder(a.home).filter((f) => f.endsWith('.db'))).toEqual([]);
    expect(filesUnder(b.home).filter((f) => f.endsWith('.db'))).toEqual([]);
    const rows = await server().sql<{ target: string; status: string }>('SELECT target, status FROM instance ORDER BY target', [], new URL(ledger).pathname.slice(1));
    expect(rows).toEqual([
      { target: `${INSTANCE}:8443`, status: 'active' },
      { target: `${INSTANCE}:9443`, status: 'active' },
    ]);
  });

  it('Classic ELB: drained on one machine, restored from another with a fresh HOME', { timeout: 90_000 }, async () => {
    const e = await start();
    const ledger = await ledgerUrl();
    const a = freshMachine('classic-a');
    const drain = await run(e, ['drain', `elb:eph-classic/${LEGACY}`], a, ledger, server().password);
    expect(drain.code, drain.stderr).toBe(0);
    const client = new ElasticLoadBalancingClient({ endpoint: e.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    try {
      const listed = async (): Promise<string[]> => ((await client.send(new DescribeInstanceHealthCommand({ LoadBalancerName: 'eph-classic' }))).InstanceStates ?? []).map((s) => `${s.InstanceId} ${s.State}`).sort();
      expect(await listed()).toEqual([`${OTHER} InService`]);
      const b = freshMachine('classic-b');
      const restore = await run(e, ['restore', `elb:eph-classic/${LEGACY}`], b, ledger, server().password);
      expect(restore.code, restore.stderr).toBe(0);
      expect(await listed()).toEqual([`${OTHER} InService`, `${LEGACY} InService`]);
      const history = await run(e, ['-o', 'json', 'history'], freshMachine('classic-c'), ledger, server().password);
      const types = (JSON.parse(history.stdout) as { events: { type: string }[] }).events.map((x) => x.type);
      expect(types[0]).toBe('restored');
      expect(types).toContain('drain_requested');
    } finally {
      client.destroy();
    }
  });
});
