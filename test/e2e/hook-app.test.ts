/**
 * The hook with the app's own word: an app built on @drainctl/server behind a target group with a
 * 300 s deregistration delay. `--app-drain` asks the app to start its drain (its health turns 503,
 * the secret going only in a header), and `--app-status` ends the drain when the app says nothing
 * is in flight, not when the 300 s run out. The action is completed CONTINUE on that evidence.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from '../../src/emulators/aws/index.js';
import { endpointArgs, freshLedgerPath, runCli } from '../support/cli.js';
import { sleep } from '../support/servers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'app-backend.mjs');
const SECRET = 'app-drain-s3cret-value';
const [A, B] = ['i-0000000000000c001', 'i-0000000000000c002'];

let app: ChildProcess | undefined;
let emulator: AwsEmulator | undefined;
afterEach(async () => {
  app?.kill('SIGKILL');
  await emulator?.stop();
});

it('--app-drain and --app-status: the app starts its drain, the action completes on its word, long before the 300 s delay', { timeout: 60_000 }, async () => {
  app = spawn(process.execPath, [FIXTURE], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, REMOTE_DRAIN_SECRET: SECRET } });
  const [line] = (await Promise.race([once(createInterface({ input: app.stdout! }), 'line'), sleep(15_000).then(() => [undefined])])) as [string | undefined];
  const { port, probePort } = JSON.parse(line!) as { port: number; probePort: number };
  emulator = await startAwsEmulator({
    healthyAfterMs: 0,
    seed: {
      targetGroups: [{ name: 'web', port: 8080, attributes: { 'deregistration_delay.timeout_seconds': '300' }, targets: [{ id: A }, { id: B }] }],
      autoScalingGroups: [{ name: 'web-asg', minSize: 1, maxSize: 2, instances: [{ id: A }, { id: B }], targetGroups: ['web'], lifecycleHooks: [{ name: 'drain', transition: 'autoscaling:EC2_INSTANCE_TERMINATING', heartbeatTimeout: 60 }] }],
    },
  });
  const work = fetch(`http://127.0.0.1:${port}/work?ms=1500`).then((r) => r.text());
  const token = (await emulator.scaleIn('web-asg', A))!;
  const body = emulator.notificationsSent().find((n) => n.body.includes(token))!.body;
  const run = await runCli(
    [...endpointArgs(emulator.url), '--ledger', freshLedgerPath(), '-o', 'ndjson', 'hook', 'aws-asg', '--event', '-', '--no-scan', '--app-status', `http://127.0.0.1:${probePort}/drain/status`, '--app-drain', '--propagation', '500ms'],
    { input: body, env: { DRAINCTL_APP_DRAIN_SECRET: SECRET }, timeoutMs: 50_000 },
  );
  expect(run.code, run.stderr).toBe(0);
  expect(await work).toBe('done\n'); // the request in flight finished
  const records = run.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(records.find((r) => r.type === 'lifecycle' && r.subject === 'app')).toMatchObject({ message: `http://127.0.0.1:${probePort}/drain/status: the app started its drain` });
  expect(records.find((r) => r.type === 'target_done')).toMatchObject({ outcome: 'drained', evidence: { kind: 'app-idle' } });
  expect(records.find((r) => r.type === 'lifecycle' && r.phase === 'completed')).toMatchObject({ details: { result: 'CONTINUE', completion: 'completed' } });
  expect((await fetch(`http://127.0.0.1:${probePort}/health`)).status).toBe(503);
  expect(emulator.requestLog.filter((e) => e.action === 'CompleteLifecycleAction').map((e) => e.status)).toEqual([200]);
  expect(`${run.stdout}${run.stderr}`).not.toContain(SECRET);
});
