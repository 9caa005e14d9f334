/**
 * Shared set-up for the capacity-guard end-to-end tests: one six-target group behind a real load
 * balancer (the AWS emulator's ELBv2, HAProxy, NGINX), a sampler that reads the group's state from
 * the load balancer itself (never through drainctl), and drainctl runners as separate processes.
 */
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request } from 'node:http';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { type AwsEmulator, parseSeed, startAwsEmulator } from '../../src/emulators/aws/index.js';
import { type CliResult, collect, runCli, startCliProcess, waitForExit } from '../support/cli.js';
import { type Backend, freePort, rawCommand, sleep, startHaproxy, startNginx } from '../support/servers.js';

export const TARGET_COUNT = 6;
export const MIN_HEALTHY = 4;

/** Six instance ids for the ELBv2 group. */
export const INSTANCE_IDS = Array.from({ length: TARGET_COUNT }, (_, i) => `i-0c0ffee0000000${String(i + 1).padStart(2, '0')}`);

/** One look at the group, from the load balancer. */
export interface Sample {
  /** ms since the sampler started. */
  readonly at: number;
  readonly inService: number;
  /** Targets of the six not in service: draining, drained, deregistered, or back but not yet healthy. */
  readonly out: number;
  /** Each target's state as the load balancer put it, for failure messages. */
  readonly detail: string;
}

/** A six-target group behind one load balancer, and what every drainctl run against it needs. */
export interface Pool {
  readonly name: string;
  /** The six target references, in order. */
  readonly targets: readonly string[];
  /** Global options for every drainctl run (endpoint, NGINX configuration). */
  readonly args: readonly string[];
  /** Reads the group from the load balancer directly. */
  look(): Promise<Omit<Sample, 'at'>>;
  /** The AWS emulator, for its request log. */
  readonly emulator?: AwsEmulator;
  /**
   * Makes the load balancer slow to take a change: every drain is held until `expected` runners
   * have asked for theirs (or `boundMs` passed), so each of them checked capacity before any
   * change landed. Runners use the returned args and targets.
   */
  slowChanges(expected: number, boundMs: number): Promise<SlowChanges>;
  stop(): Promise<void>;
}

/** A load balancer that holds drains back (see Pool.slowChanges). */
export interface SlowChanges {
  readonly args: readonly string[];
  readonly targets: readonly string[];
  /** How many drains were held before the release. */
  held(): number;
  /** Tells the barrier what the runners printed so far (NGINX releases on their plans). */
  watch(outputs: () => readonly RunnerOutput[]): void;
  close(): Promise<void>;
}

/** What a running drainctl printed so far, and whether it ended. */
export interface RunnerOutput {
  readonly stdout: string;
  readonly exited: boolean;
}

export interface PoolOptions {
  /** ELBv2 deregistration delay in seconds (default 0: a drain ends at once). */
  readonly deregistrationDelaySeconds?: number;
  /** ELBv2: how long a target put back stays `initial` (default 150 ms). */
  readonly healthyAfterMs?: number;
}

/** The AWS emulator with one ELBv2 target group `pool` of six instances on port 8080 in three zones. */
export async function elbv2Pool(options: PoolOptions = {}): Promise<Pool> {
  const seed = parseSeed(
    {
      region: 'us-east-1',
      accountId: '123456789012',
      targetGroups: [
        {
          name: 'pool',
          protocol: 'HTTP',
          port: 80,
          attributes: { 'deregistration_delay.timeout_seconds': String(options.deregistrationDelaySeconds ?? 0) },
          targets: INSTANCE_IDS.map((id, i) => ({ id, port: 8080, availabilityZone: `us-east-1${'abc'[i % 3]}`, health: 'healthy' })),
        },
      ],
    },
    'capacity seed',
  );
  const emulator = await startAwsEmulator({ seed, throttle: 'off', healthyAfterMs: options.healthyAfterMs ?? 150, host: '127.0.0.1' });
  const client = new ElasticLoadBalancingV2Client({ endpoint: emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'sampler', secretAccessKey: 'sampler' }, maxAttempts: 1 });
  const arn = emulator.targetGroupArn('pool');
  return {
    name: 'elbv2',
    targets: INSTANCE_IDS.map((id) => `elbv2:pool/${id}`),
    args: ['--endpoint-url', emulator.url, '--region', 'us-east-1'],
    emulator,
    slowChanges: (expected, boundMs) => awsBarrier(emulator.url, expected, boundMs, INSTANCE_IDS.map((id) => `elbv2:pool/${id}`)),
    look: async () => {
      const out = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
      const states = new Map((out.TargetHealthDescriptions ?? []).map((d) => [d.Target?.Id ?? '?', d.TargetHealth?.State ?? '?']));
      const inService = INSTANCE_IDS.filter((id) => states.get(id) === 'healthy').length;
      return { inService, out: TARGET_COUNT - inService, detail: INSTANCE_IDS.map((id) => `${id.slice(-2)}=${states.get(id) ?? 'unregistered'}`).join(' ') };
    },
    stop: async () => {
      client.destroy();
      await emulator.stop();
    },
  };
}

/** Upstream servers on loopback ports nothing listens on: the proxies never send them traffic here. */
async function placeholders(): Promise<Backend[]> {
  const ports = await Promise.all(Array.from({ length: TARGET_COUNT }, () => freePort()));
  return ports.map((port, i) => ({
    name: `app${i + 1}`,
    port,
    stop: async () => {},
    start: async () => {},
    stats: async () => ({ inFlight: 0, served: 0, lastResponseAt: 0, lastRequestAt: 0 }),
  }));
}

/** HAProxy (no health checks: a server is up unless set otherwise) with servers app1…app6 in be_app. */
export async function haproxyPool(): Promise<Pool> {
  const haproxy = await startHaproxy(await placeholders(), { checks: false });
  const names = Array.from({ length: TARGET_COUNT }, (_, i) => `app${i + 1}`);
  return {
    name: 'haproxy',
    targets: names.map((n) => `haproxy:127.0.0.1:${haproxy.adminPort}/be_app/${n}`),
    args: [],
    slowChanges: (expected, boundMs) => haproxyBarrier(haproxy.adminPort, expected, boundMs, names),
    look: async () => {
      // `show servers state`: field 6 is srv_op_state (2 running), 7 srv_admin_state (0: no MAINT, no DRAIN).
      const text = await rawCommand(haproxy.adminPort, 'show servers state be_app');
      const rows = new Map(
        text
          .split('\n')
          .filter((l) => /^\d+ be_app /.test(l))
          .map((l) => l.split(' '))
          .map((f) => [f[3]!, { op: Number(f[5]), admin: Number(f[6]) }]),
      );
      if (rows.size !== TARGET_COUNT) throw new Error(`show servers state listed ${rows.size} servers:\n${text}`);
      const inService = names.filter((n) => rows.get(n)?.op === 2 && rows.get(n)?.admin === 0).length;
      return { inService, out: TARGET_COUNT - inService, detail: names.map((n) => `${n}=op${rows.get(n)?.op}/admin${rows.get(n)?.admin}`).join(' ') };
    },
    stop: () => haproxy.stop(),
  };
}

/** NGINX with upstream `app` of six servers in its own upstream file; in service means the file does not mark it `down`. */
export async function nginxPool(): Promise<Pool> {
  const backends = await placeholders();
  const nginx = await startNginx(backends);
  const addresses = backends.map((b) => `127.0.0.1:${b.port}`);
  return {
    name: 'nginx',
    targets: addresses.map((a) => `nginx:${nginx.upstreamFile}/app/${a}`),
    args: ['--nginx-conf', nginx.mainConfig],
    slowChanges: async (expected, boundMs) => nginxBarrier(nginx.upstreamFile, expected, boundMs, addresses.map((a) => `nginx:${nginx.upstreamFile}/app/${a}`), ['--nginx-conf', nginx.mainConfig]),
    look: async () => {
      const source = readFileSync(nginx.upstreamFile, 'latin1');
      const block = /upstream app \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';
      const down = new Map<string, boolean>();
      for (const m of block.matchAll(/^\s*server\s+(\S+)([^;]*);/gm)) down.set(m[1]!, /(^|\s)down(\s|$)/.test(m[2]!));
      if (down.size !== TARGET_COUNT) throw new Error(`upstream app lists ${down.size} servers:\n${source}`);
      const inService = addresses.filter((a) => down.get(a) === false).length;
      return { inService, out: TARGET_COUNT - inService, detail: addresses.map((a, i) => `app${i + 1}=${down.get(a) ? 'down' : 'up'}`).join(' ') };
    },
    stop: () => nginx.stop(),
  };
}

/** Samples a pool every ~30 ms until stopped (bounded: at most `maxSamples`); `onSample` sees each one. */
export function startSampler(pool: Pool, onSample: (s: Sample) => void = () => {}, maxSamples = 20_000): { stop(): Promise<Sample[]>; samples: Sample[] } {
  const samples: Sample[] = [];
  const started = Date.now();
  let stopped = false;
  let failure: unknown;
  const loop = (async () => {
    while (!stopped && samples.length < maxSamples) {
      try {
        const sample = { at: Date.now() - started, ...(await pool.look()) };
        samples.push(sample);
        onSample(sample);
      } catch (error) {
        failure = error;
        return;
      }
      await sleep(30);
    }
  })();
  return {
    samples,
    stop: async () => {
      stopped = true;
      await loop;
      if (failure) throw failure;
      return samples;
    },
  };
}

/** The lowest in-service count seen, with the sample that showed it. */
export function lowest(samples: readonly Sample[]): Sample {
  if (samples.length === 0) throw new Error('the sampler took no samples');
  return samples.reduce((low, s) => (s.inService < low.inService ? s : low));
}

/** Runs drainctl against a pool with `env` (ledger location, …); the pool's global options come first. */
export function drainctl(pool: Pool, args: readonly string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliResult> {
  return runCli([...pool.args, ...args], { env, timeoutMs });
}

/** Parses `-o ndjson` output into records (lines that are not JSON are kept as text for messages). */
export function ndjson(stdout: string): Record<string, any>[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, any>;
      } catch {
        return { type: 'not-json', text: l };
      }
    });
}

/** True when a drain's ndjson output shows it deregistered (changed) its target itself. */
export function deregistered(stdout: string): boolean {
  return ndjson(stdout).some((r) => r.type === 'action' && r.action === 'deregister' && r.dry_run === false);
}

/** Every event in the ledger `env` names, via `drainctl history` (a SQLite file or a PostgreSQL URL alike). */
export async function ledgerEvents(_pool: Pool, env: Record<string, string>): Promise<Record<string, any>[]> {
  // No provider options: history reads the ledger only (and refuses options for providers it does not call).
  const history = await runCli(['-o', 'json', 'history', '--limit', '10000'], { env, timeoutMs: 60_000 });
  if (history.code !== 0) throw new Error(`history failed (${history.code}): ${history.stderr}`);
  return (JSON.parse(history.stdout) as { events: Record<string, any>[] }).events;
}

/** Holds callers until `expected` have arrived or `boundMs` passed, then lets every one through, then passes all at once. */
function gate(expected: number, boundMs: number): { arrive(): Promise<void>; arrived(): number; open(): void } {
  let arrived = 0;
  let opened = false;
  let release: () => void = () => {};
  const opening = new Promise<void>((resolve) => (release = resolve));
  const open = (): void => {
    opened = true;
    clearTimeout(timer);
    release();
  };
  const timer = setTimeout(open, boundMs);
  return {
    arrive: () => {
      if (opened) return Promise.resolve();
      arrived += 1;
      if (arrived >= expected) open();
      return opening;
    },
    arrived: () => arrived,
    open,
  };
}

/** An HTTP proxy to the emulator that holds DeregisterTargets calls at the gate. */
async function awsBarrier(upstream: string, expected: number, boundMs: number, targets: readonly string[]): Promise<SlowChanges> {
  const g = gate(expected, boundMs);
  const target = new URL(upstream);
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      if (/(^|&)Action=DeregisterTargets(&|$)/.test(body.toString('utf8'))) await g.arrive();
      const out = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  const port = await listenOn(server);
  return {
    args: ['--endpoint-url', `http://127.0.0.1:${port}`, '--region', 'us-east-1'],
    targets,
    held: g.arrived,
    watch: () => {},
    close: async () => {
      g.open();
      await closeServer(server);
    },
  };
}

/** A TCP proxy to HAProxy's runtime API that holds `set server … state drain|maint` at the gate. */
async function haproxyBarrier(adminPort: number, expected: number, boundMs: number, names: readonly string[]): Promise<SlowChanges> {
  const g = gate(expected, boundMs);
  const sockets = new Set<Socket>();
  // drainctl sends one command and half-closes; HAProxy answers and closes. The proxy reads the
  // whole command first (half-open, so its answer can still go back), then forwards it.
  const server = createTcpServer({ allowHalfOpen: true }, (client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const chunks: Buffer[] = [];
    client.on('data', (c: Buffer) => chunks.push(c));
    client.on('end', async () => {
      const command = Buffer.concat(chunks);
      if (/^set server \S+ state (drain|maint)\b/.test(command.toString('utf8'))) await g.arrive();
      const upstream = connect({ host: '127.0.0.1', port: adminPort });
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      upstream.end(command);
      upstream.pipe(client);
    });
  });
  const port = await listenOn(server);
  return {
    args: [],
    targets: names.map((n) => `haproxy:127.0.0.1:${port}/be_app/${n}`),
    held: g.arrived,
    watch: () => {},
    close: async () => {
      g.open();
      for (const s of sockets) s.destroy();
      await closeServer(server);
    },
  };
}

/**
 * NGINX changes one upstream file under drainctl's own lock file: holding that lock (as another
 * drainctl would) holds every change. It is let go once every runner has printed its plan (it
 * has decided, and goes on to the check under the ledger's lock and then to the file) and a
 * moment has passed, or after `boundMs`.
 */
function nginxBarrier(upstreamFile: string, expected: number, boundMs: number, targets: readonly string[], args: readonly string[]): SlowChanges {
  const lock = join(dirname(upstreamFile), `.${basename(upstreamFile)}.drainctl.lock`);
  writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
  let released = false;
  let held = 0;
  const release = (): void => {
    if (released) return;
    released = true;
    rmSync(lock, { force: true });
  };
  const bound = setTimeout(release, boundMs);
  return {
    args,
    targets,
    held: () => held,
    watch: (outputs) => {
      void (async () => {
        for (let i = 0; i < boundMs / 25 && !released; i++) {
          const now = outputs();
          const decided = now.filter((o) => o.stdout.includes('"type":"plan"') && !o.exited).length;
          if (now.filter((o) => o.exited || o.stdout.includes('"type":"plan"')).length >= expected) {
            held = decided;
            await sleep(500);
            clearTimeout(bound);
            release();
            return;
          }
          await sleep(25);
        }
      })();
    },
    close: async () => {
      clearTimeout(bound);
      release();
    },
  };
}

function listenOn(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

function closeServer(server: Server | ReturnType<typeof createHttpServer>): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A drainctl process whose output can be read while it runs. */
export interface Runner {
  output(): RunnerOutput;
  readonly done: Promise<CliResult>;
}

/** Starts drainctl (the pool's or the barrier's global options first) and reads its output as it comes. */
export function startRunner(globalArgs: readonly string[], args: readonly string[], env: Record<string, string>, timeoutMs = 60_000): Runner {
  const child = startCliProcess([...globalArgs, ...args], { env });
  const stdout = collect(child.stdout!);
  const stderr = collect(child.stderr!);
  child.stdin!.end();
  let exited = false;
  const done = waitForExit(child, timeoutMs).then(({ code, signal }) => {
    exited = true;
    return { code: code ?? (signal ? 128 + 9 : -1), stdout: stdout.text(), stderr: stderr.text() };
  });
  return { output: () => ({ stdout: stdout.text(), exited }), done };
}
