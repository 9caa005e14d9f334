import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../support/ports.js';

/**
 * The rolling restart's machinery: a real HAProxy with fast health checks in front of backend processes
 * (test/e2e/fixtures/rolling-backend.mjs), each started in a process group of its own so that stopping it
 * also stops any cluster workers it forked. Everything started here is stopped by stopLab(), and by a process
 * 'exit' hook if the test runner dies first.
 */

const BACKEND = join(import.meta.dirname, 'fixtures', 'rolling-backend.mjs');
const BOUND_MS = 10_000;
const groups = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of groups) killGroup(child);
});

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // the group is gone
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves with the exit code (or signal), or rejects after `ms`. */
function exitOf(child: ChildProcess, ms: number): Promise<number | string> {
  if (exited(child)) return Promise.resolve(child.exitCode ?? child.signalCode ?? 'unknown');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pid ${child.pid} did not exit within ${ms} ms`)), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal ?? 'unknown');
    });
  });
}

export interface BackendSpec {
  readonly name: string;
  readonly cluster: boolean;
}

/** One backend: a single process, or a cluster primary with two workers. Restartable on the same ports. */
export class Backend {
  private child: ChildProcess | null = null;

  private constructor(
    readonly name: string,
    readonly cluster: boolean,
    readonly port: number,
    /** The cluster primary's probe port (health checks go there); the app port for a single process. */
    readonly checkPort: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async create(spec: BackendSpec, drain: boolean, drainerModule: string): Promise<Backend> {
    const port = await freePort();
    const checkPort = spec.cluster ? await freePort() : port;
    const env = {
      ...process.env,
      PORT: String(port), PROBE_PORT: String(checkPort), NAME: spec.name,
      MODE: spec.cluster ? 'cluster' : 'single', DRAIN: drain ? '1' : '0', DRAINER_MODULE: drainerModule,
    };
    return new Backend(spec.name, spec.cluster, port, checkPort, env);
  }

  /** Starts it and resolves once it (every worker) listens. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, [BACKEND], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    groups.add(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const lines = createInterface({ input: child.stdout! });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`backend ${this.name} not ready within ${BOUND_MS} ms: ${stderr}`)), BOUND_MS);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`backend ${this.name} exited with ${code} before it was ready: ${stderr}`));
      });
      lines.on('line', (line) => {
        if (!line.includes('"ready":true')) return;
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** SIGTERM, as an orchestrator sends it; resolves with the exit code once the process (the primary) exited. */
  async terminate(): Promise<number | string> {
    const child = this.child;
    if (!child) throw new Error(`backend ${this.name} is not running`);
    child.kill('SIGTERM');
    const code = await exitOf(child, BOUND_MS);
    killGroup(child); // workers, if any, must not outlive their primary
    groups.delete(child);
    return code;
  }

  kill(): void {
    if (!this.child) return;
    killGroup(this.child);
    groups.delete(this.child);
  }
}

/** One runtime API command on the stats socket. */
function runtimeCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let out = '';
    const timer = setTimeout(() => socket.destroy(new Error(`runtime API: no answer to "${command}" within 3 s`)), 3000);
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (data: Buffer) => (out += data.toString()));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** HAProxy 2.6 in the foreground, health checks every 100 ms, one failure marks a server down, one success up. */
export class Haproxy {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly frontendPort: number,
    private readonly statsPort: number,
  ) {}

  static async start(backends: readonly Backend[]): Promise<Haproxy> {
    const dir = mkdtempSync(join(tmpdir(), 'drainctl-rolling-'));
    const [frontendPort, statsPort] = [await freePort(), await freePort()];
    const servers = backends.map((b) => `    server ${b.name} 127.0.0.1:${b.port} check${b.checkPort === b.port ? '' : ` port ${b.checkPort}`}`);
    const config = `# generated by test/e2e/rolling-lab.ts
global
    stats socket ipv4@127.0.0.1:${statsPort} level admin
    stats timeout 30s

defaults
    mode http
    option http-keep-alive
    retries 3
    option redispatch
    # No retry-on: a request lost to the keep-alive race (a reused server connection closed under it) must
    # fail the test. The library keeps idle connections open through its shutdown delay for that reason.
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 30s
    # WebSockets once upgraded
    timeout tunnel 60s

frontend fe_main
    bind 127.0.0.1:${frontendPort}
    default_backend be_app

backend be_app
    balance roundrobin
    option httpchk GET /health
    default-server inter 100ms fall 1 rise 1
${servers.join('\n')}
`;
    const configPath = join(dir, 'haproxy.cfg');
    writeFileSync(configPath, config);
    const child = spawn('haproxy', ['-f', configPath, '-db'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    groups.add(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const haproxy = new Haproxy(child, dir, frontendPort, statsPort);
    for (let i = 0; i < BOUND_MS / 50; i++) {
      if (exited(child)) throw new Error(`haproxy exited: ${stderr}`);
      if (await haproxy.statuses().then((s) => s.size === backends.length, () => false)) break;
      await sleep(50);
    }
    for (const backend of backends) await haproxy.waitUntilUp(backend.name);
    return haproxy;
  }

  /** Each server's status as HAProxy sees it now (`show stat`): UP, DOWN, ... */
  async statuses(): Promise<Map<string, string>> {
    const csv = (await runtimeCommand(this.statsPort, 'show stat')).trim().split('\n');
    const header = (csv[0] ?? '').replace(/^# /, '').split(',');
    const [name, proxy, status] = ['svname', 'pxname', 'status'].map((column) => header.indexOf(column));
    const result = new Map<string, string>();
    for (const line of csv.slice(1)) {
      const fields = line.split(',');
      if (fields[proxy!] !== 'be_app' || fields[name!] === 'BACKEND') continue;
      result.set(fields[name!] ?? '', fields[status!] ?? '');
    }
    return result;
  }

  /** Waits (bounded) until HAProxy's health checks have marked the server UP. */
  async waitUntilUp(server: string): Promise<void> {
    let last = '';
    for (let i = 0; i < BOUND_MS / 25; i++) {
      last = (await this.statuses()).get(server) ?? 'unknown';
      if (last === 'UP') return;
      await sleep(25);
    }
    throw new Error(`haproxy never saw ${server} UP within ${BOUND_MS} ms (last: ${last})`);
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await exitOf(this.child, 3000).catch(() => undefined);
    killGroup(this.child);
    groups.delete(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
