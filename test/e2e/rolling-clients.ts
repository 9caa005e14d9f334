import { get } from 'node:http';
import { Pool } from 'undici';
import { WebSocket } from 'ws';
import { sleep } from './rolling-lab.js';

/**
 * The clients of the rolling restart, each keeping its own tally: keep-alive HTTP load, WebSocket clients and SSE
 * clients. Each client's own logic reconnects when its connection ends; none of them retries a failed request.
 */

/** What the HTTP load saw. A request counts as ok only with status 200 and its whole body. */
export interface LoadTally {
  made: number;
  ok: number;
  failed: number;
  readonly statuses: Record<string, number>;
  /** The first failures, with the ms since the load started. */
  readonly failures: string[];
}

export interface LoadOptions {
  /** Concurrent request loops, each on the pool's keep-alive connections. */
  readonly loops: number;
  /** Share of requests that take 300-700 ms and stream their body. */
  readonly slowShare: number;
  /** Pause between two requests of one loop. */
  readonly pauseMs: number;
  /** Stop after this many requests in all, whatever happens. */
  readonly maxRequests: number;
}

/** Steady keep-alive load (undici Pool) until stop() is called; stop() resolves once every request settled. */
export function startLoad(origin: string, options: LoadOptions): { stop(): Promise<LoadTally> } {
  const pool = new Pool(origin, { connections: options.loops, pipelining: 1, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const tally: LoadTally = { made: 0, ok: 0, failed: 0, statuses: {}, failures: [] };
  const started = Date.now();
  let stopped = false;
  const fail = (why: string): void => {
    tally.failed += 1;
    if (tally.failures.length < 20) tally.failures.push(`${why} at +${Date.now() - started} ms`);
  };

  const one = async (): Promise<void> => {
    const slow = Math.random() < options.slowShare;
    const path = slow ? `/slow?ms=${300 + Math.floor(Math.random() * 400)}` : '/';
    tally.made += 1;
    try {
      const { statusCode, body } = await pool.request({ path, method: 'GET' });
      const text = await body.text();
      tally.statuses[statusCode] = (tally.statuses[statusCode] ?? 0) + 1;
      if (statusCode === 200 && text.startsWith('hello from ') && text.endsWith('\n')) tally.ok += 1;
      else fail(`${path}: status ${statusCode}, ${text.length} bytes`);
    } catch (error) {
      const e = error as Error & { code?: string };
      fail(`${path}: ${e.code ?? ''} ${e.message}`);
    }
  };

  const loop = async (): Promise<void> => {
    while (!stopped && tally.made < options.maxRequests) {
      await one();
      await sleep(options.pauseMs);
    }
  };
  const loops = Promise.all(Array.from({ length: options.loops }, loop));
  return {
    async stop() {
      stopped = true;
      await loops;
      await pool.close();
      return tally;
    },
  };
}

/** The backend name in a greeting "hello <name> <pid>". */
const backendOf = (greeting: string): string => greeting.split(' ')[1] ?? '?';

/** A bound on reconnections, so a broken backend cannot make a client spin. */
const MAX_CONNECTIONS = 50;

/** A WebSocket client that reconnects RETRY_MS after its connection closes. */
export class WsClient {
  static readonly RETRY_MS = 100;
  /** The backend of each connection that was greeted, in order. */
  readonly backends: string[] = [];
  /** Each close of a greeted connection, while the test ran. */
  readonly closes: { code: number; backend: string }[] = [];
  /** Connections that closed or failed before their greeting. */
  failedAttempts = 0;
  private socket: WebSocket | null = null;
  private attempts = 0;
  private stopped = false;

  constructor(private readonly url: string) {}

  connect(): void {
    if (this.stopped || ++this.attempts > MAX_CONNECTIONS) return;
    const ws = new WebSocket(this.url);
    this.socket = ws;
    let backend: string | null = null;
    ws.on('message', (data) => {
      if (backend !== null) return;
      backend = backendOf(data.toString());
      this.backends.push(backend);
    });
    ws.on('error', () => undefined); // the close that follows is what counts
    ws.on('close', (code) => {
      if (this.stopped) return;
      if (backend === null) this.failedAttempts += 1;
      else this.closes.push({ code, backend });
      setTimeout(() => this.connect(), WsClient.RETRY_MS);
    });
  }

  stop(): void {
    this.stopped = true;
    this.socket?.terminate();
  }
}

/** An SSE client that reconnects after the `retry:` its stream asked for (100 ms when it asked for none). */
export class SseClient {
  /** The backend of each stream that was greeted, in order. */
  readonly backends: string[] = [];
  /** Each end of a greeted stream: whether it ended cleanly, and the retry it carried. */
  readonly ends: { backend: string; complete: boolean; retry: number | null }[] = [];
  failedAttempts = 0;
  private attempts = 0;
  private stopped = false;
  private destroy: (() => void) | null = null;

  constructor(private readonly url: string) {}

  connect(): void {
    if (this.stopped || ++this.attempts > MAX_CONNECTIONS) return;
    let backend: string | null = null;
    let retry: number | null = null;
    let settled = false;
    const settle = (complete: boolean): void => {
      if (settled || this.stopped) return;
      settled = true;
      if (backend === null) this.failedAttempts += 1;
      else this.ends.push({ backend, complete, retry });
      setTimeout(() => this.connect(), retry ?? 100);
    };
    const req = get(this.url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          if (line.startsWith('data: hello ') && backend === null) {
            backend = backendOf(line.slice('data: '.length));
            this.backends.push(backend);
          }
          if (line.startsWith('retry: ')) retry = Number(line.slice('retry: '.length));
        }
      });
      res.on('error', () => undefined);
      res.on('close', () => settle(res.complete && res.statusCode === 200));
    });
    req.on('error', () => settle(false));
    this.destroy = () => req.destroy();
  }

  stop(): void {
    this.stopped = true;
    this.destroy?.();
  }
}
