/**
 * The lifecycle hook's lab: an Auto Scaling group of three instances (real backend processes on
 * loopback) behind the AWS emulator, with one target group attached to the group, one it does
 * not know about behind an emulated ALB that really forwards requests (as ECS would register
 * it), a real HAProxy routing to the same instances' ports, and moto's SQS as the hook's queue.
 * An instance's backend process is stopped when the emulator says the instance is Terminated:
 * whatever still routes to it then fails.
 */
import { writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type AwsEmulator, startAwsEmulator } from '../../src/emulators/aws/index.js';
import { type ChildProcess } from 'node:child_process';
import { collect, startCliProcess, waitForExit } from '../support/cli.js';
import { type MotoServer, startMoto } from '../support/moto.js';
import { type Backend, type HaproxyServer, makeTempDir, startBackend, startHaproxy } from '../support/servers.js';

export const INSTANCES = ['i-0000000000000e2e1', 'i-0000000000000e2e2', 'i-0000000000000e2e3'] as const;
export const ASG = 'web-asg';
export const HOOK = 'drain-on-scale-in';
/** Seconds: the drain of the unattached group outlasts the heartbeat timeout, so heartbeats must keep the action alive. */
export const HEARTBEAT_TIMEOUT_S = 2;
export const ECS_DELAY_S = 5;
export const ATTACHED_DELAY_S = 2;

export interface HookLab {
  readonly moto: MotoServer;
  readonly sqs: SQSClient;
  /** The queue as consumers reach it: through a proxy in front of moto that records each SQS action. */
  readonly queueUrl: string;
  /** SQS actions the consumers made (`sqs:ReceiveMessage`…), for the IAM policy check. */
  readonly sqsActions: Set<string>;
  readonly dlqUrl: string;
  readonly emulator: AwsEmulator;
  readonly backends: Backend[];
  readonly haproxy: HaproxyServer;
  readonly dir: string;
  /** drainctl.yaml with the hook section naming the HAProxy servers by instance ID. */
  readonly configPath: string;
  readonly ledgerPath: string;
  /** Instances the emulator terminated, in order (their backends are stopped). */
  readonly terminated: string[];
  stop(): Promise<void>;
}

export async function startHookLab(options: { withHook?: boolean; configExtra?: string; heartbeatTimeoutS?: number; deniedActions?: string[] } = {}): Promise<HookLab> {
  const moto = await startMoto();
  const sqs = new SQSClient({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' } });
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'hooks-dlq' }))).QueueUrl!;
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const motoQueueUrl = (
    await sqs.send(new CreateQueueCommand({ QueueName: 'hooks', Attributes: { VisibilityTimeout: '4', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '2' }) } }))
  ).QueueUrl!;
  const sqsActions = new Set<string>();
  const proxy = await recordingProxy(moto.url, (target) => sqsActions.add(`sqs:${target.replace(/^AmazonSQS\./, '')}`));
  const queueUrl = `${proxy.url}${new URL(motoQueueUrl).pathname}`;
  const backends = await Promise.all(INSTANCES.map((id) => startBackend(id)));
  const haproxy = await startHaproxy(backends);
  const targets = backends.map((b, i) => ({ id: INSTANCES[i]!, port: b.port }));
  const emulator = await startAwsEmulator({
    healthyAfterMs: 0,
    minHeartbeatTimeoutSeconds: 1,
    notificationQueueUrl: motoQueueUrl,
    ...(options.deniedActions && { faults: { deniedActions: options.deniedActions } }),
    seed: {
      loadBalancers: [{ name: 'alb-web', listenerPort: 0 }, { name: 'alb-ecs', listenerPort: 0 }],
      targetGroups: [
        { name: 'web-attached', port: 80, loadBalancers: ['alb-web'], attributes: { 'deregistration_delay.timeout_seconds': String(ATTACHED_DELAY_S) }, targets },
        { name: 'ecs-tasks', port: 80, loadBalancers: ['alb-ecs'], attributes: { 'deregistration_delay.timeout_seconds': String(ECS_DELAY_S) }, targets },
      ],
      autoScalingGroups: [
        {
          name: ASG,
          minSize: 1,
          maxSize: 3,
          instances: INSTANCES.map((id) => ({ id })),
          targetGroups: ['web-attached'],
          lifecycleHooks: options.withHook === false ? [] : [{ name: HOOK, transition: 'autoscaling:EC2_INSTANCE_TERMINATING', heartbeatTimeout: options.heartbeatTimeoutS ?? HEARTBEAT_TIMEOUT_S, defaultResult: 'ABANDON' }],
        },
      ],
    },
  });
  const terminated: string[] = [];
  emulator.onInstanceTerminated(({ instanceId }) => {
    terminated.push(instanceId);
    void backends[(INSTANCES as readonly string[]).indexOf(instanceId)]?.stop();
  });
  const dir = makeTempDir('hook-lab');
  const configPath = join(dir, 'drainctl.yaml');
  writeFileSync(configPath, `hook:\n  targets:\n    - "haproxy:${haproxy.socketPath}/be_app/{id}"\n${options.configExtra ?? ''}`);
  return {
    moto, sqs, queueUrl, sqsActions, dlqUrl, emulator, backends, haproxy, dir, configPath, ledgerPath: join(dir, 'ledger.db'), terminated,
    stop: async () => {
      sqs.destroy();
      await Promise.allSettled([emulator.stop(), haproxy.stop(), ...backends.map((b) => b.stop()), proxy.stop(), moto.stop()]);
    },
  };
}

/** A consumer: `drainctl hook aws-asg --queue-url` against the lab, as a child process, ndjson on stdout. */
export interface Consumer {
  readonly child: ChildProcess;
  output(): string;
  records(): Record<string, unknown>[];
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startConsumer(lab: HookLab, extra: readonly string[] = []): Consumer {
  const child = startCliProcess(
    ['-o', 'ndjson', '--endpoint-url', lab.emulator.url, '--region', 'us-east-1', '--ledger', lab.ledgerPath, '--config', lab.configPath,
      'hook', 'aws-asg', '--queue-url', lab.queueUrl, '--wait-time', '1s', '--visibility-timeout', '4s', ...extra],
    { env: {} },
  );
  child.stdin?.end();
  const stdout = collect(child.stdout!);
  const stderr = collect(child.stderr!);
  const exited = waitForExit(child, 120_000);
  return {
    child,
    output: () => `${stdout.text()}${stderr.text()}`,
    records: () => stdout.text().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Waits (bounded) until `check` holds, polling every 100 ms. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, diagnose: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${diagnose()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The CompleteLifecycleAction calls the emulator answered for one action (by its token), with their results and statuses. */
export function completions(emulator: AwsEmulator, token: string): { result: string; status: number }[] {
  return emulator.requestLog
    .filter((e) => e.action === 'CompleteLifecycleAction' && e.params.LifecycleActionToken === token)
    .map((e) => ({ result: e.params.LifecycleActionResult ?? '', status: e.status }));
}

/** Heartbeats the emulator accepted for one action. */
export function heartbeats(emulator: AwsEmulator, token: string): number {
  return emulator.requestLog.filter((e) => e.action === 'RecordLifecycleActionHeartbeat' && e.params.LifecycleActionToken === token && e.status === 200).length;
}

export async function sendRaw(lab: HookLab, body: string): Promise<void> {
  await lab.sqs.send(new SendMessageCommand({ QueueUrl: lab.queueUrl, MessageBody: body }));
}

/** A pass-through HTTP proxy that reports each request's X-Amz-Target (SQS's JSON protocol names the action there). */
async function recordingProxy(upstream: string, onAction: (target: string) => void): Promise<{ url: string; stop(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((req, res) => {
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string') onAction(target);
    const out = httpRequest(`${upstream}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
