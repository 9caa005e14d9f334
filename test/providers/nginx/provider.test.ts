import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCall } from '../../support/call.js';
import type { GroupRef, TargetRef } from '../../../src/core/refs.js';
import type { TargetStatus } from '../../../src/core/state.js';
import { workersOf } from '../../../src/providers/nginx/processes.js';
import { NginxProvider } from '../../../src/providers/nginx/provider.js';
import { type Backend, httpGet, type NginxServer, sleep, startBackends, startNginx, stopAll } from '../../support/servers.js';

let backends: Backend[];
let nginx: NginxServer;
let group: GroupRef;
let provider: NginxProvider;

beforeAll(async () => {
  backends = await startBackends(3);
  nginx = await startNginx(backends);
  group = { kind: 'group', provider: 'nginx', group: `${nginx.upstreamFile}/app` };
  provider = new NginxProvider({ mainConfig: nginx.mainConfig, statusUrl: nginx.statusUrl });
}, 30_000);
afterAll(() => stopAll());

const address = (i: number): string => `127.0.0.1:${backends[i]!.port}`;
const target = (i: number): TargetRef => ({ kind: 'target', provider: 'nginx', group: group.group, target: address(i) });
const one = async (i: number): Promise<TargetStatus> => (await provider.describe(group, [target(i)], testCall())).targets[0]!;
async function until(i: number, done: (s: TargetStatus) => boolean, boundMs = 8000): Promise<TargetStatus> {
  const deadline = Date.now() + boundMs;
  for (let n = 0; n < 400; n++) {
    const s = await one(i);
    if (done(s)) return s;
    if (Date.now() > deadline) break;
    await sleep(20);
  }
  throw new Error(`server ${i} did not settle within ${boundMs} ms: ${JSON.stringify(await one(i))}`);
}

describe('NGINX provider on a real NGINX 1.22', () => {
  it('lists the servers of the upstream as active, with their parameters as registration', async () => {
    const snapshot = await provider.describe(group, 'all', testCall());
    expect(snapshot.targets.map((t) => t.ref.target)).toEqual([address(0), address(1), address(2)]);
    for (const t of snapshot.targets) {
      expect(t).toMatchObject({ state: 'active', health: 'healthy', raw: { state: 'up' } });
      expect(t.registration).toEqual({ address: t.ref.target, parameters: 'max_fails=0' });
    }
  });

  it('drain: new requests stop at once, in-flight ones finish on the old workers, drained when those exit; restore gives back the same bytes', async () => {
    const original = readFileSync(nginx.upstreamFile);
    // Six slow requests on fresh connections: each worker sends its requests round robin, so app1 gets at least one.
    // 3 s each, so they still run when the drain is done even on a loaded machine (nginx -T, -t and a reload).
    const slow = Array.from({ length: 6 }, () => httpGet(`http://127.0.0.1:${nginx.frontendPort}/slow?ms=3000`));
    await sleep(300);
    const workersBefore = (await workersOf(nginx.masterPid())).map((w) => w.pid);
    await provider.drain(group, [await one(0)], testCall());
    expect(readFileSync(nginx.upstreamFile, 'latin1')).toBe(original.toString('latin1').replace(`${address(0)} max_fails=0;`, `${address(0)} max_fails=0 down;`));

    const during = await one(0);
    expect(during).toMatchObject({ state: 'draining', raw: { state: 'down', reason: 'old workers still running' } });
    expect(during.inFlight).toBeGreaterThanOrEqual(1);
    expect(during.raw.description).toMatch(/from before the reload still serving \(pid .*\), [1-9]\d* connections? to this server; stub_status: \d+ active connections/);
    const now = await workersOf(nginx.masterPid());
    expect(now.filter((w) => w.shuttingDown).every((w) => workersBefore.includes(w.pid))).toBe(true);

    for (let i = 0; i < 6; i++) expect((await httpGet(`http://127.0.0.1:${nginx.frontendPort}/`)).headers['x-backend']).not.toBe('app1');
    const results = await Promise.all(slow);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(results.some((r) => r.headers['x-backend'] === 'app1')).toBe(true);
    expect(await until(0, (s) => s.state === 'drained')).toMatchObject({ inFlight: 0 });

    await provider.restore(group, [{ ref: target(0), registration: during.registration }], testCall());
    expect(await one(0)).toMatchObject({ state: 'active', health: 'healthy' });
    expect(readFileSync(nginx.upstreamFile)).toEqual(original);
  });

  it('draining twice changes nothing the second time: no second reload', async () => {
    const status = await one(1);
    await provider.drain(group, [status], testCall());
    await until(1, (s) => s.state === 'drained');
    const workers = (await workersOf(nginx.masterPid())).map((w) => w.pid);
    const bytes = readFileSync(nginx.upstreamFile);
    await provider.drain(group, [status], testCall());
    expect((await workersOf(nginx.masterPid())).map((w) => w.pid)).toEqual(workers);
    expect(readFileSync(nginx.upstreamFile)).toEqual(bytes);
    await provider.restore(group, [{ ref: status.ref, registration: status.registration }], testCall());
  });

  it('drains and restores several servers of one upstream with one reload each way', async () => {
    const [a, b] = [await one(1), await one(2)];
    const workers = (await workersOf(nginx.masterPid())).map((w) => w.pid);
    await provider.drain(group, [a, b], testCall());
    const after = (await workersOf(nginx.masterPid())).filter((w) => !w.shuttingDown).map((w) => w.pid);
    expect(after.some((pid) => workers.includes(pid))).toBe(false);
    await until(1, (s) => s.state === 'drained');
    expect((await one(2)).state).toBe('drained');
    await provider.restore(group, [a, b].map((s) => ({ ref: s.ref, registration: s.registration })), testCall());
    expect((await provider.describe(group, 'all', testCall())).targets.every((t) => t.state === 'active')).toBe(true);
  });

  it('a `down` on disk that NGINX never reloaded is not in force: described as active, and a drain finishes the reload', async () => {
    const original = readFileSync(nginx.upstreamFile, 'latin1');
    // The first half of a drain: the edit, and no reload (as when drainctl is killed between the two).
    writeFileSync(nginx.upstreamFile, original.replace(`${address(0)} max_fails=0;`, `${address(0)} max_fails=0 down;`), 'latin1');
    const pending = await one(0);
    expect(pending).toMatchObject({ state: 'active', raw: { state: 'down', reason: 'not reloaded' } });
    expect(pending.raw.description).toMatch(/nginx has not reloaded since the file changed: it still sends this server traffic/);
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) seen.add(String((await httpGet(`http://127.0.0.1:${nginx.frontendPort}/`)).headers['x-backend']));
    expect(seen).toContain('app1');

    const workers = (await workersOf(nginx.masterPid())).map((w) => w.pid);
    await provider.drain(group, [pending], testCall());
    const serving = (await workersOf(nginx.masterPid())).filter((w) => !w.shuttingDown).map((w) => w.pid);
    expect(serving.some((pid) => workers.includes(pid))).toBe(false);
    expect(await until(0, (s) => s.state === 'drained')).toMatchObject({ raw: { state: 'down' } });
    for (let i = 0; i < 12; i++) expect((await httpGet(`http://127.0.0.1:${nginx.frontendPort}/`)).headers['x-backend']).not.toBe('app1');
    await provider.restore(group, [{ ref: target(0), registration: pending.registration }], testCall());
    expect(readFileSync(nginx.upstreamFile, 'latin1')).toBe(original);
  });

  it('tells a file NGINX runs from one changed since its workers started, and ignores a modification time in the future', async () => {
    const { mtimeMs } = statSync(nginx.upstreamFile);
    const control = provider.control;
    try {
      utimesSync(nginx.upstreamFile, new Date(0), new Date(0));
      expect(await control.fileInForce(nginx.upstreamFile)).toBe(true);
      utimesSync(nginx.upstreamFile, new Date(), new Date());
      expect(await control.fileInForce(nginx.upstreamFile)).toBe(false);
      utimesSync(nginx.upstreamFile, new Date(Date.now() + 3_600_000), new Date(Date.now() + 3_600_000));
      expect(await control.fileInForce(nginx.upstreamFile)).toBeUndefined();
    } finally {
      utimesSync(nginx.upstreamFile, new Date(mtimeMs), new Date(mtimeMs));
    }
    expect(await control.fileInForce(nginx.upstreamFile)).toBe(true);
  });

    it('has no drain timeout of its own and shows worker_shutdown_timeout', async () => {
    expect(provider.descriptor.timeout).toBeUndefined();
    expect(await provider.getTimeout(group, testCall())).toEqual({ seconds: undefined, enabled: true, extra: { workerShutdownTimeout: 'none' } });
    await expect(provider.setTimeout(group, 30, testCall())).rejects.toMatchObject({ kind: 'usage' });
  });
});
