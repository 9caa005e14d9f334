import { constants as h2, type Http2Session } from 'node:http2';
import type { Server, Socket } from 'node:net';

/** Per HTTP/1 connection: responses in progress, and whether it left HTTP (upgrade, CONNECT). */
export interface SocketState {
  active: number;
  upgraded: boolean;
  /** socket.bytesRead when it last went idle: more bytes since then means a next request is arriving. */
  bytesReadWhenIdle: number;
}

const kSocketState = Symbol('drainctl.socketState');
type TrackedSocket = Socket & { [kSocketState]?: SocketState; alpnProtocol?: string | false };

/** Ends the socket after its pending writes are flushed (the last response's bytes are never dropped). */
function closeGently(socket: Socket): void {
  if (!socket.destroyed) socket.destroySoon();
}

/**
 * Connected and never sent a byte, or (TLS) finished the handshake and never sent a request. An HTTP/2 session
 * reads its socket natively, so its bytesRead stays 0: those are excluded and closed through their session.
 */
function isUnused(socket: TrackedSocket): boolean {
  return !socket[kSocketState] && socket.alpnProtocol !== 'h2' && socket.bytesRead === 0;
}

const LAST_POSSIBLE_STREAM = 2 ** 31 - 1;
const kStreams = Symbol('drainctl.activeStreams');
const kNoticed = Symbol('drainctl.goawayNoticeSent');
type TrackedSession = Http2Session & { [kStreams]?: number; [kNoticed]?: boolean };

function finalGoaway(session: Http2Session): void {
  // close() sends GOAWAY naming the last stream taken: streams in progress finish, new ones are refused.
  if (!session.closed && !session.destroyed) session.close();
}

/**
 * Graceful HTTP/2 shutdown. An idle session gets its final GOAWAY at once. A busy one first gets a GOAWAY naming
 * the highest possible stream (RFC 9113 §6.8), so requests already on the wire are still taken; the final GOAWAY
 * follows one round trip later (PING ack) or when its last stream ends, whichever comes first. The second
 * trigger matters: a node:http2 client that got the notice and has no stream left stops answering PINGs.
 */
function closeSession(session: TrackedSession): void {
  if (session.closed || session.destroyed || session[kNoticed]) return;
  if (!session[kStreams]) return finalGoaway(session);
  session[kNoticed] = true;
  try {
    session.goaway(h2.NGHTTP2_NO_ERROR, LAST_POSSIBLE_STREAM);
    if (!session.ping(() => finalGoaway(session))) finalGoaway(session);
  } catch {
    finalGoaway(session); // the session went away between the check and the frame
  }
}

/**
 * Knows every connection of one server: TCP sockets, TLS sockets, HTTP/2 sessions, and for HTTP/1 sockets
 * how many responses are in progress. It closes connections when no work is on them and destroys them at the deadline.
 * Work is tracked per connection, never per request, apart from two counter updates.
 */
export class ConnectionTracker {
  private readonly sockets = new Set<TrackedSocket>();
  private readonly sessions = new Set<TrackedSession>();
  private draining = false;

  constructor(private readonly server: Server) {
    server.on('connection', this.onSocket);
    server.on('secureConnection', this.onSocket);
    server.on('session', this.onSession);
  }

  detach(): void {
    this.server.off('connection', this.onSocket);
    this.server.off('secureConnection', this.onSocket);
    this.server.off('session', this.onSession);
  }

  private readonly onSocket = (socket: TrackedSocket): void => {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  };

  private readonly onSession = (session: TrackedSession): void => {
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
  };

  /** Called when an HTTP/1 request starts on `socket`. */
  requestStarted(socket: TrackedSocket): SocketState {
    let state = socket[kSocketState];
    if (!state) {
      state = { active: 0, upgraded: false, bytesReadWhenIdle: 0 };
      socket[kSocketState] = state;
    }
    state.active++;
    return state;
  }

  /** Called exactly once when that request's response closes. During a drain, a socket left without work is closed. */
  requestEnded(socket: Socket, state: SocketState): void {
    state.active--;
    if (state.active > 0) return;
    state.bytesReadWhenIdle = socket.bytesRead;
    if (this.draining && !state.upgraded) closeGently(socket);
  }

  /** The socket left HTTP (WebSocket upgrade, CONNECT): it is never closed as idle, only destroyed at the deadline. */
  markUpgraded(socket: TrackedSocket): void {
    this.requestStarted(socket).upgraded = true;
  }

  /** Called when an HTTP/2 stream starts; during a drain, its session is told to go after it. */
  streamStarted(session: TrackedSession | undefined): void {
    if (!session) return;
    session[kStreams] = (session[kStreams] ?? 0) + 1;
    if (this.draining) closeSession(session);
  }

  /** A probe was answered on this session: during a drain, the session is told to go all the same. */
  probeStreamOn(session: TrackedSession | undefined): void {
    if (session && this.draining) closeSession(session);
  }

  /** Called exactly once when that stream closes. */
  streamEnded(session: TrackedSession | undefined): void {
    if (!session || !session[kStreams]) return;
    session[kStreams]--;
    if (session[kStreams] === 0 && session[kNoticed]) finalGoaway(session);
  }

  /**
   * Drain start: send GOAWAY on every HTTP/2 session and, with `closeIdle`, close idle keep-alive
   * sockets now. From here a socket whose last response ends is closed.
   */
  startDraining(closeIdle = true): void {
    this.draining = true;
    for (const socket of closeIdle ? this.sockets : []) {
      const state = socket[kSocketState];
      if (state && state.active === 0 && !state.upgraded && socket.bytesRead === state.bytesReadWhenIdle) closeGently(socket);
    }
    for (const session of this.sessions) closeSession(session);
  }

  /** Listener stop: also close sockets that connected but never sent a byte (browser preconnects). */
  closeUnused(): void {
    this.startDraining();
    for (const socket of this.sockets) {
      if (isUnused(socket)) socket.destroy();
    }
  }

  /**
   * Drain complete: no work is left, so the HTTP/1 sockets and sessions still open are closed. Sockets under
   * TLS or under an HTTP/2 session are left to their owner, which flushes its last bytes before closing them.
   */
  closeAll(): void {
    for (const session of this.sessions) finalGoaway(session);
    for (const socket of this.sockets) {
      const state = socket[kSocketState];
      if (state && !state.upgraded) closeGently(socket);
      else if (isUnused(socket)) socket.destroy();
    }
  }

  /** Deadline: destroy everything, in-progress responses and upgraded sockets included. */
  destroyAll(): void {
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
  }

  get openConnections(): number {
    return this.sockets.size;
  }
}
