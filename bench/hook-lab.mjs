// The lifecycle hook benchmarks' lab: moto's SQS as the hook's queue, the built-in AWS emulator with
// one Auto Scaling group (its own target group attached) and a second target group the group does
// not know about (as ECS would register the instances), and `drainctl hook aws-asg --queue-url`
// as a child process with ndjson on stdout, each line stamped with when the bench read it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DRAINCTL_BIN, REPO, sleep } from './lib/common.mjs';
import { startMoto } from './lib/moto.mjs';
import { toolEnv } from './lib/proc.mjs';

export const ASG = 'bench-asg';
export const HOOK = 'drain-on-scale-in';
export const ATTACHED = 'web-attached';
export const UNATTACHED = 'ecs-tasks';

/** Consumers still running, so an interrupted run can stop them. */
const consumers = new Set();

/** Kills every consumer this module started that is still running. */
export function killHookConsumers() {
  for (const child of consumers) child.kill('SIGKILL');
}

/** An instance id per index (17 hex digits). */
export const hookInstance = (i) => `i-0b0c${String(i).padStart(13, '0')}`;

/**
 * Starts moto, a queue and the emulator. `instances` in the group (minSize 1), both target groups
 * holding every instance; the deregistration delays and the hook's heartbeat timeout in seconds.
 */
export async function startHookBenchLab({ instances, attachedDelayS, unattachedDelayS, heartbeatTimeoutS, throttle = 'aws' }) {
  const { startAwsEmulator } = await import(pathToFileURL(join(REPO, 'dist', 'emulators', 'aws', 'index.js')).href);
  const moto = await startMoto();
  const sqs = new SQSClient({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' } });
  let emulator;
  let queueUrl;
  const ids = Array.from({ length: instances }, (_, i) => hookInstance(i));
  try {
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'bench-hooks', Attributes: { VisibilityTimeout: '60' } }))).QueueUrl;
    const targets = ids.map((id) => ({ id, port: 80, health: 'healthy' }));
    const delay = (s) => ({ 'deregistration_delay.timeout_seconds': String(s) });
    emulator = await startAwsEmulator({
      host: '127.0.0.1',
      throttle,
      healthyAfterMs: 0,
      minHeartbeatTimeoutSeconds: Math.min(30, heartbeatTimeoutS),
      notificationQueueUrl: queueUrl,
      seed: {
        loadBalancers: [{ name: 'alb-web', listenerPort: 0 }, { name: 'alb-ecs', listenerPort: 0 }],
        targetGroups: [
          { name: ATTACHED, port: 80, loadBalancers: ['alb-web'], attributes: delay(attachedDelayS), targets },
          { name: UNATTACHED, port: 80, loadBalancers: ['alb-ecs'], attributes: delay(unattachedDelayS), targets },
        ],
        autoScalingGroups: [
          {
            name: ASG,
            minSize: 1,
            maxSize: instances,
            instances: ids.map((id) => ({ id })),
            targetGroups: [ATTACHED],
            lifecycleHooks: [{ name: HOOK, transition: 'autoscaling:EC2_INSTANCE_TERMINATING', heartbeatTimeout: heartbeatTimeoutS, defaultResult: 'ABANDON' }],
          },
        ],
      },
    });
  } catch (error) {
    sqs.destroy();
    await moto.stop();
    throw error;
  }
  const dir = mkdtempSync(join(tmpdir(), 'drainctl-hook-bench-'));
  return {
    moto, queueUrl, emulator, ids, dir,
    async stop() {
      sqs.destroy();
      await Promise.allSettled([emulator.stop(), moto.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `drainctl -o ndjson hook aws-asg --queue-url <lab's> --wait-time 1s <extra>` as a child process.
 * records() are its ndjson lines so far, each with `readAt` (ms epoch, when the bench read it).
 */
export function startHookConsumer(lab, extra = []) {
  const args = [DRAINCTL_BIN, '-o', 'ndjson', '--endpoint-url', lab.emulator.url, '--region', 'us-east-1', '--ledger', join(lab.dir, 'ledger.db'),
    'hook', 'aws-asg', '--queue-url', lab.queueUrl, '--wait-time', '1s', ...extra];
  const child = spawn(process.execPath, args, { env: toolEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  consumers.add(child);
  child.once('exit', () => consumers.delete(child));
  const records = [];
  let stderr = '';
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    try {
      records.push({ ...JSON.parse(line), readAt: Date.now() });
    } catch {
      // a partial line cannot happen with readline; anything else is not a record
    }
  });
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    records: () => records,
    stderr: () => stderr,
    /** Waits (bounded) until the consumer says it is polling the queue. */
    async polling(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!records.some((r) => r.type === 'lifecycle' || /consuming/.test(JSON.stringify(r))) && !/consuming/.test(stderr)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the consumer did not start polling: ${stderr}${JSON.stringify(records)}`);
        await sleep(50);
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
