/**
 * The HTTP side: accept awsQuery requests on any path (SDKs keep an endpoint's path prefix),
 * decode the form, and send the pipeline's reply, or drop the connection for a reset fault.
 * Only X-Amz-Target is read (it marks CloudWatch's JSON calls); other headers are never read
 * or recorded, so the SigV4 Authorization header goes nowhere.
 */
import type { ServerResponse } from 'node:http';
import { answer, payloadTooLarge, readBody, serve, type HttpEndpoint } from '../shared/server.js';
import type { JsonReply } from './cloudwatch.js';
import type { Reply } from './pipeline.js';
import { parseQuery, type QueryParams } from './query.js';

/** ELB requests are a few KB; anything far larger is not a client we emulate for. */
const MAX_BODY_BYTES = 1024 * 1024;

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(reply.body),
    'x-amzn-RequestId': reply.requestId,
    Date: new Date().toUTCString(),
  });
  res.end(reply.body);
}

/** Listens on host:port (0 = any free port) and hands each decoded request to `handle`; CloudWatch's JSON calls go to `json`. */
export function listen(host: string, port: number, handle: (params: QueryParams) => Promise<Reply>, json: (target: string, body: string) => JsonReply): Promise<HttpEndpoint> {
  return serve(host, port, 'AWS', async (req, res) => {
    const query = new URL(req.url ?? '/', 'http://emulator').search;
    const body = req.method === 'POST' ? await readBody(req, MAX_BODY_BYTES) : query;
    if (body === undefined) return payloadTooLarge(res);
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string') return sendJson(res, json(target, body));
    answer(req, res, await handle(parseQuery(body)), send);
  });
}

function sendJson(res: ServerResponse, reply: JsonReply): void {
  res.writeHead(reply.status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(reply.body),
    'x-amzn-RequestId': reply.requestId,
  });
  res.end(reply.body);
}
