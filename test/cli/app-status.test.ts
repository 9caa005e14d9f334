/**
 * The CLI's reader of an app's drain status, against a real HTTP server on loopback: what is a
 * drainctl status document, what is not (refused with the reason), and what is no answer.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppStatusError } from '../../src/core/app-idle.js';
import { readAppStatus } from '../../src/app-status/read.js';
import { freePort } from '../support/ports.js';

const GOOD = {
  schema: 'drainctl.server-status/v1', state: 'draining', pid: 4242,
  in_flight: { requests: 2, persistent: 1, web_socket: 1, sse: 0, long_poll: 0, tracked: 0 },
  drain_started_at: '2026-12-04T18:00:00.000Z', drain_timeout_ms: 30000, shutdown_delay_ms: 5000,
  last_request_ended_at: null, idle_for_ms: null, accepting: true,
};

const ROUTES: Record<string, (res: import('node:http').ServerResponse) => void> = {
  '/good': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(GOOD)),
  '/idle': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...GOOD, in_flight: { ...GOOD.in_flight, requests: 0, persistent: 0 }, idle_for_ms: 1200 })),
  '/other-schema': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'UP' })),
  '/html': (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'),
  '/negative': (res) => res.writeHead(200).end(JSON.stringify({ ...GOOD, in_flight: { ...GOOD.in_flight, requests: -1 } })),
  '/missing': (res) => res.writeHead(404).end('not found'),
  '/failing': (res) => res.writeHead(503).end('busy'),
  '/huge': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...GOOD, pad: 'x'.repeat(100_000) })),
  '/slow': () => undefined, // never answers
};

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => (ROUTES[req.url ?? ''] ?? ROUTES['/missing']!)(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const read = (path: string, ms = 2000) => readAppStatus(`${base}${path}`, AbortSignal.timeout(ms));
const failure = async (p: Promise<unknown>) => {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppStatusError);
  return error as AppStatusError;
};

describe("reading an app's drain status", () => {
  it('keeps what drainctl uses from a status document', async () => {
    expect(await read('/good')).toEqual({ state: 'draining', requests: 2, persistent: 1, idleForMs: undefined, drainTimeoutMs: 30000, shutdownDelayMs: 5000 });
    expect(await read('/idle')).toMatchObject({ requests: 0, persistent: 0, idleForMs: 1200 });
  });

  it.each([
    ['/other-schema', '"schema" is missing, not "drainctl.server-status/v1"'],
    ['/html', 'the answer is not JSON (text/html)'],
    ['/negative', 'in_flight.requests is not a count'],
    ['/missing', 'HTTP 404'],
    ['/huge', 'too large for a status document'],
  ])('%s is not a status endpoint: %s', async (path, reason) => {
    const error = await failure(read(path));
    expect(error.kind).toBe('not_status');
    expect(error.message).toContain(reason);
  });

  it('a 5xx, a refused connection and no answer in time are no answer, not a wrong one', async () => {
    expect(await failure(read('/failing'))).toMatchObject({ kind: 'unreachable', message: 'HTTP 503' });
    expect(await failure(readAppStatus(`http://127.0.0.1:${await freePort()}/drain/status`, AbortSignal.timeout(2000)))).toMatchObject({ kind: 'unreachable', message: 'ECONNREFUSED' });
    expect(await failure(read('/slow', 300))).toMatchObject({ kind: 'unreachable', message: 'no answer in time' });
  });
});
