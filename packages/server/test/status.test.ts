import { describe, expect, it } from 'vitest';
import { STATUS_SCHEMA, buildStatus, type DrainerOptions } from '../src/index.js';
import { Gate } from './support/gate.js';
import { accepts, closeServer, listen, send } from './support/http.js';
import { appPerTest } from './support/per-test.js';

const SECRET = 'a-secret-of-enough-length-1234';
const STATUS_KEYS = [
  'schema', 'state', 'pid', 'in_flight', 'drain_started_at', 'drain_timeout_ms', 'shutdown_delay_ms', 'last_request_ended_at', 'idle_for_ms', 'accepting',
].sort();

let gate = new Gate();
const startApp = appPerTest(() => gate.open());

/** An app whose /slow requests answer when the test lets the gate through; anything else is its 404. */
function start(options: DrainerOptions = {}) {
  gate = new Gate();
  return startApp(options, (req, res) => {
    if (req.url === '/slow') return void gate.pass().then(() => res.end('done'));
    res.writeHead(404);
    res.end('app');
  });
}

describe('status endpoint', () => {
  it('serves schema drainctl.server-status/v1 as uncached JSON, with exactly the documented fields', async () => {
    const { port } = await start({ drainTimeout: 12_000, shutdownDelay: 3000 });
    const reply = await send(port, '/drain/status');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(reply.headers['cache-control']).toBe('no-store');
    const status = JSON.parse(reply.body);
    expect(Object.keys(status).sort()).toEqual(STATUS_KEYS);
    expect(Object.keys(status.in_flight).sort()).toEqual(['long_poll', 'persistent', 'requests', 'sse', 'tracked', 'web_socket']);
    expect(status).toMatchObject({
      schema: STATUS_SCHEMA,
      state: 'serving',
      pid: process.pid,
      in_flight: { requests: 0, persistent: 0, web_socket: 0, sse: 0, long_poll: 0, tracked: 0 },
      drain_started_at: null,
      drain_timeout_ms: 12_000,
      shutdown_delay_ms: 3000,
      last_request_ended_at: null,
      accepting: true,
    });
    expect(status.idle_for_ms).toBeGreaterThanOrEqual(0);
  });

  it('shows work in flight (idle_for_ms null) and when the last request ended', async () => {
    const { port } = await start();
    const slow = send(port, '/slow');
    await gate.reached(1);
    const busy = JSON.parse((await send(port, '/drain/status?verbose=1')).body);
    expect(busy).toMatchObject({ in_flight: { requests: 1 }, idle_for_ms: null, last_request_ended_at: null });
    gate.open();
    await slow;
    const idle = JSON.parse((await send(port, '/drain/status')).body);
    expect(idle.in_flight.requests).toBe(0);
    expect(Date.parse(idle.last_request_ended_at)).not.toBeNaN();
    expect(idle.idle_for_ms).toBeGreaterThanOrEqual(0);
  });

  it('is built by a pure function a cluster primary can reuse', () => {
    const inFlight = { requests: 2, persistent: 1, webSocket: 1, sse: 0, longPoll: 0, tracked: 0 };
    const facts = { state: 'draining' as const, pid: 7, inFlight, drainStartedAt: 1_000, drainTimeoutMs: 30_000, shutdownDelayMs: 0, lastRequestEndedAt: 500, idleSince: null, accepting: false };
    expect(buildStatus(facts, 2_000)).toEqual({
      schema: 'drainctl.server-status/v1',
      state: 'draining',
      pid: 7,
      in_flight: { requests: 2, persistent: 1, web_socket: 1, sse: 0, long_poll: 0, tracked: 0 },
      drain_started_at: '1970-01-01T00:00:01.000Z',
      drain_timeout_ms: 30_000,
      shutdown_delay_ms: 0,
      last_request_ended_at: '1970-01-01T00:00:00.500Z',
      idle_for_ms: null,
      accepting: false,
    });
    expect(buildStatus({ ...facts, idleSince: 1_500 }, 2_000).idle_for_ms).toBe(500);
  });

  it('answers HEAD without a body, refuses other methods with 405 and Allow, and ignores the query string', async () => {
    const { port } = await start();
    const head = await send(port, '/drain/status', { method: 'HEAD' });
    expect(head).toMatchObject({ status: 200, body: '' });
    const put = await send(port, '/drain/status', { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD, POST');
    expect((await send(port, '/health', { method: 'POST' })).headers.allow).toBe('GET, HEAD');
    expect((await send(port, '/health?probe=kubelet')).status).toBe(200);
    expect((await send(port, '/live')).status).toBe(200);
    expect((await send(port, '/healthz')).body).toBe('app');
  });
});

describe('remote drain (POST statusPath)', () => {
  it('is refused with 405 and Allow: GET when remoteDrain is off', async () => {
    const { port, drainer: d } = await start();
    const reply = await send(port, '/drain/status', { method: 'POST', headers: { 'x-drainctl-secret': SECRET } });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, HEAD');
    expect(JSON.parse(reply.body).error).toContain('remoteDrain');
    expect(d.state).toBe('serving');
  });

  it('needs the exact secret: missing or wrong gives 403 and no drain', async () => {
    const { port, drainer: d } = await start({ remoteDrain: { secret: SECRET } });
    const attempts: Record<string, string>[] = [{}, { 'x-drainctl-secret': 'wrong' }, { 'x-drainctl-secret': `${SECRET}x` }, { 'x-drainctl-secret': SECRET.slice(1) }, { 'x-drainctl-secret': SECRET.slice(0, -1) }, { 'x-drainctl-secret': '' }];
    for (const headers of attempts) {
      const reply = await send(port, '/drain/status', { method: 'POST', headers });
      expect(reply.status).toBe(403);
      expect(JSON.parse(reply.body)).toEqual({ error: 'missing or wrong x-drainctl-secret header' });
    }
    expect(d.state).toBe('serving');
  });

  it('with the secret: 202 with the status body, the drain starts, and the secret appears nowhere', async () => {
    const { port, drainer: d, problems } = await start({ remoteDrain: { secret: SECRET }, shutdownDelay: 10_000, drainTimeout: 20_000 });
    const reply = await send(port, '/drain/status', { method: 'POST', headers: { 'x-drainctl-secret': SECRET } });
    expect(reply.status).toBe(202);
    const status = JSON.parse(reply.body);
    expect(status).toMatchObject({ schema: STATUS_SCHEMA, state: 'draining', accepting: true });
    expect(Date.parse(status.drain_started_at)).not.toBeNaN();
    expect(reply.body).not.toContain(SECRET);
    expect(JSON.stringify(d.status())).not.toContain(SECRET);
    expect((await send(port, '/health')).status).toBe(503);
    const result = await d.close();
    expect(result.reason).toBe('remote');
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(JSON.stringify(problems)).not.toContain(SECRET);
  });
});

describe('probes on their own port (probePort)', () => {
  it('answer on the probe listener only, never count, and keep answering after the main listener closed', async () => {
    const { port, drainer: d } = await start({ probePort: 0, probeHost: '127.0.0.1' });
    const probe = (await d.probeAddress()).port;
    expect((await send(probe, '/health')).status).toBe(200);
    expect((await send(port, '/health')).body).toBe('app'); // the app's own /health is not taken
    expect((await send(probe, '/other')).status).toBe(404);

    const slow = send(port, '/slow');
    await gate.reached(1);
    const drained = d.drain();
    expect(await accepts(port)).toBe(false);
    expect((await send(probe, '/health')).status).toBe(503);
    expect((await send(probe, '/live')).status).toBe(200);
    const status = JSON.parse((await send(probe, '/drain/status')).body);
    expect(status).toMatchObject({ state: 'draining', accepting: false, in_flight: { requests: 1 } });

    gate.open();
    expect((await slow).body).toBe('done');
    expect((await drained).outcome).toBe('drained');
    expect(await accepts(probe)).toBe(false); // closed with the drainer
  });

  it('after a remote drain, keep answering `closed` for the one who asked, until the process exits', async () => {
    const { drainer: d } = await start({ probePort: 0, probeHost: '127.0.0.1', remoteDrain: { secret: 'hook-secret-0123456789' } });
    const probe = (await d.probeAddress()).port;
    const asked = await send(probe, '/drain/status', { method: 'POST', headers: { 'x-drainctl-secret': 'hook-secret-0123456789' } });
    expect(asked.status).toBe(202);
    expect((await d.close()).outcome).toBe('drained');
    expect(JSON.parse((await send(probe, '/drain/status')).body)).toMatchObject({ state: 'closed', in_flight: { requests: 0 } });
  });

  it('reports a probe port already in use and rejects probeAddress()', async () => {
    const taken = await listen();
    try {
      const { drainer: d, problems } = await start({ probePort: taken.port, probeHost: '127.0.0.1' });
      await expect(d.probeAddress()).rejects.toThrow(/EADDRINUSE/);
      expect(problems).toEqual([expect.objectContaining({ source: 'probeServer', message: expect.stringContaining('EADDRINUSE') })]);
    } finally {
      await closeServer(taken.server);
    }
  });
});
