/**
 * The HTTP side: decode JSON requests, hand them to the pipeline, send its reply (or drop the
 * connection for a reset fault). Header values are never read or recorded, only their names, so
 * a bearer token that arrives goes nowhere.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answer, payloadTooLarge, readBody, serve, type HttpEndpoint } from '../shared/server.js';
import type { IncomingRequest, Reply } from './pipeline.js';

/** Compute requests are a few KB; anything far larger is not a client we emulate for. */
const MAX_BODY_BYTES = 1024 * 1024;

function send(res: ServerResponse, reply: Reply): void {
  const body = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(body), Date: new Date().toUTCString() });
  res.end(body);
}

async function decode(req: IncomingMessage, signal: AbortSignal): Promise<IncomingRequest | undefined> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const text = await readBody(req, MAX_BODY_BYTES);
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
export function listen(host: string, port: number, handle: (request: IncomingRequest) => Promise<Reply>): Promise<HttpEndpoint> {
  return serve(host, port, 'GCP', async (req, res) => {
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const request = await decode(req, gone.signal);
    if (!request) return payloadTooLarge(res);
    answer(req, res, await handle(request), send);
  });
}
