// A small HAProxy lab for bench/haproxy.mjs: three Node backends (child processes), HAProxy 2.6 in
// front of them with an admin runtime API on loopback, and a closed-loop keep-alive load generator.
// Every process started here is stopped by stopLab() and, as a last resort, on process exit.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './lib/common.mjs';

const children = new Set();
const dirs = new Set();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Wall-clock ms with sub-ms precision; the backends use the same expression. */
export const now = () => performance.timeOrigin + performance.now();


function stop(child, signal) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      children.delete(child);
      resolve();
    });
    child.kill(signal);
  });
}

// Same behaviour as the test backends: `/` at once, `/slow?ms=N` streams half the body then the rest after N ms;
// reports over IPC when it last finished a response.
const BACKEND = `
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
  const url = new URL(req.url, 'http://b');
  const body = 'hello from ' + name + ' ' + 'x'.repeat(64) + '\\n';
  res.setHeader('x-backend', name);
  res.setHeader('content-length', Buffer.byteLength(body));
  if (url.pathname === '/slow') {
    res.writeHead(200);
    res.write(body.slice(0, 10));
    const t = setTimeout(() => res.end(body.slice(10)), Number(url.searchParams.get('ms') || 0));
    res.on('close', () => clearTimeout(t));
    return;
  }
  res.end(body);
});
server.keepAliveTimeout = 70000;
server.headersTimeout = 71000;
server.listen(Number(port), '127.0.0.1', () => process.send({ type: 'listening' }));
process.on('message', (m) => { if (m.type === 'stats') process.send({ type: 'stats', inFlight, served, lastResponseAt, lastRequestAt }); });
process.on('disconnect', () => process.exit(0));
`;

async function startBackend(dir, name) {
  const script = join(dir, 'backend.mjs');
  writeFileSync(script, BACKEND);
  const port = await freePort();
  const child = fork(script, [String(port), name], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.add(child);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`backend ${name} did not start`)), 10_000);
    child.on('message', (m) => m.type === 'listening' && (clearTimeout(timer), resolve()));
    child.once('exit', (code) => reject(new Error(`backend ${name} exited (${code})`)));
  });
  return {
    name,
    port,
    stats: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`backend ${name}: no stats`)), 2000);
        const on = (m) => {
          if (m.type !== 'stats') return;
          clearTimeout(timer);
          child.off('message', on);
          resolve(m);
        };
        child.on('message', on);
        child.send({ type: 'stats' });
      }),
  };
}

/** One runtime API command (for lab setup only). */
export function runtime(port, command) {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let out = '';
    const timer = setTimeout(() => s.destroy(new Error('runtime API timeout')), 3000);
    s.on('connect', () => s.end(`${command}\n`));
    s.on('data', (d) => (out += d));
    s.on('close', () => (clearTimeout(timer), resolve(out)));
    s.on('error', (e) => (clearTimeout(timer), reject(e)));
  });
}

/** Starts three backends and HAProxy (health checks every 200 ms); resolves once all servers are UP. */
export async function startLab() {
  const dir = mkdtempSync(join(tmpdir(), 'drainctl-bench-haproxy-'));
  dirs.add(dir);
  const backends = [];
  for (const name of ['app1', 'app2', 'app3']) backends.push(await startBackend(dir, name));
  const [adminPort, frontendPort] = [await freePort(), await freePort()];
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    `global
    stats socket ipv4@127.0.0.1:${adminPort} level admin
defaults
    mode http
    option http-keep-alive
    retries 2
    option redispatch
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend fe
    bind 127.0.0.1:${frontendPort}
    default_backend be_app
backend be_app
    balance roundrobin
    option httpchk GET /health
${backends.map((b) => `    server ${b.name} 127.0.0.1:${b.port} check inter 200ms fall 2 rise 1`).join('\n')}
`,
  );
  const haproxy = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'ignore'] });
  children.add(haproxy);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await runtime(adminPort, 'show stat be_app 4 -1').catch(() => '');
    if (up.split('\n').filter((l) => /,UP,/.test(l)).length === 3) break;
    if (Date.now() > deadline) throw new Error('HAProxy did not come up within 10 s');
    await sleep(50);
  }
  return { dir, adminPort, frontendPort, backends, group: `127.0.0.1:${adminPort}/be_app`, haproxyVersion: await runtime(adminPort, 'show info').then((t) => /Version: (\S+)/.exec(t)?.[1]) };
}

export async function stopLab() {
  await Promise.all([...children].map((c) => stop(c, 'SIGTERM')));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

/**
 * Closed-loop load: `concurrency` keep-alive workers, each sending one request after another
 * (`slowShare` of them /slow, lasting a uniform time within `slowMs`). Records every completion time, so any window's
 * rate can be computed afterwards. Bounded by maxDurationMs.
 */
export function startLoad({ url, concurrency = 32, slowShare = 0.1, slowMs = [200, 500], maxDurationMs = 120_000 }) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const completions = [];
  let failed = 0;
  let stopped = false;
  const started = Date.now();
  const one = () =>
    new Promise((resolve) => {
      const slow = Math.random() < slowShare;
      const path = slow ? `/slow?ms=${slowMs[0] + Math.floor(Math.random() * (slowMs[1] - slowMs[0]))}` : '/';
      const req = request(`${url}${path}`, { agent }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          if (res.statusCode === 200 && body.endsWith('\n')) completions.push(now());
          else failed += 1;
          resolve();
        });
        res.on('aborted', () => (failed += 1, resolve()));
      });
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => (failed += 1, resolve()));
      req.end();
    });
  const workers = Array.from({ length: concurrency }, async () => {
    while (!stopped && Date.now() - started < maxDurationMs) await one();
  });
  const done = Promise.all(workers).then(() => agent.destroy());
  return {
    completions,
    failed: () => failed,
    /** Completed requests per second in [from, to) (ms, same clock as now()). */
    rate: (from, to) => (completions.filter((t) => t >= from && t < to).length * 1000) / Math.max(1, to - from),
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}
