/**
 * The headline proof of @drainctl/server: a rolling restart behind a real HAProxy loses nothing. Three backends
 * (two single processes and one node:cluster primary with two workers) under steady keep-alive HTTP load, with
 * WebSocket and SSE clients connected, are restarted one at a time: SIGTERM, wait for the exit, start again on
 * the same port, wait until HAProxy's health checks see it UP, next one. No request may fail; every WebSocket
 * client is closed with 1001 and reconnects elsewhere; every SSE client is told `retry:` and reconnects elsewhere.
 * The same roll with the backends' naive shutdown (exit on SIGTERM) must lose requests: that is what shows this
 * test can fail. Neither the clients nor HAProxy retry a request (no `retry-on`): the drain itself must lose
 * nothing, the HTTP/1.1 keep-alive race included (idle connections stay open through the shutdown delay).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildLibrary } from '../../packages/server/test/support/build-library.js';
import { SseClient, startLoad, WsClient, type LoadTally } from './rolling-clients.js';
import { Backend, Haproxy, sleep } from './rolling-lab.js';

const SPECS = [
  { name: 'app1', cluster: false },
  { name: 'app2', cluster: false },
  { name: 'app3', cluster: true },
];
const LOAD = { loops: 20, slowShare: 0.2, pauseMs: 10, maxRequests: 20_000 };
const CLIENTS = 6;

let library: ReturnType<typeof buildLibrary>;
beforeAll(() => {
  library = buildLibrary();
});
afterAll(() => library.remove());

/** What afterEach must stop, pass or fail. */
const running: { haproxy: Haproxy | null; backends: Backend[]; clients: { stop(): void }[] } = { haproxy: null, backends: [], clients: [] };
afterEach(async () => {
  for (const client of running.clients.splice(0)) client.stop();
  await running.haproxy?.stop();
  running.haproxy = null;
  for (const backend of running.backends.splice(0)) backend.kill();
});

interface Roll {
  readonly load: LoadTally;
  /** Per backend, in restart order: its exit code after SIGTERM. */
  readonly exits: Record<string, number | string>;
  readonly ws: readonly WsClient[];
  readonly sse: readonly SseClient[];
}

/** Waits (bounded) until every client has been greeted once. */
async function connected(clients: readonly (WsClient | SseClient)[]): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (clients.every((client) => client.backends.length > 0)) return;
    await sleep(25);
  }
  throw new Error('the WebSocket and SSE clients did not all connect through HAProxy within 5 s');
}

async function rollingRestart(drain: boolean): Promise<Roll> {
  const backends = await Promise.all(SPECS.map((spec) => Backend.create(spec, drain, library.entry)));
  running.backends.push(...backends);
  await Promise.all(backends.map((backend) => backend.start()));
  const haproxy = await Haproxy.start(backends);
  running.haproxy = haproxy;
  const ws = Array.from({ length: CLIENTS }, () => new WsClient(`ws://127.0.0.1:${haproxy.frontendPort}/ws`));
  const sse = Array.from({ length: CLIENTS }, () => new SseClient(`http://127.0.0.1:${haproxy.frontendPort}/events`));
  running.clients.push(...ws, ...sse);
  for (const client of [...ws, ...sse]) client.connect();
  await connected([...ws, ...sse]);

  const load = startLoad(`http://127.0.0.1:${haproxy.frontendPort}`, LOAD);
  const exits: Record<string, number | string> = {};
  // Whatever happens to the roll, the load and the clients are stopped and reported before the verdict.
  const failure = await restartOneByOne(backends, haproxy, exits).then(() => null, (error: unknown) => error);
  const tally = await load.stop();
  for (const client of [...ws, ...sse]) client.stop();
  const seen = { wsCloses: ws.map((c) => c.closes.map((x) => x.code)), sseEnds: sse.map((c) => c.ends.map((x) => `${x.complete ? 'complete' : 'cut'}, retry ${x.retry}`)) };
  console.log(`rolling restart ${drain ? 'with' : 'WITHOUT'} @drainctl/server: ${JSON.stringify({ ...tally, exits, ...seen })}`);
  if (failure) throw failure;
  return { load: tally, exits, ws, sse };
}

async function restartOneByOne(backends: readonly Backend[], haproxy: Haproxy, exits: Record<string, number | string>): Promise<void> {
  await sleep(1000);
  for (const backend of backends) {
    exits[backend.name] = await backend.terminate();
    await backend.start();
    await haproxy.waitUntilUp(backend.name);
  }
  await sleep(1000); // the last clients closed reconnect; the load runs on over the restored set
}

/** Each end of a connection followed by a new one on another backend; `ends[i]` was on `backends[i]`. */
function reconnectedElsewhere(backends: readonly string[], ends: readonly { backend: string }[]): boolean {
  return backends.length === ends.length + 1 && ends.every((end, i) => backends[i] === end.backend && backends[i + 1] !== end.backend);
}

describe('rolling restart behind HAProxy: three backends, one of them a node:cluster primary with two workers', () => {
  it('with @drainctl/server: no request fails, WebSockets get 1001 and SSE `retry:`, and all reconnect elsewhere', async () => {
    const roll = await rollingRestart(true);
    expect(roll.load.failures).toEqual([]);
    expect(roll.load.failed).toBe(0);
    expect(roll.load.made).toBeGreaterThan(300);
    expect(roll.load.ok).toBe(roll.load.made);
    expect(roll.load.statuses).toEqual({ 200: roll.load.made });
    expect(roll.exits).toEqual({ app1: 0, app2: 0, app3: 0 });
    for (const client of roll.ws) {
      expect(client.closes.length).toBeGreaterThan(0);
      expect(client.closes.map((close) => close.code)).toEqual(client.closes.map(() => 1001));
      expect(client.failedAttempts).toBe(0); // each reconnection succeeded at its first attempt, RETRY_MS after the close
      expect(reconnectedElsewhere(client.backends, client.closes)).toBe(true);
    }
    for (const client of roll.sse) {
      expect(client.ends.length).toBeGreaterThan(0);
      expect(client.ends.map((end) => [end.complete, end.retry])).toEqual(client.ends.map(() => [true, 200]));
      expect(client.failedAttempts).toBe(0);
      expect(reconnectedElsewhere(client.backends, client.ends)).toBe(true);
    }
  }, 60_000);

  it('control, the same roll with the naive shutdown (exit on SIGTERM): requests fail', async () => {
    const roll = await rollingRestart(false);
    expect(roll.load.made).toBeGreaterThan(300);
    expect(roll.load.failed).toBeGreaterThan(0);
  }, 60_000);
});
