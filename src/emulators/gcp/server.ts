/**
 * The HTTP side: decode JSON requests, hand them to the pipeline, send its reply (or drop the
 * connection for a reset fault). Header values are never read or recorded, only their names, so
 * a bearer token that arrives goes nowhere.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { IncomingRequest, Reply } from './pipeline.js';

/** Compute requests are a few KB; anything far larger is not a client we emulate for. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpEndpoint {
  readonly url: string;
  readonly port: number;
  /** Stops accepting, destroys open connections and resolves once the server is closed. */
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  const body = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(body), Date: new Date().toUTCString() });
  res.end(body);
}

async function decode(req: IncomingMessage, signal: AbortSignal): Promise<IncomingRequest | undefined> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const text = await readBody(req);
  if (text === undefined) return undefined;
  let body: unknown;
  let bodyError: string | undefined;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch (error) {
      bodyError = (error as Error).message;
    }
  }
  return { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body, bodyError, headerNames: Object.keys(req.headers).sort(), signal };
}

/** Listens on host:port (0 = any free port) and hands each decoded request to `handle`. */
export async function listen(host: string, port: number, handle: (request: IncomingRequest) => Promise<Reply>): Promise<HttpEndpoint> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    void (async () => {
      const request = await decode(req, gone.signal);
      if (!request) {
        res.writeHead(413).end();
        return;
      }
      const reply = await handle(request);
      if (reply.reset) req.socket.destroy();
      else send(res, reply);
    })().catch(() => req.socket.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the GCP emulator did not get a TCP port');
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return stopping;
    },
  };
}
