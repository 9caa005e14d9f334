import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real HAProxy, NGINX and Node backends on free loopback ports, with generated configs in
 * temp dirs. Every process started here is tracked: stopAll() (call it in afterAll) and a
 * process 'exit' hook kill whatever is left, so a failing test leaves nothing running.
 */

const running = new Set<ChildProcess>();
const tempDirs = new Set<string>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** Stops every process this module started and removes its temp dirs (bounded: 5 s per process). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stopChild(child, 'SIGTERM')));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `drainctl-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

import { freePort } from './ports.js';
export { freePort };

/** Sends `signal`, waits for exit (at most 5 s), then SIGKILL. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      running.delete(child);
      return resolve();
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      running.delete(child);
      resolve();
    });
    child.kill(signal);
  });
}

function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Polls `ready` every 50 ms until it resolves true, at most `boundMs`. */
async function waitFor(what: string, ready: () => Promise<boolean>, boundMs = 10_000, failed?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + boundMs;
  for (let i = 0; i < 1000; i++) {
    if (await ready().catch(() => false)) return;
    const why = failed?.();
    if (why) throw new Error(`${what}: ${why}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${boundMs} ms`);
    await sleep(50);
  }
  throw new Error(`${what}: poll bound reached`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Node backends

/**
 * The backend program: keep-alive HTTP (keep-alive timeout above the load balancers' so they,
 * not the backend, close idle connections), `/` answers at once, `/slow?ms=N` sends its
 * headers and half of the body at once and the rest after N ms (so a cut shows as a
 * truncated response, which no proxy can retry). It reports over IPC when it last finished
 * a response, in ms since the epoch with sub-ms precision.
 */
const BACKEND_SOURCE = `
import http from 'node:http';
const [port, name] = process.argv.slice(2);
let inFlight = 0, served = 0, lastResponseAt = 0, lastRequestAt = 0;
const now = () => performance.timeOrigin + performance.now();
const server = http.createServer((req, res) => {
  // Health checks are not traffic: they neither count nor move the last-response time.
  if (req.url === '/health') return res.end('ok');
  inFlight++;
  lastRequestAt = now();
  res.on('close', () => { inFlight--; });
  res.on('finish', () => { served++; lastResponseAt = now(); });
  const url = new URL(req.url, 'http://backend');
  const body = 'hello from ' + name + ' ' + 'x'.repeat(64) + '\\n';
  res.setHeader('x-backend', name);
  res.setHeader('content-length', Buffer.byteLength(body));
  if (url.pathname === '/slow') {
    const ms = Number(url.searchParams.get('ms') || 0);
    res.writeHead(200);
    res.write(body.slice(0, 10));
    const t = setTimeout(() => res.end(body.slice(10)), ms);
    res.on('close', () => clearTimeout(t));
    return;
  }
  res.end(body);
});
server.keepAliveTimeout = 70000;
server.headersTimeout = 71000;
server.listen(Number(port), '127.0.0.1', () => process.send?.({ type: 'listening' }));
process.on('message', (m) => { if (m && m.type === 'stats') process.send?.({ type: 'stats', inFlight, served, lastResponseAt, lastRequestAt }); });
process.on('disconnect', () => process.exit(0));
`;

/** One Node backend process. */
export interface Backend {
  readonly name: string;
  readonly port: number;
  /** Kills the process at once (SIGKILL): what a crash or a careless restart does to in-flight requests. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  stats(): Promise<{ inFlight: number; served: number; lastResponseAt: number; lastRequestAt: number }>;
}

let backendScript: string | undefined;

export async function startBackend(name: string, port?: number): Promise<Backend> {
  if (!backendScript) {
    const dir = makeTempDir('backend');
    backendScript = join(dir, 'backend.mjs');
    writeFileSync(backendScript, BACKEND_SOURCE);
  }
  const script = backendScript;
  const listenPort = port ?? (await freePort());
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const proc = track(fork(script, [String(listenPort), name], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
    child = proc;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`backend ${name} did not listen on ${listenPort} within 10 s`)), 10_000);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`backend ${name} exited with ${code} before listening`));
      });
      proc.on('message', (m: { type?: string }) => {
        if (m.type === 'listening') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  };
  await start();
  return {
    name,
    port: listenPort,
    stop: async () => {
      if (child) await stopChild(child, 'SIGKILL');
    },
    start,
    stats: () =>
      new Promise((resolve, reject) => {
        const proc = child;
        if (!proc?.connected) return reject(new Error(`backend ${name} is not running`));
        const timer = setTimeout(() => reject(new Error(`backend ${name}: no stats within 2 s`)), 2000);
        const onMessage = (m: { type?: string; inFlight: number; served: number; lastResponseAt: number; lastRequestAt: number }): void => {
          if (m.type !== 'stats') return;
          clearTimeout(timer);
          proc.off('message', onMessage);
          resolve({ inFlight: m.inFlight, served: m.served, lastResponseAt: m.lastResponseAt, lastRequestAt: m.lastRequestAt });
        };
        proc.on('message', onMessage);
        proc.send({ type: 'stats' });
      }),
  };
}

export async function startBackends(count: number): Promise<Backend[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startBackend(`app${i + 1}`)));
}

// ---------------------------------------------------------------------------------------------
// HAProxy

export interface HaproxyServer {
  readonly dir: string;
  /** Runtime API on TCP, level admin. */
  readonly adminPort: number;
  /** Runtime API on a unix socket, level admin. */
  readonly socketPath: string;
  /** Runtime API on TCP, level operator (cannot change servers). */
  readonly operatorPort: number;
  readonly frontendPort: number;
  readonly backendName: string;
  stop(): Promise<void>;
}

export interface HaproxyOptions {
  readonly backendName?: string;
  /** Health checks every 200 ms (default true). */
  readonly checks?: boolean;
}

/** Starts HAProxy 2.6 in the foreground (-db) in front of the backends, servers app1…appN with cookies a1…aN. */
export async function startHaproxy(backends: readonly Backend[], options: HaproxyOptions = {}): Promise<HaproxyServer> {
  const dir = makeTempDir('haproxy');
  const [adminPort, operatorPort, frontendPort] = [await freePort(), await freePort(), await freePort()];
  const socketPath = join(dir, 'admin.sock');
  const backendName = options.backendName ?? 'be_app';
  const check = options.checks === false ? '' : ' check inter 200ms fall 2 rise 1';
  const config = `# generated by test/support/servers.ts
global
    stats socket ipv4@127.0.0.1:${adminPort} level admin
    stats socket ${socketPath} mode 600 level admin
    stats socket ipv4@127.0.0.1:${operatorPort} level operator
    stats timeout 30s
    pidfile ${join(dir, 'haproxy.pid')}

defaults
    mode http
    option http-keep-alive
    retries 2
    option redispatch
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 30s

frontend fe_main
    bind 127.0.0.1:${frontendPort}
    default_backend ${backendName}

backend ${backendName}
    balance roundrobin
    cookie SRV insert indirect nocache
    option httpchk GET /health
${backends.map((b, i) => `    server ${b.name} 127.0.0.1:${b.port} cookie a${i + 1}${check}`).join('\n')}
`;
  const configPath = join(dir, 'haproxy.cfg');
  writeFileSync(configPath, config);
  const log = join(dir, 'haproxy.log');
  const child = track(spawn('haproxy', ['-f', configPath, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
  });
  child.once('exit', () => writeFileSync(log, stderr));
  await waitFor('haproxy', async () => (await rawCommand(adminPort, 'show info')).startsWith('Name: HAProxy'), 10_000, () => (child.exitCode !== null ? `exited: ${stderr.slice(-500)}` : undefined));
  if (options.checks !== false) {
    await waitFor('haproxy servers up', async () => (await rawCommand(adminPort, `show stat ${backendName} 4 -1`)).split('\n').filter((l) => /,UP,/.test(l)).length === backends.length);
  }
  return { dir, adminPort, socketPath, operatorPort, frontendPort, backendName, stop: () => stopChild(child, 'SIGTERM') };
}

/** One runtime API command, for test setup (the provider has its own client). */
export function rawCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let out = '';
    const timer = setTimeout(() => socket.destroy(new Error('runtime API command timed out')), 3000);
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (d: Buffer) => (out += d.toString()));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// NGINX

export interface NginxServer {
  readonly dir: string;
  readonly mainConfig: string;
  readonly upstreamFile: string;
  readonly upstreamName: string;
  readonly frontendPort: number;
  readonly statusUrl: string;
  readonly pidFile: string;
  masterPid(): number;
  stop(): Promise<void>;
}

export interface NginxOptions {
  readonly upstreamName?: string;
  /** `worker_shutdown_timeout`, e.g. '30s'; none by default (old workers wait for every request). */
  readonly workerShutdownTimeout?: string;
  /** Upstream keep-alive connections per worker (default 16; 0 for none). */
  readonly keepalive?: number;
}

/**
 * Starts NGINX in the foreground (`daemon off`, the master is this child) with every path
 * (pid, logs, temp dirs) absolute and inside a temp dir, so `nginx -t -c <main>` run by the
 * provider sees the same files without `-p`. The upstream file carries comments and odd
 * spacing on purpose: edits must keep them byte for byte.
 */
export async function startNginx(backends: readonly Backend[], options: NginxOptions = {}): Promise<NginxServer> {
  const dir = makeTempDir('nginx');
  const frontendPort = await freePort();
  const upstreamName = options.upstreamName ?? 'app';
  const confDir = join(dir, 'conf.d');
  mkdirSync(confDir);
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'logs']) mkdirSync(join(dir, sub));
  const upstreamFile = join(confDir, 'upstreams.conf');
  const keepalive = options.keepalive ?? 16;
  writeFileSync(upstreamFile, upstreamSource(upstreamName, backends, keepalive));
  const pidFile = join(dir, 'nginx.pid');
  const mainConfig = join(dir, 'nginx.conf');
  writeFileSync(
    mainConfig,
    `# generated by test/support/servers.ts
daemon off;
master_process on;
worker_processes 2;
pid ${pidFile};
error_log ${join(dir, 'logs', 'error.log')} notice;
${options.workerShutdownTimeout ? `worker_shutdown_timeout ${options.workerShutdownTimeout};` : ''}
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path ${join(dir, 'body')};
    proxy_temp_path ${join(dir, 'proxy')};
    fastcgi_temp_path ${join(dir, 'fastcgi')};
    uwsgi_temp_path ${join(dir, 'uwsgi')};
    scgi_temp_path ${join(dir, 'scgi')};
    keepalive_timeout 30s;
    include ${upstreamFile};
    server {
        listen 127.0.0.1:${frontendPort};
        location = /nginx_status { stub_status; }
        location / {
            proxy_pass http://${upstreamName};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
`,
  );
  const child = track(spawn('nginx', ['-c', mainConfig, '-p', `${dir}/`], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  const statusUrl = `http://127.0.0.1:${frontendPort}/nginx_status`;
  await waitFor('nginx', async () => (await httpGet(statusUrl)).status === 200, 10_000, () => (child.exitCode !== null ? `exited: ${stderr.slice(-500)}` : undefined));
  const masterPid = (): number => Number(readFileSync(pidFile, 'utf8').trim());
  return {
    dir, mainConfig, upstreamFile, upstreamName, frontendPort, statusUrl, pidFile,
    masterPid,
    stop: async () => {
      // Workers of a killed master would outlive it: collect them first, and kill any left after.
      const workers = child.pid ? childrenOf(child.pid) : [];
      await stopChild(child, 'SIGTERM');
      for (const pid of workers) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

function upstreamSource(name: string, backends: readonly Backend[], keepalive: number): string {
  const lines = backends.map((b, i) => (i === 1 ? `    server   127.0.0.1:${b.port}  max_fails=0 ;   # second; "quoted # not a comment"` : `    server 127.0.0.1:${b.port} max_fails=0; # ${b.name}`));
  return `# Upstreams for the drainctl tests.\t# tabs and comments stay as they are
upstream ${name} {
    # one line per backend
${lines.join('\n')}
${keepalive > 0 ? `    keepalive ${keepalive};` : '    # no keepalive'}
}

upstream other_pool { server 127.0.0.1:9 down; }
`;
}

/** PIDs whose parent is `pid` (from /proc). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // exited while listing
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// HTTP clients

/** One GET with a bound; resolves status and body, or rejects. */
export function httpGet(url: string, options: { agent?: Agent; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: options.agent ?? false, headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('response aborted')));
    });
    req.setTimeout(options.timeoutMs ?? 15_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** What a load run saw. */
export interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  /** Requests retried once because a reused keep-alive connection closed before any response. */
  readonly retriedOnReusedSocket: number;
  readonly failures: readonly string[];
  readonly byBackend: Readonly<Record<string, number>>;
  readonly durationMs: number;
}

export interface LoadOptions {
  readonly url: string;
  /** Requests per second, sent on a fixed schedule (open model). */
  readonly rate: number;
  /** Stop after this many requests… */
  readonly total: number;
  /** …or after this long, whichever comes first. */
  readonly maxDurationMs: number;
  /** Share of requests that are slow (default 0.1), each taking 200-500 ms. */
  readonly slowShare?: number;
}

/**
 * A steady request rate over keep-alive connections. A response counts as ok only with
 * status 200 and the full body. Like browsers and most HTTP clients, a request whose reused
 * keep-alive connection was closed by the server before any response byte is retried once
 * (RFC 9110 §9.2.2; Node documents the pattern at request.reusedSocket); those are counted.
 */
export function runLoad(options: LoadOptions): { done: Promise<LoadResult>; stop(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 1000 });
  const slowShare = options.slowShare ?? 0.1;
  const started = Date.now();
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let retried = 0;
  let stopped = false;
  const failures: string[] = [];
  const byBackend: Record<string, number> = {};
  const pending = new Set<Promise<void>>();

  const once = (path: string, fresh: boolean): Promise<{ status: number; body: string; backend: string | undefined }> =>
    new Promise((resolve, reject) => {
      // A retry goes out on a new connection, as browsers do: the pool may hold more sockets the server is closing.
      const req = request(`${options.url}${path}`, { agent: fresh ? false : agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          const backend = res.headers['x-backend'];
          resolve({ status: res.statusCode ?? 0, body, backend: typeof backend === 'string' ? backend : undefined });
        });
        res.on('aborted', () => reject(Object.assign(new Error('response aborted'), { responseStarted: true })));
        res.on('error', (e) => reject(Object.assign(e, { responseStarted: true })));
      });
      req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
      req.on('error', (e) => reject(Object.assign(e, { reused: req.reusedSocket })));
      req.end();
    });

  const one = async (n: number): Promise<void> => {
    const slow = Math.random() < slowShare;
    const path = slow ? `/slow?ms=${200 + Math.floor(Math.random() * 300)}&n=${n}` : `/?n=${n}`;
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        const res = await once(path, attempt > 1);
        const complete = res.status === 200 && res.body.startsWith('hello from ') && res.body.endsWith('\n');
        if (complete) {
          ok += 1;
          if (res.backend) byBackend[res.backend] = (byBackend[res.backend] ?? 0) + 1;
        } else {
          failed += 1;
          if (failures.length < 20) failures.push(`#${n} ${path}: status ${res.status}, ${res.body.length} bytes`);
        }
        return;
      } catch (error) {
        const e = error as Error & { reused?: boolean; responseStarted?: boolean; code?: string };
        if (attempt === 1 && e.reused && !e.responseStarted) {
          retried += 1;
          continue;
        }
        failed += 1;
        if (failures.length < 20) failures.push(`#${n} ${path}: ${e.code ?? ''} ${e.message}${attempt > 1 ? ' (on the retry)' : e.reused ? ' (reused socket)' : ''} at +${Date.now() - started} ms`);
        return;
      }
    }
  };

  const done = (async (): Promise<LoadResult> => {
    const interval = 1000 / options.rate;
    for (let n = 0; n < options.total && !stopped; n++) {
      const due = started + n * interval;
      if (Date.now() - started > options.maxDurationMs) break;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      sent += 1;
      const p = one(n).finally(() => pending.delete(p));
      pending.add(p);
    }
    await Promise.all(pending);
    agent.destroy();
    return { sent, ok, failed, retriedOnReusedSocket: retried, failures, byBackend, durationMs: Date.now() - started };
  })();
  return { done, stop: () => (stopped = true) };
}
