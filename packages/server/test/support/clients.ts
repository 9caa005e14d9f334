import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Client } from 'undici';
import { WebSocket, type ClientOptions } from 'ws';
import type { ServerFactory } from './app.js';
import type { TestCertificate } from './tls.js';

export interface RequestInit {
  readonly method?: 'GET' | 'POST' | 'HEAD' | 'PUT';
  readonly headers?: Record<string, string>;
}

/** A client that keeps its connection between requests and opens a new one when the server closed it. */
export interface KeepAliveClient {
  /** HTTP/2 only: lastStreamID of every GOAWAY received, in order. */
  readonly goaways?: readonly number[];
  get(path: string, init?: RequestInit): Promise<Reply>;
  /** Resolves when the connection in use now closes. */
  disconnected(): Promise<void>;
  destroy(): Promise<void>;
}

class UndiciKeepAlive implements KeepAliveClient {
  private readonly client: Client;
  constructor(origin: string, certificate: TestCertificate | null) {
    this.client = new Client(origin, { pipelining: 1, connect: certificate ? { ca: certificate.cert, servername: 'localhost' } : undefined });
  }

  async get(path: string, init: RequestInit = {}): Promise<Reply> {
    const { statusCode, headers, body } = await this.client.request({ path, method: init.method ?? 'GET', headers: init.headers });
    return { status: statusCode, headers: headers as IncomingHttpHeaders, body: await body.text() };
  }

  disconnected(): Promise<void> {
    return new Promise((resolve) => this.client.once('disconnect', () => resolve()));
  }

  async destroy(): Promise<void> {
    await this.client.destroy().catch(() => undefined);
  }
}

class Http2KeepAlive implements KeepAliveClient {
  /** lastStreamID of every GOAWAY received, in order. */
  readonly goaways: number[] = [];
  private session: ClientHttp2Session | null = null;
  private readonly all: ClientHttp2Session[] = [];
  constructor(
    private readonly origin: string,
    private readonly certificate: TestCertificate,
  ) {}

  private current(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = http2Connect(this.origin, { ca: this.certificate.cert, servername: 'localhost' });
    session.on('error', () => undefined);
    // After GOAWAY the session finishes its streams; new requests go on a new session, as RFC 9113 §6.8 asks.
    session.on('goaway', (_code: number, lastStreamID: number) => {
      this.goaways.push(lastStreamID);
      if (this.session === session) this.session = null;
    });
    this.session = session;
    this.all.push(session);
    return session;
  }

  get(path: string, init: RequestInit = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const stream = this.current().request({ ':path': path, ':method': init.method ?? 'GET', ...init.headers });
      let body = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (body += chunk));
      stream.on('response', (headers) => stream.on('end', () => resolve({ status: Number(headers[':status']), headers: headers as IncomingHttpHeaders, body })));
      stream.on('error', reject);
      stream.on('close', () => reject(new Error(`stream closed with code ${stream.rstCode}`)));
      stream.end();
    });
  }

  disconnected(): Promise<void> {
    const session = this.current();
    return new Promise((resolve) => session.once('close', () => resolve()));
  }

  async destroy(): Promise<void> {
    for (const session of this.all) session.destroy();
  }
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Everything a test opened, closed in afterEach. */
export class Clients {
  private readonly closers: (() => unknown)[] = [];
  constructor(
    private readonly factory: ServerFactory,
    private readonly certificate: TestCertificate,
    private readonly port: number,
  ) {}

  get origin(): string {
    return `${this.factory.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  /** A keep-alive client: undici for HTTP/1.1, node:http2 for HTTP/2 (undici 7's h2 client fails in-flight requests on a graceful GOAWAY, nodejs/undici#5089). */
  keepAlive(): KeepAliveClient {
    const client = this.factory.h2 ? new Http2KeepAlive(this.origin, this.certificate) : new UndiciKeepAlive(this.origin, this.factory.tls ? this.certificate : null);
    this.closers.push(() => client.destroy());
    return client;
  }

  /** One request on a connection of its own. */
  async fresh(path: string, init: RequestInit = {}): Promise<Reply> {
    const client = this.keepAlive();
    try {
      return await client.get(path, init);
    } finally {
      await client.destroy();
    }
  }

  /** A TCP connection that never sends a byte (a browser's preconnect); resolves `closed` when the server closes it. */
  silentSocket(): { socket: Socket; closed: Promise<void>; connected: Promise<void> } {
    const socket = netConnect(this.port, '127.0.0.1');
    socket.on('error', () => undefined);
    this.closers.push(() => socket.destroy());
    return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve())), connected: new Promise((resolve) => socket.once('connect', () => resolve())) };
  }

  /** A TLS connection that completes its handshake, then sends nothing. */
  silentTlsSocket(): { closed: Promise<void>; connected: Promise<void> } {
    const socket = tlsConnect({ port: this.port, host: '127.0.0.1', ca: this.certificate.cert, servername: 'localhost', ALPNProtocols: ['http/1.1'] });
    socket.on('error', () => undefined);
    this.closers.push(() => socket.destroy());
    return { closed: new Promise((resolve) => socket.once('close', () => resolve())), connected: new Promise((resolve) => socket.once('secureConnect', () => resolve())) };
  }

  /** Resolves with the error code of a new TCP connection attempt ('connected' if it was accepted). */
  connectAttempt(): Promise<string> {
    return new Promise((resolve) => {
      const socket = netConnect(this.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
  }

  /** An SSE stream (HTTP/2 on the HTTP/2 server). `first` resolves with the first chunk, `done` when the stream ends. */
  sse(path = '/sse'): { first: Promise<string>; done: Promise<Reply> } {
    let onFirst!: (chunk: string) => void;
    const first = new Promise<string>((resolve) => (onFirst = resolve));
    const done = new Promise<Reply>((resolve, reject) => {
      let body = '';
      const collect = (status: number, headers: IncomingHttpHeaders, stream: NodeJS.ReadableStream): void => {
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          if (body === '') onFirst(chunk);
          body += chunk;
        });
        stream.on('end', () => resolve({ status, headers, body }));
        stream.on('error', reject);
      };
      if (this.factory.h2) {
        const session = this.h2Session();
        const stream = session.request({ ':path': path });
        stream.on('response', (headers) => collect(Number(headers[':status']), headers as IncomingHttpHeaders, stream));
        stream.on('error', reject);
        return;
      }
      const request = (this.factory.tls ? httpsRequest : httpRequest)({ host: '127.0.0.1', port: this.port, path, agent: false, ca: this.certificate.cert, servername: 'localhost' });
      request.on('response', (res) => collect(res.statusCode ?? 0, res.headers, res));
      request.on('error', reject);
      this.closers.push(() => request.destroy());
      request.end();
    });
    return { first, done };
  }

  h2Session(): ClientHttp2Session {
    const session = http2Connect(this.origin, { ca: this.certificate.cert, servername: 'localhost' });
    session.on('error', () => undefined);
    this.closers.push(() => session.destroy());
    return session;
  }

  private tlsOptions(): ClientOptions {
    const options: ClientOptions & { servername: string } = { ca: this.certificate.cert, servername: 'localhost' };
    return options;
  }

  /** An open WebSocket on /ws. */
  async webSocket(): Promise<WebSocket> {
    const ws = new WebSocket(`${this.factory.tls ? 'wss' : 'ws'}://127.0.0.1:${this.port}/ws`, { ...this.tlsOptions() });
    this.closers.push(() => ws.terminate());
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return ws;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.closers.splice(0).map((close) => close()));
  }
}
