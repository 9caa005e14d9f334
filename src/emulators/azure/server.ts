/**
 * The HTTP side: read the JSON body, hand the request to the pipeline, send its JSON reply,
 * or drop the connection for a reset fault. Of the headers only If-Match is read; the
 * Authorization header's presence is noted, its value never touched.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AzureReply, AzureRequest } from './pipeline.js';

/** A gateway with every example's settings is ~30 KB; far larger is not a client we emulate for. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** A listening server. */
export interface HttpEndpoint {
  readonly url: string;
  readonly port: number;
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

function send(res: ServerResponse, reply: AzureReply): void {
  const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...(text !== '' && { 'Content-Type': 'application/json; charset=utf-8' }),
    'Content-Length': Buffer.byteLength(text),
    'x-ms-request-id': randomUUID(),
    Date: new Date().toUTCString(),
    ...reply.headers,
  });
  res.end(text);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Listens on host:port (0 = any free port) and hands each request to `handle`. */
export async function listen(host: string, port: number, handle: (request: AzureRequest) => Promise<AzureReply>): Promise<HttpEndpoint> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://emulator');
      const text = req.method === 'GET' ? '' : await readBody(req);
      if (text === undefined) {
        res.writeHead(413).end();
        return;
      }
      const body = parseJson(text);
      if (!body.ok) {
        send(res, { status: 400, headers: {}, body: { error: { code: 'InvalidRequestContent', message: 'The request content was invalid and could not be deserialized.' } } });
        return;
      }
      const ifMatch = req.headers['if-match'];
      const reply = await handle({
        method: (req.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        query: url.searchParams,
        base: `http://${req.headers.host ?? `${host}:${port}`}`,
        ...(typeof ifMatch === 'string' && { ifMatch }),
        authorization: req.headers.authorization !== undefined,
        body: body.value,
      });
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
  if (address === null || typeof address === 'string') throw new Error('the Azure emulator did not get a TCP port');
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
