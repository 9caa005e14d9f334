import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCall } from '../../support/call.js';
import { DrainctlError } from '../../../src/core/errors.js';
import type { GroupRef, TargetRef } from '../../../src/core/refs.js';
import type { TargetStatus } from '../../../src/core/state.js';
import { HaproxyProvider } from '../../../src/providers/haproxy/provider.js';
import { type Backend, freePort, type HaproxyServer, httpGet, rawCommand, sleep, startBackends, startHaproxy, stopAll } from '../../support/servers.js';

let backends: Backend[];
let haproxy: HaproxyServer;
let tcpGroup: GroupRef;
let unixGroup: GroupRef;
const provider = new HaproxyProvider();

beforeAll(async () => {
  backends = await startBackends(3);
  haproxy = await startHaproxy(backends);
  tcpGroup = { kind: 'group', provider: 'haproxy', group: `127.0.0.1:${haproxy.adminPort}/be_app` };
  unixGroup = { kind: 'group', provider: 'haproxy', group: `${haproxy.socketPath}/be_app` };
}, 30_000);
afterAll(() => stopAll());

const target = (group: GroupRef, name: string): TargetRef => ({ kind: 'target', provider: 'haproxy', group: group.group, target: name });
const one = async (group: GroupRef, name: string): Promise<TargetStatus> => (await provider.describe(group, [target(group, name)], testCall())).targets[0]!;
const failure = async (p: Promise<unknown>): Promise<DrainctlError> => {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DrainctlError);
  return error as DrainctlError;
};
/** Polls (bounded) until the server reaches the state. */
async function until(group: GroupRef, name: string, done: (s: TargetStatus) => boolean, boundMs = 5000): Promise<TargetStatus> {
  const deadline = Date.now() + boundMs;
  for (let i = 0; i < 200; i++) {
    const s = await one(group, name);
    if (done(s)) return s;
    if (Date.now() > deadline) break;
    await sleep(25);
  }
  throw new Error(`${name} did not settle within ${boundMs} ms: ${JSON.stringify(await one(group, name))}`);
}

describe('HAProxy provider on a real HAProxy 2.6', () => {
  it('lists every server over TCP and over the unix socket, with registration and in-flight count', async () => {
    for (const group of [tcpGroup, unixGroup]) {
      const snapshot = await provider.describe(group, 'all', testCall());
      expect(snapshot.providerId).toBe('be_app');
      expect(snapshot.targets.map((t) => t.ref.target)).toEqual(['app1', 'app2', 'app3']);
      for (const [i, t] of snapshot.targets.entries()) {
        expect(t).toMatchObject({ state: 'active', health: 'healthy', inFlight: 0, raw: { state: 'UP' } });
        expect(t.registration).toEqual({ address: `127.0.0.1:${backends[i]!.port}`, weight: 1, adminState: 'ready' });
      }
    }
  });

  it('names the group by the same listener whichever runtime API address reached it, asking once per address', async () => {
    const operatorGroup: GroupRef = { kind: 'group', provider: 'haproxy', group: `127.0.0.1:${haproxy.operatorPort}/be_app` };
    const asked: string[] = [];
    const counting = new HaproxyProvider({ debug: (line) => line.includes('-> show cli sockets') && asked.push(line) });
    for (const group of [tcpGroup, unixGroup, operatorGroup, tcpGroup]) {
      expect((await counting.describe(group, 'all', testCall())).canonicalGroup ?? group.group).toBe(unixGroup.group);
    }
    expect(asked).toHaveLength(3);
  });

  it('drains while a pinned request runs: draining with 1 in flight, drained when it ends, then restored', async () => {
    const slow = httpGet(`http://127.0.0.1:${haproxy.frontendPort}/slow?ms=800`, { headers: { cookie: 'SRV=a1' } });
    await until(tcpGroup, 'app1', (s) => s.inFlight === 1);
    const before = await one(tcpGroup, 'app1');
    await provider.drain(tcpGroup, [before], testCall());
    const during = await one(tcpGroup, 'app1');
    expect(during).toMatchObject({ state: 'draining', inFlight: 1, raw: { state: 'DRAIN', reason: 'admin state drain' } });
    expect(during.registration).toBeUndefined();
    // New requests without persistence go elsewhere.
    for (let i = 0; i < 6; i++) expect((await httpGet(`http://127.0.0.1:${haproxy.frontendPort}/`)).headers['x-backend']).not.toBe('app1');
    expect((await slow).status).toBe(200);
    const drained = await until(tcpGroup, 'app1', (s) => s.state === 'drained');
    expect(drained.inFlight).toBe(0);
    await provider.restore(tcpGroup, [{ ref: before.ref, registration: before.registration }], testCall());
    const back = await one(tcpGroup, 'app1');
    expect(back).toMatchObject({ state: 'active', health: 'healthy' });
    expect(back.registration).toEqual(before.registration);
  });

  it('takes servers to MAINT in maint mode', async () => {
    const maint = new HaproxyProvider({ mode: 'maint' });
    const before = await one(unixGroup, 'app2');
    await maint.drain(unixGroup, [before], testCall());
    expect(await one(unixGroup, 'app2')).toMatchObject({ state: 'drained', raw: { state: 'MAINT', reason: 'admin state maint' } });
    expect((await maint.getTimeout(unixGroup, testCall())).extra).toEqual({ mode: 'maint' });
    await maint.restore(unixGroup, [{ ref: before.ref, registration: before.registration }], testCall());
    await until(unixGroup, 'app2', (s) => s.state === 'active' && s.health === 'healthy');
  });

  it('restore puts back the recorded weight, and without a record brings a weight-0 server back at its initial weight', async () => {
    await rawCommand(haproxy.adminPort, 'set server be_app/app3 weight 5');
    const before = await one(tcpGroup, 'app3');
    expect(before.registration).toMatchObject({ weight: 5 });
    await provider.drain(tcpGroup, [before], testCall());
    await rawCommand(haproxy.adminPort, 'set server be_app/app3 weight 2');
    await provider.restore(tcpGroup, [{ ref: before.ref, registration: before.registration }], testCall());
    expect((await one(tcpGroup, 'app3')).registration).toEqual({ ...before.registration, weight: 5 });

    await rawCommand(haproxy.adminPort, 'set server be_app/app3 weight 0');
    expect(await one(tcpGroup, 'app3')).toMatchObject({ state: 'drained', raw: { reason: 'weight 0' } });
    await provider.restore(tcpGroup, [{ ref: before.ref, registration: undefined }], testCall());
    expect((await one(tcpGroup, 'app3')).registration).toMatchObject({ weight: 1, adminState: 'ready' });
  });

  it('forceClose cuts the sessions still open and says how many', async () => {
    const slow = httpGet(`http://127.0.0.1:${haproxy.frontendPort}/slow?ms=5000`, { headers: { cookie: 'SRV=a2' } }).then(
      (r) => `status ${r.status}`,
      (e: Error) => `error ${e.message}`,
    );
    const before = await until(tcpGroup, 'app2', (s) => s.inFlight === 1);
    await provider.drain(tcpGroup, [before], testCall());
    expect(await provider.forceClose(tcpGroup, [await one(tcpGroup, 'app2')], testCall())).toEqual({ cut: 1 });
    expect(await slow).toMatch(/error|status 50\d/);
    expect(await until(tcpGroup, 'app2', (s) => s.state === 'drained')).toMatchObject({ inFlight: 0 });
    await provider.restore(tcpGroup, [{ ref: before.ref, registration: before.registration }], testCall());
  });

  it('has no drain timeout of its own', async () => {
    expect(provider.descriptor.timeout).toBeUndefined();
    expect(await provider.getTimeout(tcpGroup, testCall())).toEqual({ seconds: undefined, enabled: true, extra: { mode: 'drain' } });
    const error = await failure(provider.setTimeout(tcpGroup, 30, testCall()));
    expect(error.kind).toBe('usage');
    expect(error.message).toMatch(/no drain timeout/);
  });
});

describe('HAProxy provider errors', () => {
  let garbage: Server;
  let garbagePort: number;
  beforeAll(async () => {
    // Answers every connection with an echo of what it got, then closes: not HAProxy.
    garbage = createServer((socket) => socket.on('data', (d) => socket.end(`?? ${d.toString()}`)));
    garbagePort = await freePort();
    await new Promise<void>((r) => garbage.listen(garbagePort, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => garbage.close(() => r())));

  it('an unknown backend is not_found and lists the backends there are', async () => {
    const missing: GroupRef = { kind: 'group', provider: 'haproxy', group: `127.0.0.1:${haproxy.adminPort}/be_nope` };
    for (const op of [() => provider.describe(missing, 'all', testCall()), () => provider.getTimeout(missing, testCall()), () => provider.drain(missing, [{ ...namedStatus(missing, 'app1') }], testCall())]) {
      const error = await failure(op());
      expect(error.kind).toBe('not_found');
      expect(error.message).toBe(`HAProxy at 127.0.0.1:${haproxy.adminPort} has no backend be_nope (backends: be_app)`);
    }
  });

  it('an unknown server is absent in describe and not_found for drain and restore', async () => {
    expect(await one(tcpGroup, 'app9')).toMatchObject({ state: 'absent' });
    for (const op of [() => provider.drain(tcpGroup, [namedStatus(tcpGroup, 'app9')], testCall()), () => provider.restore(tcpGroup, [{ ref: target(tcpGroup, 'app9'), registration: undefined }], testCall())]) {
      const error = await failure(op());
      expect(error.kind).toBe('not_found');
      expect(error.message).toBe(`backend be_app on HAProxy at 127.0.0.1:${haproxy.adminPort} has no server app9 (servers: app1, app2, app3)`);
    }
  });

  it('a socket that is not HAProxy is a usage error', async () => {
    const group: GroupRef = { kind: 'group', provider: 'haproxy', group: `127.0.0.1:${garbagePort}/be_app` };
    const error = await failure(provider.describe(group, 'all', testCall()));
    expect(error.kind).toBe('usage');
    expect(error.message).toBe(`127.0.0.1:${garbagePort} is not an HAProxy runtime API (it answered "?? show stat be_app 4 -1")`);
  });

  it('a socket without admin level refuses changes: a refusal (nothing applied) with the fix', async () => {
    const group: GroupRef = { kind: 'group', provider: 'haproxy', group: `127.0.0.1:${haproxy.operatorPort}/be_app` };
    const status = (await provider.describe(group, 'all', testCall())).targets[0]!;
    const error = await failure(provider.drain(group, [status], testCall()));
    expect(error.kind).toBe('refused');
    expect(error.details.applied).toBe(false);
    expect(error.message).toBe(`HAProxy at 127.0.0.1:${haproxy.operatorPort} refused "set server be_app/app1 state drain": permission denied`);
    expect(error.hint).toMatch(/level admin/);
    expect((await one(tcpGroup, 'app1')).state).toBe('active');
  });

  it('a peer answering escape sequences and CR/LF is quoted: nothing raw reaches the message', async () => {
    const hostile = createServer((socket) => socket.on('data', () => socket.end('\u001b[2J\u001b]0;owned\u0007\r\nHTTP/1.1 200 OK\r\n\u009b31m"x"\u202e')));
    const port = await freePort();
    await new Promise<void>((r) => hostile.listen(port, '127.0.0.1', r));
    try {
      const error = await failure(provider.describe({ kind: 'group', provider: 'haproxy', group: `127.0.0.1:${port}/be_app` }, 'all', testCall()));
      expect(error.kind).toBe('usage');
      expect(error.message).toBe(`127.0.0.1:${port} is not an HAProxy runtime API (it answered "\\e[2J\\e]0;owned\\x07 HTTP/1.1 200 OK \\x9b31m\\"x\\"\\u202e")`);
      expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    } finally {
      await new Promise<void>((r) => hostile.close(() => r()));
    }
  });

  it('connection refused is a retryable provider error; a missing socket path is not retryable', async () => {
    const closed: GroupRef = { kind: 'group', provider: 'haproxy', group: `127.0.0.1:${await freePort()}/be_app` };
    const refused = await failure(provider.describe(closed, 'all', testCall()));
    expect(refused).toMatchObject({ kind: 'provider', retryable: 'transient' });
    expect(refused.message).toMatch(/connection refused$/);
    const nowhere: GroupRef = { kind: 'group', provider: 'haproxy', group: `${haproxy.dir}/missing.sock/be_app` };
    const missing = await failure(provider.describe(nowhere, 'all', testCall()));
    expect(missing).toMatchObject({ kind: 'provider', retryable: undefined });
    expect(missing.message).toBe(`HAProxy runtime API at ${haproxy.dir}/missing.sock: no such socket`);
  });

  it('a peer that never answers times out as a retryable error, within the bound', async () => {
    const silent = createServer(() => {});
    const port = await freePort();
    await new Promise<void>((r) => silent.listen(port, '127.0.0.1', r));
    try {
      const quick = new HaproxyProvider({ commandTimeoutMs: 300 });
      const error = await failure(quick.describe({ kind: 'group', provider: 'haproxy', group: `127.0.0.1:${port}/be_app` }, 'all', testCall()));
      expect(error).toMatchObject({ kind: 'provider', retryable: 'transient' });
    } finally {
      silent.close();
    }
  });

  it('an aborted signal stops a call with an interrupted error', async () => {
    const error = await failure(provider.describe(tcpGroup, 'all', testCall({ signal: AbortSignal.abort('SIGINT') })));
    expect(error.kind).toBe('interrupted');
  });
});

/** A status naming a server as the user would, whether or not HAProxy has it. */
function namedStatus(group: GroupRef, name: string): TargetStatus {
  return { ref: target(group, name), state: 'active', health: 'healthy', raw: { state: 'UP' } };
}
