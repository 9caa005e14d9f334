/**
 * The SQS consumer against moto's SQS, an independent implementation of the real wire protocol:
 * deletion only after 'done', messages coming back after their visibility timeout, a redrive
 * policy moving a message to its dead-letter queue, visibility kept while a handler runs,
 * bounded parallelism, two consumers sharing a queue, stopping, and receive errors (through a
 * small proxy in front of moto that answers with scripted failures).
 */
import { createServer, request, type Server } from 'node:http';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DrainctlError } from '../../../src/core/errors.js';
import { type ConsumerEvent, type ConsumerOptions, type ConsumerSummary, consumeQueue, type QueueMessage, type Verdict } from '../../../src/providers/aws-asg/queue/index.js';
import { freePort, type MotoServer, motoAvailable, requireTool, startMoto } from '../../support/moto.js';

const haveMoto = motoAvailable();
const TEST_TIMEOUT_MS = 40_000;

/** A client with the SDK's own retries off, so every failure the tests script reaches the consumer. */
function sqsClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' }, maxAttempts: 1 });
}

/** Waits (at most `tries` × 100 ms) until `ready` says yes. */
async function until(what: string, ready: () => boolean | Promise<boolean>, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i += 1) {
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A promise with its resolver, for handlers the test releases. */
function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((r) => (open = r));
  return { promise, open };
}

interface RunningConsumer {
  readonly events: ConsumerEvent[];
  readonly done: Promise<ConsumerSummary>;
  readonly stop: AbortController;
  readonly abortHandlers: AbortController;
  count(type: ConsumerEvent['type']): number;
}

const running: RunningConsumer[] = [];

describe.runIf(haveMoto || process.env.CI === 'true')('SQS queue consumer, on moto', () => {
  let moto: MotoServer;
  let sqs: SQSClient;
  let queueNumber = 0;

  beforeAll(async () => {
    requireTool('moto (python3 -m moto.server)', haveMoto); // under CI=true without moto: fails here, saying why
    moto = await startMoto();
    sqs = sqsClient(moto.url);
  }, 30_000);
  afterEach(async () => {
    // Every consumer a test started ends here, whether the test passed or not.
    for (const consumer of running.splice(0)) {
      consumer.stop.abort();
      consumer.abortHandlers.abort();
      await consumer.done.catch(() => undefined);
    }
  });
  afterAll(async () => {
    sqs?.destroy();
    await moto?.stop();
  });

  async function createQueue(attributes: Record<string, string> = {}): Promise<string> {
    queueNumber += 1;
    const out = await sqs.send(new CreateQueueCommand({ QueueName: `consumer-${queueNumber}`, Attributes: attributes }));
    return out.QueueUrl!;
  }
  async function queueArn(url: string): Promise<string> {
    const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    return out.Attributes!.QueueArn!;
  }
  async function send(url: string, ...bodies: string[]): Promise<void> {
    for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
  }
  /** Visible plus in-flight messages, as SQS counts them. */
  async function messagesIn(url: string): Promise<number> {
    const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    return Number(out.Attributes!.ApproximateNumberOfMessages) + Number(out.Attributes!.ApproximateNumberOfMessagesNotVisible);
  }

  function consume(options: Partial<ConsumerOptions> & Pick<ConsumerOptions, 'queueUrl' | 'handle'>): RunningConsumer {
    const stop = new AbortController();
    const abortHandlers = new AbortController();
    const events: ConsumerEvent[] = [];
    const done = consumeQueue({ client: sqs, waitTimeSeconds: 1, signal: stop.signal, abortHandlers: abortHandlers.signal, onEvent: (e) => events.push(e), ...options });
    done.catch(() => undefined); // a test that expects a rejection awaits it itself
    const consumer = { events, done, stop, abortHandlers, count: (type: ConsumerEvent['type']) => events.filter((e) => e.type === type).length };
    running.push(consumer);
    return consumer;
  }

  it('hands each message to the handler and deletes it after done', async () => {
    const url = await createQueue();
    await send(url, 'a', 'b', 'c');
    const seen: QueueMessage[] = [];
    const consumer = consume({ queueUrl: url, handle: async (m) => (seen.push(m), 'done') });
    await until('three deletions', () => consumer.count('deleted') === 3);
    consumer.stop.abort();
    expect(await consumer.done).toEqual({ received: 3, done: 3, left: 0, failed: 0, deleted: 3, deleteFailed: 0, released: 0 });
    expect(seen.map((m) => m.body).sort()).toEqual(['a', 'b', 'c']);
    expect(seen.every((m) => m.receiveCount === 1 && m.id !== '' && typeof m.sentAt === 'string')).toBe(true);
    expect(await messagesIn(url)).toBe(0);
  }, TEST_TIMEOUT_MS);

  it("brings back a message left or whose handler threw, after its visibility timeout, with receive count 2", async () => {
    const url = await createQueue();
    await send(url, 'leave-me', 'throw-on-me');
    const deliveries: { body: string; receiveCount: number; at: number }[] = [];
    const started = Date.now();
    const consumer = consume({
      queueUrl: url,
      visibilityTimeoutSeconds: 2,
      handle: async (m): Promise<Verdict> => {
        deliveries.push({ body: m.body, receiveCount: m.receiveCount, at: Date.now() - started });
        if (m.receiveCount > 1) return 'done';
        if (m.body === 'throw-on-me') throw new Error('cannot read this one');
        return 'leave';
      },
    });
    await until('both messages back and deleted', () => consumer.count('deleted') === 2);
    consumer.stop.abort();
    const summary = await consumer.done;
    expect(summary).toEqual({ received: 4, done: 2, left: 2, failed: 1, deleted: 2, deleteFailed: 0, released: 0 });
    for (const body of ['leave-me', 'throw-on-me']) {
      expect(deliveries.filter((d) => d.body === body).map((d) => d.receiveCount)).toEqual([1, 2]);
    }
    const failed = consumer.events.find((e) => e.type === 'handler_failed');
    expect(failed).toMatchObject({ type: 'handler_failed', error: 'cannot read this one' });
    const thrownId = consumer.events.find((e) => e.type === 'received' && e.receiveCount === 1 && failed?.type === 'handler_failed' && e.messageId === failed.messageId);
    expect(thrownId).toBeDefined();
    const back = deliveries.filter((d) => d.receiveCount === 2).map((d) => d.at - deliveries.find((f) => f.body === d.body)!.at);
    console.log(`measured: messages came back ${back.join(' and ')} ms after their first delivery (visibility timeout 2 s)`);
  }, TEST_TIMEOUT_MS);

  it('lets a redrive policy with maxReceiveCount 2 move a message that is always left to the dead-letter queue', async () => {
    const dlq = await createQueue();
    const url = await createQueue({ RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await queueArn(dlq), maxReceiveCount: 2 }) });
    await send(url, 'poison');
    const counts: number[] = [];
    const consumer = consume({ queueUrl: url, visibilityTimeoutSeconds: 1, handle: async (m) => (counts.push(m.receiveCount), 'leave') });
    await until('the message in the dead-letter queue', async () => (await messagesIn(dlq)) === 1);
    consumer.stop.abort();
    await consumer.done;
    expect(counts).toEqual([1, 2]);
    expect(await messagesIn(url)).toBe(0);
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, WaitTimeSeconds: 1 }));
    expect(dead.Messages?.map((m) => m.Body)).toEqual(['poison']);
  }, TEST_TIMEOUT_MS);

  it('keeps a message hidden from another consumer while its handler runs longer than the visibility timeout', async () => {
    const url = await createQueue();
    await send(url, 'slow');
    const release = gate<Verdict>();
    const consumer = consume({ queueUrl: url, visibilityTimeoutSeconds: 2, handle: () => release.promise });
    await until('the handler to start', () => consumer.count('received') === 1);
    // Probe until the consumer has extended three times (1 s apart, so past the 2 s timeout):
    // without the extensions the message would reappear and a probe would get it.
    let probes = 0;
    while (consumer.count('visibility_extended') < 3) {
      expect(probes++).toBeLessThan(20);
      const probe = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, VisibilityTimeout: 30 }));
      expect(probe.Messages ?? []).toEqual([]);
    }
    const extensionsWhileRunning = consumer.count('visibility_extended');
    release.open('done');
    await until('the deletion', () => consumer.count('deleted') === 1);
    consumer.stop.abort();
    expect(await consumer.done).toMatchObject({ received: 1, done: 1, deleted: 1 });
    // No timer outlives the handler: no extension after it ended.
    await new Promise((r) => setTimeout(r, 1500));
    expect(consumer.count('visibility_extended')).toBe(extensionsWhileRunning);
    expect(consumer.count('visibility_extend_failed')).toBe(0);
  }, TEST_TIMEOUT_MS);

  it('runs at most `concurrency` handlers at once and never asks for more messages than it has free slots', async () => {
    const url = await createQueue();
    await send(url, ...Array.from({ length: 12 }, (_, i) => `m${i}`));
    const asked: number[] = [];
    const client = sqsClient(moto.url);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ReceiveMessageCommand') asked.push((args.input as { MaxNumberOfMessages: number }).MaxNumberOfMessages);
        return next(args);
      },
      { step: 'initialize' },
    );
    let now = 0;
    let most = 0;
    const consumer = consume({
      queueUrl: url,
      client,
      concurrency: 3,
      handle: async () => {
        now += 1;
        most = Math.max(most, now);
        await new Promise((r) => setTimeout(r, 150));
        now -= 1;
        return 'done';
      },
    });
    await until('twelve deletions', () => consumer.count('deleted') === 12);
    consumer.stop.abort();
    await consumer.done;
    client.destroy();
    expect(most).toBe(3);
    expect(Math.max(...asked)).toBeLessThanOrEqual(3);
    expect(asked.length).toBeLessThan(100);
  }, TEST_TIMEOUT_MS);

  it('shares one queue between two consumers, each message handled exactly once', async () => {
    const url = await createQueue();
    const bodies = Array.from({ length: 20 }, (_, i) => `shared-${i}`);
    await send(url, ...bodies);
    const handledBy: Record<string, string[]> = {};
    const handler = (name: string) => async (m: QueueMessage): Promise<Verdict> => {
      (handledBy[m.body] ??= []).push(name);
      await new Promise((r) => setTimeout(r, 200));
      return 'done';
    };
    const first = consume({ queueUrl: url, concurrency: 5, handle: handler('first') });
    const second = consume({ queueUrl: url, concurrency: 5, handle: handler('second') });
    await until('twenty deletions', () => first.count('deleted') + second.count('deleted') === 20);
    first.stop.abort();
    second.stop.abort();
    const [a, b] = await Promise.all([first.done, second.done]);
    expect(Object.keys(handledBy).sort()).toEqual([...bodies].sort());
    expect(Object.values(handledBy).every((names) => names.length === 1)).toBe(true);
    expect(a.received + b.received).toBe(20);
    expect(a.received).toBeGreaterThan(0);
    expect(b.received).toBeGreaterThan(0);
    expect(await messagesIn(url)).toBe(0);
  }, TEST_TIMEOUT_MS);

  it('on stop, receives no more, lets running handlers finish, deletes only what was done; a new consumer gets the rest', async () => {
    const url = await createQueue();
    await send(url, 'finish', 'abandon');
    const finish = gate<Verdict>();
    const handled: string[] = [];
    const consumer = consume({
      queueUrl: url,
      visibilityTimeoutSeconds: 2,
      concurrency: 5,
      handle: (m, signal) => {
        handled.push(m.body);
        if (m.body === 'finish') return finish.promise;
        return new Promise<Verdict>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted while draining')), { once: true }));
      },
    });
    await until('both handlers running', () => consumer.count('received') === 2);
    consumer.stop.abort();
    // Sent while the last poll may still be open: it is either released by the stopping consumer or never taken by it.
    await send(url, 'during-stop');
    await until('the consumer to say it is stopping', () => consumer.count('stopping') === 1);
    await send(url, 'after-stop');
    finish.open('done');
    await until('the finished message deleted', () => consumer.count('deleted') === 1);
    expect(consumer.count('stopped')).toBe(0); // the abandoning handler still runs
    consumer.abortHandlers.abort();
    const summary = await consumer.done;
    expect(summary).toMatchObject({ done: 1, left: 1, failed: 1, deleted: 1, deleteFailed: 0 });
    expect(summary.received).toBe(2 + summary.released);
    expect(handled.sort()).toEqual(['abandon', 'finish']);

    const later: QueueMessage[] = [];
    const next = consume({ queueUrl: url, handle: async (m) => (later.push(m), 'done') });
    await until('the next consumer to take the rest', () => next.count('deleted') === 3);
    const counts = Object.fromEntries(later.map((m) => [m.body, m.receiveCount]));
    expect(counts).toEqual({ abandon: 2, 'during-stop': 1 + summary.released, 'after-stop': 1 });
    console.log(`measured: the poll open at the stop ${summary.released ? 'took and released' : 'did not take'} the message sent during it`);
  }, TEST_TIMEOUT_MS);

  describe('receive errors', () => {
    let proxy: ScriptedProxy;
    beforeAll(async () => {
      proxy = await startScriptedProxy(moto.url);
    });
    afterAll(async () => proxy?.close());

    it('retries throttling, 5xx and a dropped connection with backoff, then goes on', async () => {
      const url = await createQueue();
      await send(url, 'after-the-storm');
      proxy.script('ReceiveMessage', ['throttle', '500', 'reset', '503']);
      const client = sqsClient(proxy.url);
      const consumer = consume({ queueUrl: url, client, handle: async () => 'done' });
      await until('the deletion', () => consumer.count('deleted') === 1);
      consumer.stop.abort();
      await consumer.done;
      client.destroy();
      const failures = consumer.events.filter((e) => e.type === 'receive_failed');
      expect(failures.map((e) => e.type === 'receive_failed' && [e.retryable, e.attempt])).toEqual([
        ['throttle', 1],
        ['transient', 2],
        ['unreachable', 3],
        ['transient', 4],
      ]);
      expect(failures.every((e) => e.type === 'receive_failed' && e.delayMs > 0 && e.error.includes(url))).toBe(true);
      expect(JSON.stringify(consumer.events)).not.toContain('test-secret');
    }, TEST_TIMEOUT_MS);

    it('ends with access denied, naming the queue, after letting running handlers finish', async () => {
      const url = await createQueue();
      await send(url, 'one');
      const release = gate<Verdict>();
      const client = sqsClient(proxy.url);
      // The first receive gets the message; the next one is refused while its handler still runs.
      proxy.script('ReceiveMessage', ['pass', 'denied']);
      const consumer = consume({ queueUrl: url, client, concurrency: 2, handle: () => release.promise });
      await until('the refusal to be seen', () => proxy.remaining('ReceiveMessage') === 0);
      expect(consumer.count('stopped')).toBe(0);
      release.open('done');
      const error = await consumer.done.then(() => undefined, (e: unknown) => e);
      client.destroy();
      expect(error).toBeInstanceOf(DrainctlError);
      expect((error as DrainctlError).kind).toBe('provider');
      expect((error as DrainctlError).message).toContain(url);
      expect((error as DrainctlError).message).toMatch(/access denied/);
      expect(consumer.count('deleted')).toBe(1);
      expect(consumer.count('receive_failed')).toBe(0);
    }, TEST_TIMEOUT_MS);

    it('ends with not_found, naming the queue URL, when the queue does not exist', async () => {
      const missing = `${moto.url}/123456789012/no-such-queue`;
      const consumer = consume({ queueUrl: missing, handle: async () => 'done' });
      const error = await consumer.done.then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(DrainctlError);
      expect((error as DrainctlError).kind).toBe('not_found');
      expect((error as DrainctlError).message).toContain(missing);
      expect(consumer.count('receive_failed')).toBe(0);
    }, TEST_TIMEOUT_MS);

    it('gives up on an endpoint that never answers after a few tries, naming it', async () => {
      const port = await freePort();
      const client = sqsClient(`http://127.0.0.1:${port}`);
      const consumer = consume({ queueUrl: `http://127.0.0.1:${port}/123456789012/q`, client, handle: async () => 'done' });
      const error = await consumer.done.then(() => undefined, (e: unknown) => e);
      client.destroy();
      expect(error).toBeInstanceOf(DrainctlError);
      expect((error as DrainctlError).message).toContain(`127.0.0.1:${port}`);
      expect(consumer.count('receive_failed')).toBe(4);
    }, TEST_TIMEOUT_MS);

    it('reports an extension SQS refuses and a deletion that then fails, and the handler still runs to the end', async () => {
      const url = await createQueue();
      await send(url, 'expired');
      proxy.script('ChangeMessageVisibility', ['invalid-handle']);
      proxy.script('DeleteMessage', ['invalid-handle']);
      const client = sqsClient(proxy.url);
      const consumer = consume({ queueUrl: url, client, visibilityTimeoutSeconds: 2, handle: async () => {
        await until('the refused extension', () => consumer.count('visibility_extend_failed') === 1);
        return 'done';
      } });
      await until('the failed deletion', () => consumer.count('delete_failed') === 1);
      consumer.stop.abort();
      expect(await consumer.done).toMatchObject({ received: 1, done: 1, deleted: 0, deleteFailed: 1 });
      client.destroy();
      expect(consumer.events.find((e) => e.type === 'visibility_extend_failed')).toMatchObject({ willRetry: false });
      expect(consumer.events.find((e) => e.type === 'handled')).toMatchObject({ verdict: 'done' });
    }, TEST_TIMEOUT_MS);
  });
});

describe.skipIf(haveMoto || process.env.CI === 'true')('SQS queue consumer, without moto', () => {
  it('is skipped: moto (python3 -m moto.server) is not installed', () => {
    requireTool('moto (python3 -m moto.server)', haveMoto);
  });
});

type Scripted = 'pass' | '500' | '503' | 'throttle' | 'reset' | 'denied' | 'invalid-handle';

/** An HTTP proxy in front of moto that answers an SQS action's next requests as scripted, then passes the rest through. */
interface ScriptedProxy {
  readonly url: string;
  script(action: string, answers: Scripted[]): void;
  remaining(action: string): number;
  close(): Promise<void>;
}

/** SQS's JSON-protocol error bodies, as AWS sends them. */
const FAILURES: Record<Exclude<Scripted, 'pass' | 'reset'>, { status: number; type: string; query: string }> = {
  '500': { status: 500, type: 'com.amazonaws.sqs#InternalError', query: 'InternalError;Receiver' },
  '503': { status: 503, type: 'com.amazonaws.sqs#ServiceUnavailable', query: 'ServiceUnavailable;Server' },
  throttle: { status: 400, type: 'com.amazonaws.sqs#RequestThrottled', query: 'RequestThrottled;Sender' },
  denied: { status: 403, type: 'com.amazonaws.sqs#AccessDenied', query: 'AccessDenied;Sender' },
  'invalid-handle': { status: 400, type: 'com.amazonaws.sqs#ReceiptHandleIsInvalid', query: 'ReceiptHandleIsInvalid;Sender' },
};

async function startScriptedProxy(target: string): Promise<ScriptedProxy> {
  const scripts = new Map<string, Scripted[]>();
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const action = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
    const answer = scripts.get(action)?.shift() ?? 'pass';
    if (answer === 'reset') return req.socket.destroy();
    if (answer !== 'pass') {
      const failure = FAILURES[answer];
      res.writeHead(failure.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': failure.query });
      return res.end(JSON.stringify({ __type: failure.type, message: `scripted ${answer}` }));
    }
    const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    forward.on('error', () => req.socket.destroy());
    req.pipe(forward);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    script: (action, answers) => void scripts.set(action, [...answers]),
    remaining: (action) => scripts.get(action)?.length ?? 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
