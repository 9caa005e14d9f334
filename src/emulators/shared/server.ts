/**
 * The HTTP lifecycle every emulator shares: listen (127.0.0.1 by default, any free port for 0),
 * track open sockets, and a stop() that destroys them so it never waits on keep-alive clients.
 * Decoding requests and encoding replies is each emulator's own.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** A listening server. */
export interface HttpEndpoint {
  readonly url: string;
  readonly port: number;
  /** Stops accepting, destroys open connections and resolves once the server is closed. */
  stop(): Promise<void>;
}

/** The request body as text, or undefined when it grew past `maxBytes` (the request is then destroyed). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
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

/** Answers 413 to a body that was too large. */
export function payloadTooLarge(res: ServerResponse): void {
  res.writeHead(413).end();
}

/** Sends `reply` with `send`, or for a reset fault drops the connection without an answer. */
export function answer<R extends { readonly reset?: boolean }>(req: IncomingMessage, res: ServerResponse, reply: R, send: (res: ServerResponse, reply: R) => void): void {
  if (reply.reset) req.socket.destroy();
  else send(res, reply);
}

/**
 * Listens on host:port (0 = any free port) and runs `handle` for each request; a request whose
 * handling throws loses its connection. `label` names the emulator in the one error it can raise.
 */
export async function serve(host: string, port: number, label: string, handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<HttpEndpoint> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
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
  if (address === null || typeof address === 'string') throw new Error(`the ${label} emulator did not get a TCP port`);
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
