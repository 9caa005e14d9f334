import express from 'express';
import Fastify from 'fastify';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createDrainer, DrainerOptionsError, type Drainer, type DrainerOptions } from '../src/index.js';
import { closeServer, listen } from './support/http.js';

/** Every bad input is refused at createDrainer with one DrainerOptionsError naming the option and the way out. */

const servers: Server[] = [];
const drainers: Drainer[] = [];

async function freshServer(): Promise<Server> {
  const { server } = await listen();
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(drainers.splice(0).map((d) => d.close()));
  await Promise.all(servers.splice(0).map(closeServer));
});

function refusal(run: () => unknown): DrainerOptionsError {
  try {
    run();
  } catch (error) {
    if (error instanceof DrainerOptionsError) return error;
    throw error;
  }
  throw new Error('expected a DrainerOptionsError');
}

const BAD: readonly [string, DrainerOptions | Record<string, unknown>, string, RegExp][] = [
  ['negative timeout', { drainTimeout: -1 }, 'drainTimeout', /drainTimeout must be a number of milliseconds from 1 to 2147483647 \(got -1\)/],
  ['non-numeric timeout', { drainTimeout: '30s' }, 'drainTimeout', /got "30s"/],
  ['NaN timeout', { hookTimeout: Number.NaN }, 'hookTimeout', /hookTimeout must be/],
  ['infinite timeout', { drainTimeout: Number.POSITIVE_INFINITY }, 'drainTimeout', /got Infinity/],
  ['zero drain timeout', { drainTimeout: 0 }, 'drainTimeout', /from 1/],
  ['timeout past the timer limit', { drainTimeout: 2 ** 31 }, 'drainTimeout', /2147483647/],
  ['negative shutdown delay', { shutdownDelay: -5 }, 'shutdownDelay', /from 0/],
  ['delay longer than the drain', { shutdownDelay: 40_000, drainTimeout: 30_000 }, 'shutdownDelay', /shutdownDelay \(40000 ms\) must not exceed drainTimeout \(30000 ms\)/],
  ['negative WebSocket close timeout', { webSocketCloseTimeout: -1 }, 'webSocketCloseTimeout', /from 0/],
  ['fractional SSE retry', { sseRetryMs: 1.5 }, 'sseRetryMs', /whole number/],
  ['relative path', { healthPath: 'health' }, 'healthPath', /absolute path starting with "\/".*e\.g\. "\/health"/],
  ['path with a query', { statusPath: '/status?x=1' }, 'statusPath', /without spaces, "\?" or "#"/],
  ['path with a space', { livenessPath: '/li ve' }, 'livenessPath', /absolute path/],
  ['path that is not a string', { healthPath: 42 }, 'healthPath', /got 42/],
  ['duplicate paths', { livenessPath: '/health' }, 'livenessPath', /healthPath and livenessPath are both "\/health"/],
  ['duplicate paths, other pair', { statusPath: '/ready', healthPath: '/ready' }, 'statusPath', /both "\/ready"/],
  ['port out of range', { probePort: 70_000 }, 'probePort', /from 0 to 65535/],
  ['fractional port', { probePort: 80.5 }, 'probePort', /integer port/],
  ['probe host without a probe port', { probeHost: '127.0.0.1' }, 'probeHost', /only applies with probePort/],
  ['empty probe host', { probePort: 0, probeHost: '' }, 'probeHost', /host name or address/],
  ['empty signal list', { signals: [] }, 'signals', /or false to install none/],
  ['signal that is not a list', { signals: 'SIGTERM' }, 'signals', /non-empty list/],
  ['unknown signal', { signals: ['SIGTERM', 'SIGFOO'] }, 'signals', /"SIGFOO" is not a signal name/],
  ['uncatchable signal', { signals: ['SIGKILL'] }, 'signals', /SIGKILL cannot be caught/],
  ['signal listed twice', { signals: ['SIGTERM', 'SIGTERM'] }, 'signals', /twice/],
  ['exit that is not a boolean', { exit: 'yes', signals: ['SIGTERM'] }, 'exit', /true or false/],
  ['exit without signals', { exit: true, signals: false }, 'exit', /exit: true needs signals/],
  ['hook that is not a function', { beforeShutdown: 'flush' }, 'beforeShutdown', /must be a function/],
  ['callback that is not a function', { onStateChange: {} }, 'onStateChange', /must be a function \(got an object\)/],
  ['short remote drain secret', { remoteDrain: { secret: 'hunter2' } }, 'remoteDrain', /at least 16 characters/],
  ['remote drain without a secret', { remoteDrain: {} }, 'remoteDrain', /remoteDrain.secret/],
  ['remote drain as a string', { remoteDrain: 'a-secret-of-enough-length-1234' }, 'remoteDrain', /\{ secret: string \} or false/],
  ['recorder without record()', { recorder: {} }, 'recorder', /record\(change\) method/],
  ['misspelt option', { drainTimout: 1000 }, 'drainTimout', /unknown option "drainTimout" \(known: drainTimeout,/],
  ['app that is neither Express nor Fastify', { app: { routes: [] } }, 'app', /Express app or a Fastify instance/],
];

describe('createDrainer refuses bad options', () => {
  it.each(BAD)('%s', async (_name, options, option, message) => {
    const server = await freshServer();
    const error = refusal(() => createDrainer(server, { signals: false, ...options } as DrainerOptions));
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
    expect(error.name).toBe('DrainerOptionsError');
    // A refused server is still free to get a drainer.
    drainers.push(createDrainer(server, { signals: false }));
  });

  it('never puts the remote drain secret in a message', async () => {
    const server = await freshServer();
    expect(refusal(() => createDrainer(server, { signals: false, remoteDrain: { secret: 'hunter2' } })).message).not.toContain('hunter2');
  });

  it('accepts every option at its edge', async () => {
    const server = await freshServer();
    const options: DrainerOptions = {
      drainTimeout: 1, shutdownDelay: 1, healthPath: '/', livenessPath: '/l', statusPath: '/s', probePort: 0, probeHost: '127.0.0.1', signals: false,
      sseRetryMs: 0, webSocketCloseTimeout: 0, hookTimeout: 1, remoteDrain: false,
    };
    drainers.push(createDrainer(server, options));
  });
});

describe('createDrainer refuses servers it cannot drain', () => {
  it('a value that is not a server', () => {
    const error = refusal(() => createDrainer({} as Server, { signals: false }));
    expect(error.option).toBe('server');
    expect(error.message).toMatch(/for Fastify pass fastify.server/);
  });

  it('a server that was closed', async () => {
    const server = await freshServer();
    await closeServer(server);
    expect(refusal(() => createDrainer(server, { signals: false })).message).toMatch(/already closed/);
  });

  it('a second drainer on the same server', async () => {
    const server = await freshServer();
    drainers.push(createDrainer(server, { signals: false }));
    expect(refusal(() => createDrainer(server, { signals: false })).message).toMatch(/already has a drainer/);
  });

  it('but takes a server that is not listening yet', () => {
    const server = createServer();
    const drainer = createDrainer(server, { signals: false });
    drainers.push(drainer);
    expect(drainer.status().accepting).toBe(false);
  });
});

describe('probe paths that collide with app routes', () => {
  it("Express: a route on the app's router, by exact path or pattern", async () => {
    const app = express();
    app.get('/health', (_req, res) => void res.send('mine'));
    app.post('/drain/:action', (_req, res) => void res.send('mine'));
    const exact = refusal(() => createDrainer(createServer(app), { signals: false, app }));
    expect(exact.option).toBe('healthPath');
    expect(exact.message).toMatch(/healthPath "\/health" collides with the Express route "\/health"/);
    const pattern = refusal(() => createDrainer(createServer(app), { signals: false, app, healthPath: '/ready' }));
    expect(pattern.option).toBe('statusPath');
    expect(pattern.message).toMatch(/Express route "\/drain\/:action"/);
    drainers.push(createDrainer(createServer(app), { signals: false, app, healthPath: '/ready', statusPath: '/status' }));
  });

  it('Fastify: any route, any method', async () => {
    const app = Fastify();
    app.put('/live', async () => 'mine');
    const error = refusal(() => createDrainer(app.server, { signals: false, app }));
    expect(error.option).toBe('livenessPath');
    expect(error.message).toMatch(/Fastify route "\/live"/);
    await app.close();
  });

  it('no collision is possible when probes live on probePort', async () => {
    const app = express();
    app.get('/health', (_req, res) => void res.send('mine'));
    drainers.push(createDrainer(createServer(app), { signals: false, app, probePort: 0, probeHost: '127.0.0.1' }));
  });
});
