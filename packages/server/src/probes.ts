import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { constants as h2, type ServerHttp2Stream } from 'node:http2';
import { secretsMatch } from './secret.js';
import type { DrainState } from './states.js';
import type { ServerStatus } from './status.js';

export type ProbeKind = 'health' | 'live' | 'status';

/** The header a remote drain must carry. */
export const SECRET_HEADER = 'x-drainctl-secret';

/** What the probe answers need from the drainer. */
export interface ProbeHost {
  readonly state: DrainState;
  readonly remoteDrainSecret: string | null;
  status(): ServerStatus;
  startRemoteDrain(): void;
}

export interface ProbePaths {
  readonly healthPath: string;
  readonly livenessPath: string;
  readonly statusPath: string;
}

export interface ProbeReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Which probe a request URL asks for, or null for the app's own paths. The query string is ignored. */
export function probeKindOf(url: string | undefined, paths: ProbePaths): ProbeKind | null {
  if (url === undefined) return null;
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (path === paths.healthPath) return 'health';
  if (path === paths.livenessPath) return 'live';
  if (path === paths.statusPath) return 'status';
  return null;
}

const json = (status: number, body: unknown, extra: Record<string, string> = {}): ProbeReply => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...extra },
  body: `${JSON.stringify(body)}\n`,
});

function answerStatus(method: string, headers: IncomingHttpHeaders, host: ProbeHost): ProbeReply {
  if (method === 'GET' || method === 'HEAD') return json(200, host.status());
  if (method !== 'POST') return json(405, { error: `${method} is not allowed here; use GET (or POST for a remote drain)` }, { allow: 'GET, HEAD, POST' });
  if (host.remoteDrainSecret === null) return json(405, { error: 'remote drain is off (createDrainer option remoteDrain)' }, { allow: 'GET, HEAD' });
  const presented = headers[SECRET_HEADER];
  if (!secretsMatch(typeof presented === 'string' ? presented : undefined, host.remoteDrainSecret)) {
    return json(403, { error: `missing or wrong ${SECRET_HEADER} header` });
  }
  host.startRemoteDrain();
  return json(202, host.status());
}

/** The answer to a probe request. Health is 503 from the instant a drain starts; liveness is 200 until closed. */
export function answerProbe(kind: ProbeKind, method: string, headers: IncomingHttpHeaders, host: ProbeHost): ProbeReply {
  if (kind === 'status') return answerStatus(method, headers, host);
  if (method !== 'GET' && method !== 'HEAD') return json(405, { error: `${method} is not allowed here; use GET` }, { allow: 'GET, HEAD' });
  const state = host.state;
  const ok = kind === 'health' ? state === 'serving' : state !== 'closed';
  return json(ok ? 200 : 503, { state });
}

/** Sends a probe reply on an HTTP/1.x response; during a drain it is the connection's last. */
export function sendOnHttp1(res: ServerResponse, method: string, reply: ProbeReply, lastOnConnection: boolean): void {
  const headers: Record<string, string | number> = { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) };
  if (lastOnConnection) headers.connection = 'close';
  res.writeHead(reply.status, headers);
  res.end(method === 'HEAD' ? undefined : reply.body);
}

/** Sends a probe reply on an HTTP/2 stream. */
export function sendOnStream(stream: ServerHttp2Stream, method: string, reply: ProbeReply): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ [h2.HTTP2_HEADER_STATUS]: reply.status, ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
  stream.end(method === 'HEAD' ? undefined : reply.body);
}
