import type { IncomingMessage, ServerResponse } from 'node:http';
import { Http2ServerRequest, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Server, Socket } from 'node:net';
import type { ConnectionTracker, SocketState } from './connections.js';
import type { InFlightCounter, WorkEntry } from './in-flight.js';
import { answerProbe, probeKindOf, sendOnHttp1, sendOnStream, type ProbeHost, type ProbePaths } from './probes.js';
import { attachWork, workOf, type DrainableResponse } from './work.js';

const kRequest = Symbol('drainctl.request');

/** What a response's close must undo: its count, and its socket's. */
interface OpenRequest {
  readonly entry: WorkEntry;
  readonly socket: Socket;
  readonly state: SocketState;
}

type TrackedResponse = ServerResponse & { [kRequest]?: OpenRequest };

/** What the interception needs from the drainer. */
export interface InterceptionHost {
  /** Probe paths answered on this server, or null when probes live on their own port. */
  readonly probePaths: ProbePaths | null;
  readonly probes: ProbeHost;
  readonly inFlight: InFlightCounter;
  readonly connections: ConnectionTracker;
  /** True from the instant a drain starts. */
  isDraining(): boolean;
  /** A socket left HTTP through an 'upgrade' or 'connect' the app handles. */
  onUpgrade(socket: Socket): void;
}

/**
 * Puts the drainer in front of the server's own events by wrapping its emit. Unlike re-adding 'request'
 * listeners, this also covers listeners the app adds later, and lets probe requests be answered without the
 * app ever seeing them. Returns a function that removes the wrap.
 */
export function interceptServerEvents(server: Server, host: InterceptionHost): { restore(): void; openResponses: Set<ServerResponse> } {
  const openResponses = new Set<ServerResponse>();

  // One handler for every response, reading what it needs from the response: no closure and no
  // once() wrapper per request, on the path every request takes.
  function onResponseClose(this: TrackedResponse): void {
    const open = this[kRequest];
    if (open === undefined) return;
    this[kRequest] = undefined;
    openResponses.delete(this);
    host.inFlight.end(open.entry);
    host.connections.requestEnded(open.socket, open.state);
  }
  const hadOwnEmit = Object.prototype.hasOwnProperty.call(server, 'emit');
  const originalEmit = server.emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
  let active = true;

  const onRequest = (req: IncomingMessage | Http2ServerRequest, res: DrainableResponse): boolean => {
    if (req instanceof Http2ServerRequest) {
      // The stream under this compat request was counted (or answered as a probe) on 'stream'.
      const entry = workOf(req.stream);
      if (entry) attachWork(res, entry);
      return false;
    }
    const response = res as ServerResponse;
    if (host.probePaths) {
      const kind = probeKindOf(req.url, host.probePaths);
      if (kind) {
        sendOnHttp1(response, req.method ?? 'GET', answerProbe(kind, req.method ?? 'GET', req.headers, host.probes), host.isDraining());
        return true;
      }
    }
    const entry = host.inFlight.start('requests');
    attachWork(response, entry);
    const socket = req.socket;
    (response as TrackedResponse)[kRequest] = { entry, socket, state: host.connections.requestStarted(socket) };
    openResponses.add(response);
    if (host.isDraining()) response.setHeader('connection', 'close');
    // 'close' comes once, whether the response finished, was aborted or errored.
    response.on('close', onResponseClose);
    return false;
  };

  const onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean => {
    const method = String(headers[':method'] ?? 'GET');
    const kind = host.probePaths ? probeKindOf(headers[':path'] as string | undefined, host.probePaths) : null;
    if (kind) {
      sendOnStream(stream, method, answerProbe(kind, method, headers, host.probes));
      host.connections.probeStreamOn(stream.session);
      return true;
    }
    const entry = host.inFlight.start('requests');
    attachWork(stream, entry);
    const session = stream.session;
    host.connections.streamStarted(session);
    stream.once('close', () => {
      host.inFlight.end(entry);
      host.connections.streamEnded(session);
    });
    return false;
  };

  // Named parameters and `arguments` rather than rest and spread: no array built per event.
  function emit(this: Server, event: string | symbol, first?: unknown, second?: unknown): boolean {
    if (active) {
      if (event === 'request') {
        if (onRequest(first as IncomingMessage, second as DrainableResponse)) return true;
      } else if (event === 'stream') {
        if (onStream(first as ServerHttp2Stream, second as IncomingHttpHeaders)) return true;
      } else if ((event === 'upgrade' || event === 'connect') && this.listenerCount(event) > 0) {
        // Without a listener Node destroys the socket itself; with one, the app now owns a non-HTTP connection.
        host.onUpgrade(second as Socket);
      }
    }
    // eslint-disable-next-line prefer-rest-params
    return originalEmit.apply(this, arguments as unknown as [string | symbol, ...unknown[]]);
  }

  server.emit = emit as Server['emit'];
  return {
    openResponses,
    restore() {
      active = false;
      if (server.emit !== (emit as Server['emit'])) return; // someone wrapped after us: stay in their chain, passing through
      if (hadOwnEmit) server.emit = originalEmit as Server['emit'];
      else delete (server as { emit?: unknown }).emit;
    },
  };
}
