import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse, ServerHttp2Stream } from 'node:http2';
import type { WorkEntry } from './in-flight.js';

/** A response the drainer can track: node:http's (what Express, Koa and Fastify hand out) or node:http2's compat one. */
export type DrainableResponse = ServerResponse | Http2ServerResponse;

const kWork = Symbol('drainctl.work');
type Carrier = { [kWork]?: WorkEntry };

/** Links a response (or HTTP/2 stream) to its counted work, so trackSse/trackLongPoll can reclassify it. */
export function attachWork(carrier: DrainableResponse | ServerHttp2Stream, entry: WorkEntry): void {
  (carrier as Carrier)[kWork] = entry;
}

export function workOf(carrier: DrainableResponse | ServerHttp2Stream): WorkEntry | undefined {
  return (carrier as Carrier)[kWork];
}
