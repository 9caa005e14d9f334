/**
 * `drain --until app-idle` end to end: the AWS emulator with a 300 s deregistration delay, a real
 * backend process using @drainctl/server, and drainctl as a separate process. drainctl ends the
 * drain on the app's word once the last request ended (the load balancer still says draining),
 * keeps waiting while a request runs, and refuses a status URL that is not a drainctl one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from '../../src/emulators/aws/index.js';
import { freshLedgerPath, killAllChildren, runCli } from '../support/cli.js';
import { sleep } from '../support/servers.js';

const A = 'i-0a1b2c3d4e5f60001';
const B = 'i-0a1b2c3d4e5f60002';
const FIXTURE = join(import.meta.dirname, 'fixtures', 'app-backend.mjs');

let emulator: AwsEmulator | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  killAllChildren();
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await emulator?.stop();
  emulator = undefined;
});

async function startEmulator(): Promise<AwsEmulator> {
  emulator = await startAwsEmulator({
    throttle: 'off',
    healthyAfterMs: 150,
    host: '127.0.0.1',
    seed: { targetGroups: [{ name: 'web', protocol: 'HTTP', port: 80, targetType: 'instance', attributes: { 'deregistration_delay.timeout_seconds': '300' }, targets: [{ id: A, port: 8080, health: 'healthy' }, { id: B, port: 8080, health: 'healthy' }] }] },
  });
  return emulator;
}

/** The backend process; resolves with its port once it listens. */
async function startApp(): Promise<number> {
  const child = spawn(process.execPath, [FIXTURE], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([once(lines, 'line'), sleep(15_000).then(() => [undefined])])) as [string | undefined];
  if (!line) throw new Error('the backend did not start');
  return (JSON.parse(line) as { port: number }).port;
}

/** Reads the app's status until `requests` are in flight (bounded). */
async function untilInFlight(port: number, requests: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const status = (await (await fetch(`http://127.0.0.1:${port}/drain/status`)).json()) as { in_flight: { requests: number } };
    if (status.in_flight.requests === requests) return;
    await sleep(50);
  }
  throw new Error(`the app never had ${requests} request(s) in flight`);
}

const ndjson = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);

function drainctl(args: readonly string[], ledger: string) {
  return runCli(['--endpoint-url', emulator!.url, '--region', 'us-east-1', '-o', 'ndjson', ...args], { env: { DRAINCTL_LEDGER: ledger }, timeoutMs: 90_000 });
}

async function lbState(id: string): Promise<string | undefined> {
  const client = new ElasticLoadBalancingV2Client({ endpoint: emulator!.url, region: 'us-east-1', credentials: { accessKeyId: 'reader', secretAccessKey: 'reader' } });
  try {
    const arn = emulator!.targetGroupArn('web');
    const out = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    return out.TargetHealthDescriptions?.find((d) => d.Target?.Id === id)?.TargetHealth?.State;
  } finally {
    client.destroy();
  }
}

describe('drain --until app-idle, behind the AWS emulator with a 300 s deregistration delay', () => {
  it('ends on the app\'s word once its last request ended, while the load balancer still says draining', { timeout: 120_000 }, async () => {
    await startEmulator();
    const port = await startApp();
    const ledger = freshLedgerPath();
    const work = fetch(`http://127.0.0.1:${port}/work?ms=2500`).then(async (r) => (await r.text(), Date.now()));
    await untilInFlight(port, 1);
    const [workEnded, run] = await Promise.all([work, drainctl(['drain', `elbv2:web/${A}`, '--until', 'app-idle', '--app-status', `http://127.0.0.1:${port}/drain/status`, '--propagation', '1s'], ledger)]);

    expect(run.code, run.stderr).toBe(0);
    const records = ndjson(run.stdout);
    const done = records.find((r) => r.type === 'target_done');
    expect(done).toMatchObject({ outcome: 'drained', evidence: { kind: 'app-idle', detail: expect.stringContaining('the app reported nothing in flight') } });
    expect(records.find((r) => r.type === 'summary')!.results[0]).toMatchObject({ outcome: 'drained', evidence: 'app-idle' });
    // Not before the request it was waiting for had ended.
    expect(Date.parse(records.find((r) => r.type === 'summary')!.finished_at as string)).toBeGreaterThanOrEqual(workEnded);
    // The load balancer's own timer is far from over: the evidence was the app's.
    expect(await lbState(A)).toBe('draining');
    const history = await runCli(['-o', 'json', 'history', `elbv2:web/${A}`], { env: { DRAINCTL_LEDGER: ledger } });
    const drained = (JSON.parse(history.stdout) as { events: Record<string, any>[] }).events.find((e) => e.type === 'drained');
    expect(drained?.details).toMatchObject({ evidence: 'app-idle' });
  });

  it('with a request still running, keeps waiting: it times out rather than calling the target drained', { timeout: 120_000 }, async () => {
    await startEmulator();
    const port = await startApp();
    void fetch(`http://127.0.0.1:${port}/work?ms=60000`).catch(() => undefined);
    await untilInFlight(port, 1);
    const run = await drainctl(['drain', `elbv2:web/${A}`, '--until', 'app-idle', '--app-status', `http://127.0.0.1:${port}/drain/status`, '--propagation', '1s', '--timeout', '6s'], freshLedgerPath());
    expect(run.code, run.stderr).toBe(4);
    expect(ndjson(run.stdout).find((r) => r.type === 'target_done')).toMatchObject({ outcome: 'timed_out' });
  });

  it('refuses a status URL that is not a drainctl status endpoint (exit 2), changing nothing', async () => {
    await startEmulator();
    const run = await drainctl(['drain', `elbv2:web/${A}`, '--until', 'app-idle', '--app-status', `${emulator!.url}/drain/status`], freshLedgerPath());
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^drainctl: --app-status http:\/\/127\.0\.0\.1:\d+\/drain\/status is not a drainctl status endpoint: .*; point it at the status path of an app using @drainctl\/server/)]);
    expect(emulator!.mutatingCalls()).toEqual([]);
  });
});
