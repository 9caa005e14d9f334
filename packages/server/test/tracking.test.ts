import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { DrainerOptions } from '../src/index.js';
import { Gate } from './support/gate.js';
import { send } from './support/http.js';
import { appPerTest, type Handler, type StartedApp } from './support/per-test.js';

/** Persistent connections: generic track(), WebSockets that will not close, upgrades nobody tracked, SSE and long polls. */

const cleanups: (() => void)[] = [];
const startApp = appPerTest(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
/** The app of the test running now: its server and drainer, for handlers that need them. */
let app: StartedApp | undefined;

async function start(options: DrainerOptions = {}, handler?: Handler): Promise<StartedApp> {
  app = await startApp(options, handler);
  return app;
}

describe('track()', () => {
  it('asks the connection to close when the listener stops and waits for it to be untracked', async () => {
    const { drainer: d } = await start();
    const connection = {};
    let untrack: () => void = () => undefined;
    const closeCalls: string[] = [];
    untrack = d.track(connection, () => void closeCalls.push(d.state));
    expect(d.track(connection, () => undefined)).toBe(untrack); // the same connection counts once
    expect(d.inFlight).toMatchObject({ tracked: 1, persistent: 1 });
    const drained = d.drain();
    expect(closeCalls).toEqual(['draining']);
    expect(d.state).toBe('draining');
    untrack();
    untrack();
    expect(d.state).toBe('drained');
    expect((await drained).outcome).toBe('drained');
  });

  it('untracks by itself when the connection emits close', async () => {
    const { drainer: d } = await start();
    const connection = new EventEmitter();
    d.track(connection, () => void setImmediate(() => connection.emit('close')));
    expect((await d.drain()).outcome).toBe('drained');
  });

  it('reports a close() that fails, and cuts at the deadline', async () => {
    const { drainer: d, problems } = await start({ drainTimeout: 50 });
    d.track({}, () => Promise.reject(new Error('cannot close')));
    const result = await d.drain();
    expect(result).toMatchObject({ outcome: 'forced', cut: { tracked: 1 } });
    expect(problems.map((p) => p.message)).toContain('track failed: cannot close');
  });
});

describe('WebSockets and upgrades', () => {
  function webSocketApp(track: boolean): { wss: WebSocketServer; attach(): void } {
    const wss = new WebSocketServer({ noServer: true });
    return {
      wss,
      attach() {
        app!.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
          wss.handleUpgrade(req, socket, head, (ws) => {
            if (track) app?.drainer.trackWebSocket(ws);
          });
        });
        cleanups.push(() => wss.close());
      },
    };
  }

  async function connect(port: number): Promise<WebSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    cleanups.push(() => ws.terminate());
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return ws;
  }

  it('terminates a WebSocket whose client never answers the close frame, after webSocketCloseTimeout', async () => {
    const { port, drainer: d } = await start({ webSocketCloseTimeout: 30, drainTimeout: 20_000 });
    webSocketApp(true).attach();
    const ws = await connect(port);
    expect(d.inFlight).toMatchObject({ webSocket: 1, tracked: 0 });
    (ws as unknown as { _socket: Socket })._socket.pause(); // the client stops reading: no closing handshake
    const result = await d.drain();
    expect(result.outcome).toBe('drained'); // terminated before drainTimeout: not a cut
  });

  it('trackWebSocket twice counts once; untrack stops counting', async () => {
    const { port, drainer: d } = await start();
    const app = webSocketApp(true);
    app.attach();
    await connect(port);
    const [serverWs] = [...app.wss.clients];
    if (!serverWs) throw new Error('no server-side WebSocket');
    const untrack = d.trackWebSocket(serverWs);
    expect(d.trackWebSocket(serverWs)).toBe(untrack);
    expect(d.inFlight.webSocket).toBe(1);
    untrack();
    expect(d.inFlight.webSocket).toBe(0);
  });

  it('counts an upgraded socket nobody tracked as `tracked` and cuts it at the deadline', async () => {
    const { port, drainer: d } = await start({ drainTimeout: 50 });
    webSocketApp(false).attach();
    await connect(port);
    expect(d.inFlight).toMatchObject({ tracked: 1, webSocket: 0 });
    const result = await d.drain();
    expect(result).toMatchObject({ outcome: 'forced', cut: { tracked: 1 } });
  });
});

describe('SSE and long polls', () => {
  it('ends a stream tracked after the listener stopped at once, with the retry given to trackSse', async () => {
    const arrivals = new Gate();
    let response: ServerResponse | null = null;
    const { port, drainer: d } = await start({}, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': hello\n\n');
      response = res;
      void arrivals.pass();
    });
    const reply = send(port, '/events');
    await arrivals.reached(1);
    expect(d.inFlight.requests).toBe(1);
    const drained = d.drain();
    expect(d.state).toBe('draining'); // until tracked, a streaming response is a request in flight
    if (!response) throw new Error('no response');
    d.trackSse(response, { retryMs: 42 });
    expect((await reply).body).toBe(': hello\n\nretry: 42\n\n');
    expect((await drained).outcome).toBe('drained');
    expect(() => d.trackSse(response as unknown as ServerResponse, { retryMs: 1.5 })).toThrow(RangeError);
  });

  it("answers a long poll with the app's respond(), and with 204 when respond() throws", async () => {
    const arrivals = new Gate();
    const { port, drainer: d, problems } = await start({}, (req, res) => {
      const untrack = app?.drainer.trackLongPoll(res, req.url === '/custom' ? () => void res.end('{"events":[]}') : () => {
        throw new Error('respond broke');
      });
      expect(app?.drainer.trackLongPoll(res)).toBe(untrack); // tracked twice, counted once
      void arrivals.pass();
    });
    const custom = send(port, '/custom');
    const broken = send(port, '/broken');
    await arrivals.reached(2);
    expect(d.inFlight).toMatchObject({ longPoll: 2, requests: 0 });
    const result = await d.drain();
    expect(await custom).toMatchObject({ status: 200, body: '{"events":[]}' });
    expect(await broken).toMatchObject({ status: 204, body: '' });
    expect(problems.map((p) => p.message)).toEqual(['trackLongPoll failed: respond broke']);
    expect(result.outcome).toBe('drained');
  });
});
