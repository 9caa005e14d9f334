/**
 * The HTTP side: accept awsQuery requests on any path (SDKs keep an endpoint's path prefix),
 * decode the form, and send the pipeline's reply, or drop the connection for a reset fault.
 * Headers are never read or recorded, so the SigV4 Authorization header goes nowhere.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Reply } from './pipeline.js';
import { parseQuery, type QueryParams } from './query.js';

/** ELB requests are a few KB; anything far larger is not a client we emulate for. */
const MAX_BODY_BYTES = 1024 * 1024;

/** A listening server. */
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
  res.writeHead(reply.status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(reply.body),
    'x-amzn-RequestId': reply.requestId,
    Date: new Date().toUTCString(),
  });
  res.end(reply.body);
}

/** Listens on host:port (0 = any free port) and hands each decoded request to `handle`. */
export async function listen(host: string, port: number, handle: (params: QueryParams) => Promise<Reply>): Promise<HttpEndpoint> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void (async () => {
      const query = new URL(req.url ?? '/', 'http://emulator').search;
      const body = req.method === 'POST' ? await readBody(req) : query;
      if (body === undefined) {
        res.writeHead(413).end();
        return;
      }
      const reply = await handle(parseQuery(body));
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
  if (address === null || typeof address === 'string') throw new Error('the AWS emulator did not get a TCP port');
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
