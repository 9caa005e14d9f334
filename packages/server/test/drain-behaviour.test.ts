import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDrainer, type Drainer, type DrainerOptions, type StateChange } from '../src/index.js';
import { FACTORIES, newContext, type AppContext, type ServerFactory, type StartedApp } from './support/app.js';
import { Clients } from './support/clients.js';
import { makeCertificate, type TestCertificate } from './support/tls.js';

/**
 * One behavioural suite, unchanged across six server kinds, with real clients on 127.0.0.1.
 * Nothing here asserts a duration: order is checked by what has already happened when an event fires.
 */

let certificate: TestCertificate;
beforeAll(() => {
  certificate = makeCertificate();
});

const NO_SIGNALS = { signals: false } as const;

describe.each(FACTORIES)('$name', (factory: ServerFactory) => {
  let ctx: AppContext;
  let app: StartedApp | null = null;
  let drainer: Drainer | null = null;
  let clients: Clients;

  async function start(options: DrainerOptions = {}): Promise<Drainer> {
    ctx = newContext();
    app = await factory.start(ctx, certificate);
    drainer = createDrainer(app.server, { ...NO_SIGNALS, ...options });
    drainer.on('problem', () => undefined);
    ctx.drainer = drainer;
    clients = new Clients(factory, certificate, app.port);
    return drainer;
  }

  afterEach(async () => {
    ctx.gate.open();
    await drainer?.close();
    await clients?.closeAll();
    await app?.stop();
    app = null;
    drainer = null;
  });

  it('answers health 503 the instant a drain starts while the in-flight request runs on, serves a request on an idle keep-alive connection with Connection: close during the shutdown delay, then moves keep-alive clients to a new connection', async () => {
    // A long shutdownDelay keeps the listener open, so new connections can still ask for health.
    const d = await start({ shutdownDelay: 60_000, drainTimeout: 120_000 });
    const client = clients.keepAlive();
    const before = await client.get('/fast');
    expect((await clients.fresh('/health')).status).toBe(200);
    const idle = clients.keepAlive();
    const idleFirst = await idle.get('/fast');
    const idleClosed = idle.disconnected();

    let slowSettled = false;
    const slow = client.get('/slow').finally(() => (slowSettled = true));
    await ctx.gate.reached(1);
    void d.drain();

    const health = await clients.fresh('/health');
    expect(health.status).toBe(503);
    if (factory.h2) {
      await idleClosed; // an idle HTTP/2 session gets its GOAWAY at once
    } else {
      // During the shutdown delay a load balancer may still send a request on an idle keep-alive
      // connection: it is served, with Connection: close, instead of racing a close against it.
      const reused = await idle.get('/fast');
      expect(reused.status).toBe(200);
      expect(reused.headers.connection).toBe('close');
      expect(reused.body).toBe(idleFirst.body); // the same client port: the same connection, still open
      await idleClosed;
    }
    expect(slowSettled).toBe(false);
    const status = JSON.parse((await clients.fresh('/drain/status')).body);
    expect(status).toMatchObject({ state: 'draining', accepting: true, in_flight: { requests: 1 } });

    ctx.gate.open();
    const done = await slow;
    expect(done).toMatchObject({ status: 200, body: 'done' });
    if (!factory.h2) expect(done.headers.connection).toBe('close');
    // HTTP/2: a GOAWAY notice naming the highest possible stream, then the final one naming the last stream taken.
    if (factory.h2) expect(client.goaways).toEqual([2 ** 31 - 1, 3]);

    const after = await client.get('/fast');
    expect(after.status).toBe(200);
    expect(after.body).not.toBe(before.body); // another client port: a new connection
  });

  it('stops accepting, closes idle and silent connections, lets the request in progress finish with 200, and completes on its last response', async () => {
    const d = await start();
    const changes: string[] = [];
    d.on('state', (change: StateChange) => changes.push(`${change.from}->${change.to}`));
    const busy = clients.keepAlive();
    const idle = clients.keepAlive();
    await idle.get('/fast');
    const idleClosed = idle.disconnected();
    const silent = clients.silentSocket();
    await silent.connected;
    const silentTls = factory.tls ? clients.silentTlsSocket() : null;
    await silentTls?.connected;

    const slow = busy.get('/slow');
    await ctx.gate.reached(1);
    const drained = d.drain();
    expect(await clients.connectAttempt()).toBe('ECONNREFUSED');
    await Promise.all([idleClosed, silent.closed, silentTls?.closed]);
    expect(d.state).toBe('draining');

    ctx.gate.open();
    const reply = await slow;
    expect(reply).toMatchObject({ status: 200, body: 'done' });
    if (!factory.h2) expect(reply.headers.connection).toBe('close');
    // The drainer hears the response close before the app's own listener does: by then the drain is complete.
    await ctx.when('app: /slow closed');
    expect(ctx.log.filter((entry) => entry.startsWith('app: /slow'))).toEqual(['app: /slow closed while drained']);
    const result = await drained;
    expect(result).toMatchObject({ outcome: 'drained', exitCode: 0, cut: { requests: 0 } });
    expect(changes).toEqual(['serving->draining', 'draining->drained', 'drained->closed']);
  });

  it('cuts what is still in flight at drainTimeout: outcome and state forced', async () => {
    const d = await start({ drainTimeout: 100 });
    const states: string[] = [];
    d.on('state', (change: StateChange) => states.push(change.to));
    const slow = clients.keepAlive().get('/slow').then(
      () => 'answered',
      () => 'cut',
    );
    await ctx.gate.reached(1);
    const result = await d.drain();
    expect(result).toMatchObject({ outcome: 'forced', exitCode: 1, cut: { requests: 1 } });
    expect(states).toEqual(['draining', 'forced', 'closed']);
    expect(await slow).toBe('cut');
  });

  it('closes WebSockets with 1001 Going Away', async () => {
    const d = await start();
    const ws = await clients.webSocket();
    expect(d.inFlight).toMatchObject({ webSocket: 1, tracked: 0, requests: 0 });
    const closed = new Promise<[number, string]>((resolve) => ws.once('close', (code, reason) => resolve([code, reason.toString()])));
    const result = await d.drain();
    expect(await closed).toEqual([1001, 'Going Away']);
    expect(result.outcome).toBe('drained');
  });

  it('ends SSE streams with a retry field', async () => {
    const d = await start({ sseRetryMs: 2500 });
    const stream = clients.sse();
    expect(await stream.first).toContain('data: hello');
    expect(d.inFlight).toMatchObject({ sse: 1, requests: 0 });
    const result = await d.drain();
    const reply = await stream.done;
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('data: hello\n\nretry: 2500\n\n');
    expect(result.outcome).toBe('drained');
  });

  it('answers a pending long poll at once with 204', async () => {
    const d = await start();
    const client = clients.keepAlive();
    const poll = client.get('/poll');
    await ctx.when('app: /poll waiting');
    expect(d.inFlight).toMatchObject({ longPoll: 1, requests: 0 });
    const result = await d.drain();
    const reply = await poll;
    expect(reply.status).toBe(204);
    if (!factory.h2) expect(reply.headers.connection).toBe('close');
    expect(result.outcome).toBe('drained');
  });

  it('counts each request down exactly once (finished, failed, aborted) and never counts probes', async () => {
    const d = await start();
    const client = clients.keepAlive();
    expect((await client.get('/fast')).status).toBe(200);
    expect((await client.get('/boom')).status).toBe(500);
    const status = JSON.parse((await client.get('/drain/status')).body);
    expect(status.in_flight.requests).toBe(0);
    expect((await client.get('/health')).status).toBe(200);

    const aborter = clients.keepAlive();
    const aborted = aborter.get('/slow').catch(() => 'aborted');
    await ctx.gate.reached(1);
    expect(d.inFlight.requests).toBe(1);
    await aborter.destroy();
    await aborted;
    await ctx.when('app: /slow closed');
    expect(d.inFlight.requests).toBe(0);
    ctx.gate.open();
  });
});
