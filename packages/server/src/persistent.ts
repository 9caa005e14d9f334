import { Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';
import type { InFlightCounter, WorkEntry, WorkKind } from './in-flight.js';
import { runReported, type ReportProblem } from './problems.js';
import { workOf, type DrainableResponse } from './work.js';

/** What trackWebSocket needs of a WebSocket; a `ws` WebSocket fits. */
export interface TrackableWebSocket {
  readonly readyState: number;
  close(code?: number, reason?: string): void;
  terminate(): void;
  once(event: 'close', listener: () => void): unknown;
}

/** A long-lived connection the drainer asks to end when the listener stops, and cuts at the deadline. */
interface PersistentItem {
  release(): void;
  force(): void;
}

export interface PersistentSettings {
  readonly sseRetryMs: number;
  readonly webSocketCloseTimeout: number;
}

const WS_OPEN = 1;
const WS_CLOSING = 2;
/** RFC 6455 §7.4.1: "an endpoint is going away, such as a server going down". */
const GOING_AWAY = 1001;
const kUpgradeWork = Symbol('drainctl.upgradeWork');
type UpgradedSocket = Socket & { [kUpgradeWork]?: WorkEntry };

const noop = (): void => undefined;

/**
 * Long-lived work: WebSockets, SSE streams, long polls, upgraded sockets and anything handed to track().
 * Each is counted while open; release() asks each to end the polite way for its protocol.
 */
export class PersistentWork {
  private readonly items = new Set<PersistentItem>();
  private readonly untrackers = new WeakMap<object, () => void>();
  private released = false;

  constructor(
    private readonly inFlight: InFlightCounter,
    private readonly settings: PersistentSettings,
    private readonly report: ReportProblem,
  ) {}

  /** Counts one piece of work until `done` is called, releasing it at once if the drain already released. */
  private add(key: object, item: PersistentItem, onUntrack: () => void = noop): () => void {
    let open = true;
    const done = (): void => {
      if (!open) return;
      open = false;
      this.items.delete(item);
      this.untrackers.delete(key);
      onUntrack();
    };
    this.items.add(item);
    this.untrackers.set(key, done);
    if (this.released) item.release();
    return done;
  }

  /** Counts a request's response as another kind of work; the response's own 'close' still ends it once. Returns the untrack. */
  private claimResponse(res: DrainableResponse, kind: WorkKind): () => void {
    const counted = workOf(res);
    if (counted) {
      this.inFlight.reclassify(counted, kind);
      return () => this.inFlight.reclassify(counted, 'requests');
    }
    const entry = this.inFlight.start(kind);
    res.once('close', () => this.inFlight.end(entry));
    return () => this.inFlight.end(entry);
  }

  /** An upgraded socket nobody tracked yet: counted as `tracked`, cut at the deadline. */
  addUpgrade(socket: UpgradedSocket): void {
    const entry = this.inFlight.start('tracked');
    socket[kUpgradeWork] = entry;
    const done = this.add(socket, { release: noop, force: () => socket.destroy() });
    socket.once('close', () => {
      this.inFlight.end(entry);
      done();
    });
  }

  track(connection: object, close: () => void | Promise<void>): () => void {
    const existing = this.untrackers.get(connection);
    if (existing) return existing;
    const entry = this.inFlight.start('tracked');
    const done = this.add(connection, {
      release: () => void runReported('track', this.report, close),
      force: noop, // nothing more can be done for a connection only the app knows how to close
    }, () => this.inFlight.end(entry));
    const emitter = connection as { once?: unknown };
    if (typeof emitter.once === 'function') (emitter.once as (event: string, listener: () => void) => void).call(connection, 'close', done);
    return done;
  }

  trackWebSocket(ws: TrackableWebSocket): () => void {
    const existing = this.untrackers.get(ws);
    if (existing) return existing;
    if (ws.readyState >= WS_CLOSING) return noop;
    const entry = this.claimUpgrade(ws) ?? this.inFlight.start('webSocket');
    let timer: NodeJS.Timeout | undefined;
    const done = this.add(ws, {
      release: () => {
        if (ws.readyState !== WS_OPEN) return;
        ws.close(GOING_AWAY, 'Going Away');
        // A client that never answers the close frame would hold the drain: cut it after the handshake timeout.
        timer = setTimeout(() => ws.terminate(), this.settings.webSocketCloseTimeout);
      },
      force: () => ws.terminate(),
    }, () => {
      clearTimeout(timer);
      this.inFlight.end(entry);
    });
    ws.once('close', done);
    return done;
  }

  /** The `ws` library keeps the upgraded socket in `_socket`; if it is one counted at 'upgrade', count it once. */
  private claimUpgrade(ws: TrackableWebSocket): WorkEntry | null {
    const socket = (ws as { _socket?: UpgradedSocket })._socket;
    const entry = socket?.[kUpgradeWork];
    if (!entry?.open) return null;
    this.inFlight.reclassify(entry, 'webSocket');
    return entry;
  }

  trackSse(res: DrainableResponse, retryMs: number = this.settings.sseRetryMs): () => void {
    if (!Number.isInteger(retryMs) || retryMs < 0) throw new RangeError(`trackSse: retryMs must be a whole number of milliseconds >= 0 (got ${retryMs})`);
    const existing = this.untrackers.get(res);
    if (existing) return existing;
    if (res.writableEnded || res.destroyed) return noop;
    const untrack = this.claimResponse(res, 'sse');
    const done = this.add(res, {
      release: () => {
        if (res.writableEnded) return;
        // The `retry:` field sets how long EventSource waits before reconnecting, then the stream ends.
        (res as { write(chunk: string): boolean }).write(`retry: ${retryMs}\n\n`);
        res.end();
      },
      force: () => res.destroy(),
    }, untrack);
    res.once('close', done);
    return done;
  }

  trackLongPoll(res: DrainableResponse, respond?: () => void | Promise<void>): () => void {
    const existing = this.untrackers.get(res);
    if (existing) return existing;
    if (res.writableEnded || res.destroyed) return noop;
    const untrack = this.claimResponse(res, 'longPoll');
    const done = this.add(res, {
      release: () => {
        if (res.writableEnded) return;
        if (!respond) return endEmpty(res);
        // A respond() that fails must not leave the poll hanging: report it and answer empty.
        void runReported('trackLongPoll', (problem) => {
          this.report(problem);
          endEmpty(res);
        }, respond);
      },
      force: () => res.destroy(),
    }, untrack);
    res.once('close', done);
    return done;
  }

  /** Listener stopped: ask every persistent connection to end, and any tracked later at once. */
  releaseAll(): void {
    this.released = true;
    for (const item of [...this.items]) item.release();
  }

  /** Deadline: cut whatever is left. */
  forceAll(): void {
    for (const item of [...this.items]) item.force();
  }
}

/** A long poll's default answer: 204, nothing to say, and on HTTP/1 the connection's last response. */
function endEmpty(res: DrainableResponse): void {
  if (res.writableEnded) return;
  if (!res.headersSent) {
    if (res instanceof Http2ServerResponse) res.writeHead(204);
    else res.writeHead(204, { connection: 'close' });
  }
  res.end();
}
