import express from 'express';
import Fastify from 'fastify';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server, Socket } from 'node:net';
import Koa from 'koa';
import { WebSocketServer } from 'ws';
import type { DrainableServer, Drainer } from '../../src/index.js';
import { Gate } from './gate.js';
import type { TestCertificate } from './tls.js';

/**
 * One test app, mounted the native way in each server kind: /fast answers at once with the client's port
 * (to tell connections apart), /slow waits at a gate, /boom throws, /sse and /poll hold their response,
 * and /ws upgrades to a WebSocket. Every persistent connection is handed to the drainer.
 */
export interface AppContext {
  drainer: Drainer | null;
  readonly gate: Gate;
  /** What the app saw, in order, e.g. "app: /slow closed while drained". */
  readonly log: string[];
  note(entry: string): void;
  /** Resolves once the log has an entry starting with `prefix`. */
  when(prefix: string): Promise<void>;
}

export function newContext(): AppContext {
  const log: string[] = [];
  const waiting: { prefix: string; resolve: () => void }[] = [];
  return {
    drainer: null,
    gate: new Gate(),
    log,
    note(entry) {
      log.push(entry);
      for (const waiter of waiting.filter((w) => entry.startsWith(w.prefix))) waiter.resolve();
    },
    when(prefix) {
      if (log.some((entry) => entry.startsWith(prefix))) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ prefix, resolve }));
    },
  };
}

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

function drainerOf(ctx: AppContext): Drainer {
  if (!ctx.drainer) throw new Error('test app: set ctx.drainer before sending requests');
  return ctx.drainer;
}

const portOf = (req: AnyRequest): string => String(req.socket.remotePort);

function noteClose(ctx: AppContext, res: AnyResponse, path: string): void {
  res.on('close', () => ctx.note(`app: ${path} closed while ${ctx.drainer?.state}`));
}

function startSse(ctx: AppContext, res: AnyResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  (res as ServerResponse).write('data: hello\n\n');
  drainerOf(ctx).trackSse(res);
}

function startPoll(ctx: AppContext, res: AnyResponse): void {
  drainerOf(ctx).trackLongPoll(res);
  ctx.note('app: /poll waiting');
}

/** The app on a bare node:http / node:https / node:http2 server. */
function rawHandler(ctx: AppContext) {
  return (req: AnyRequest, res: AnyResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/fast') return void res.end(portOf(req));
    if (path === '/slow') {
      noteClose(ctx, res, '/slow');
      return void ctx.gate.pass().then(() => res.end('done'));
    }
    if (path === '/sse') return startSse(ctx, res);
    if (path === '/poll') return startPoll(ctx, res);
    if (path === '/boom') {
      res.writeHead(500);
      return void res.end('boom');
    }
    res.writeHead(404);
    res.end('not found');
  };
}

function expressApp(ctx: AppContext): express.Express {
  const app = express();
  app.get('/fast', (req, res) => void res.send(portOf(req)));
  app.get('/slow', async (_req, res) => {
    noteClose(ctx, res, '/slow');
    await ctx.gate.pass();
    res.send('done');
  });
  app.get('/sse', (_req, res) => startSse(ctx, res));
  app.get('/poll', (_req, res) => startPoll(ctx, res));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  return app;
}

function fastifyApp(ctx: AppContext) {
  const app = Fastify();
  app.get('/fast', async (request) => portOf(request.raw));
  app.get('/slow', async (_request, reply) => {
    noteClose(ctx, reply.raw, '/slow');
    await ctx.gate.pass();
    return 'done';
  });
  app.get('/sse', (_request, reply) => {
    reply.hijack();
    startSse(ctx, reply.raw);
  });
  app.get('/poll', (_request, reply) => {
    reply.hijack();
    startPoll(ctx, reply.raw);
  });
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  return app;
}

function koaApp(ctx: AppContext): Koa {
  const app = new Koa();
  app.silent = true; // the /boom error is expected; keep it off stderr
  app.use(async (koa) => {
    if (koa.path === '/fast') koa.body = portOf(koa.req);
    else if (koa.path === '/slow') {
      noteClose(ctx, koa.res, '/slow');
      await ctx.gate.pass();
      koa.body = 'done';
    } else if (koa.path === '/sse' || koa.path === '/poll') {
      koa.respond = false;
      (koa.path === '/sse' ? startSse : startPoll)(ctx, koa.res);
    } else if (koa.path === '/boom') throw new Error('boom');
  });
  return app;
}

/** WebSockets on /ws, for every server kind: the app hands each one to the drainer. */
function acceptWebSockets(ctx: AppContext, server: Server): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      drainerOf(ctx).trackWebSocket(ws);
      ws.on('message', (data) => ws.send(data));
    });
  });
  return wss;
}

function listening(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    const port = (): number => (server.address() as AddressInfo).port;
    if (server.listening) return resolve(port());
    server.once('error', reject);
    server.once('listening', () => resolve(port()));
  });
}

export interface StartedApp {
  readonly server: DrainableServer;
  readonly port: number;
  /** The framework object, for createDrainer's `app` option (Express, Fastify). */
  readonly app?: unknown;
  /** Closes whatever the test left open (bounded by the caller's timeouts). */
  stop(): Promise<void>;
}

export interface ServerFactory {
  readonly name: string;
  readonly tls: boolean;
  /** True when clients speak HTTP/2 to it. */
  readonly h2: boolean;
  start(ctx: AppContext, certificate: TestCertificate): Promise<StartedApp>;
}

async function started(ctx: AppContext, server: DrainableServer, app?: unknown, extraStop?: () => Promise<void>): Promise<StartedApp> {
  // Long enough that no keep-alive timer, the server's or the client's, closes a connection during a test: only the drainer may.
  if ('keepAliveTimeout' in server) server.keepAliveTimeout = 60_000;
  const wss = acceptWebSockets(ctx, server);
  const port = await listening(server);
  return {
    server,
    port,
    app,
    async stop() {
      wss.close();
      if (server.listening) server.close();
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await extraStop?.();
    },
  };
}

export const FACTORIES: readonly ServerFactory[] = [
  {
    name: 'node:http',
    tls: false,
    h2: false,
    start: (ctx) => started(ctx, createHttpServer(rawHandler(ctx)).listen(0, '127.0.0.1')),
  },
  {
    name: 'node:https',
    tls: true,
    h2: false,
    start: (ctx, { key, cert }) => started(ctx, createHttpsServer({ key, cert }, rawHandler(ctx)).listen(0, '127.0.0.1')),
  },
  {
    name: 'node:http2 (secure, allowHTTP1)',
    tls: true,
    h2: true,
    start: (ctx, { key, cert }) => started(ctx, createSecureServer({ key, cert, allowHTTP1: true }, rawHandler(ctx)).listen(0, '127.0.0.1')),
  },
  {
    name: 'Express',
    tls: false,
    h2: false,
    start: (ctx) => {
      const app = expressApp(ctx);
      return started(ctx, createHttpServer(app).listen(0, '127.0.0.1'), app);
    },
  },
  {
    name: 'Fastify',
    tls: false,
    h2: false,
    start: async (ctx) => {
      const app = fastifyApp(ctx);
      await app.listen({ port: 0, host: '127.0.0.1' });
      return started(ctx, app.server, app, async () => {
        await app.close().catch(() => undefined);
      });
    },
  },
  {
    name: 'Koa',
    tls: false,
    h2: false,
    start: (ctx) => started(ctx, koaApp(ctx).listen(0, '127.0.0.1')),
  },
];
