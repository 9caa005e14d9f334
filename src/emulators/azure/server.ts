/**
 * The HTTP side: read the JSON body, hand the request to the pipeline, send its JSON reply,
 * or drop the connection for a reset fault. Of the headers only If-Match is read; the
 * Authorization header's presence is noted, its value never touched.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { answer, payloadTooLarge, readBody, serve, type HttpEndpoint } from '../shared/server.js';
import type { AzureReply, AzureRequest } from './pipeline.js';

/** A gateway with every example's settings is ~30 KB; far larger is not a client we emulate for. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

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

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

/** Listens on host:port (0 = any free port) and hands each request to `handle`. */
export function listen(host: string, port: number, handle: (request: AzureRequest) => Promise<AzureReply>): Promise<HttpEndpoint> {
  return serve(host, port, 'Azure', async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const text = req.method === 'GET' ? '' : await readBody(req, MAX_BODY_BYTES);
    if (text === undefined) return payloadTooLarge(res);
    const body = parseJson(text);
    const ifMatch = req.headers['if-match'];
    const reply = await handle({
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      base: `http://${req.headers.host ?? `${host}:${port}`}`,
      ...(typeof ifMatch === 'string' && { ifMatch }),
      authorization: req.headers.authorization !== undefined,
      ...(body.ok ? { body: body.value } : { body: undefined, malformed: body.reason }),
    });
    answer(req, res, reply, send);
  });
}
