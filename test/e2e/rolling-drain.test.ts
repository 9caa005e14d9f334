import { afterAll, describe, expect, it } from 'vitest';
import { drainTargets } from '../../src/core/drain.js';
import type { DrainProvider } from '../../src/core/provider.js';
import type { TargetRef } from '../../src/core/refs.js';
import { restoreTargets } from '../../src/core/restore.js';
import { createMemoryLedger } from '../../src/ledger/index.js';
import { HaproxyProvider } from '../../src/providers/haproxy/provider.js';
import { NginxProvider } from '../../src/providers/nginx/provider.js';
import { type Backend, httpGet, type LoadResult, rawCommand, runLoad, sleep, startBackends, startHaproxy, startNginx, stopAll } from '../support/servers.js';

/**
 * A rolling restart behind a real load balancer under steady load (400 req/s over keep-alive,
 * 10 % of requests taking 200-500 ms and streaming their body): each backend in turn is
 * drained with the provider, its process killed and started again on the same port, then
 * restored. With drainctl no request may fail; the same roll without drain must lose some,
 * which shows the test can fail.
 */

const RATE = 400;

interface Lab {
  readonly url: string;
  readonly provider: DrainProvider;
  readonly backends: readonly Backend[];
  ref(backend: Backend): TargetRef;
  /** Waits (bounded) until the load balancer uses a restarted backend again, for the roll without drain. */
  backInService(backend: Backend): Promise<void>;
  /** Stops this lab's load balancer and backends. */
  stop(): Promise<void>;
}

interface RollResult {
  readonly load: LoadResult;
  readonly rollMs: number;
  readonly rollEndedBeforeLoad: boolean;
  /** Per backend: ms to drain, to restart, to restore. */
  readonly steps: readonly string[];
}

async function roll(lab: Lab, withDrain: boolean, total: number): Promise<RollResult> {
  const ledger = createMemoryLedger();
  const providers = async () => lab.provider;
  const load = runLoad({ url: lab.url, rate: RATE, total, maxDurationMs: 25_000 });
  let loadEnded = false;
  void load.done.then(() => (loadEnded = true));
  try {
    await sleep(1000);
    const started = Date.now();
    const steps: string[] = [];
    for (const backend of lab.backends) {
      let t = Date.now();
      const lap = (): number => -t + (t = Date.now());
      const times: number[] = [];
      if (withDrain) {
        const drained = await drainTargets({ targets: [lab.ref(backend)], providers, ledger, timeoutMs: 10_000 });
        expect(drained.results.map((r) => r.outcome)).toEqual(['drained']);
      }
      times.push(lap());
      await backend.stop();
      await backend.start();
      times.push(lap());
      if (withDrain) {
        const restored = await restoreTargets({ targets: [lab.ref(backend)], providers, ledger, timeoutMs: 10_000 });
        expect(restored.results.map((r) => r.outcome)).toEqual(['restored']);
      } else {
        await lab.backInService(backend);
      }
      steps.push(`${backend.name} ${times.join('/')}/${lap()}`);
    }
    const rollMs = Date.now() - started;
    const rollEndedBeforeLoad = !loadEnded;
    return { load: await load.done, rollMs, rollEndedBeforeLoad, steps };
  } catch (error) {
    load.stop();
    await load.done;
    throw error;
  }
}

function summary(name: string, r: RollResult): string {
  const l = r.load;
  return `${name}: ${l.ok}/${l.sent} ok, ${l.failed} failed, ${l.retriedOnReusedSocket} retried on a closed keep-alive socket, roll ${r.rollMs} ms (drain/restart/restore ms: ${r.steps.join(', ')}), load ${l.durationMs} ms, by backend ${JSON.stringify(l.byBackend)}${l.failures.length ? `\n  ${l.failures.slice(0, 5).join('\n  ')}` : ''}`;
}

// Each test starts its own load balancer and backends and stops them after: none depends on another's state.
afterAll(() => stopAll());

/** Runs a roll in a fresh lab, stopping the lab afterwards whatever happens. */
async function rollIn(start: () => Promise<Lab>, withDrain: boolean, total: number): Promise<RollResult> {
  const lab = await start();
  try {
    return await roll(lab, withDrain, total);
  } finally {
    await lab.stop();
  }
}

/** Three backends behind a fresh HAProxy. */
async function haproxyLab(): Promise<Lab> {
  const backends = await startBackends(3);
  const haproxy = await startHaproxy(backends);
  const group = `127.0.0.1:${haproxy.adminPort}/be_app`;
  return {
    url: `http://127.0.0.1:${haproxy.frontendPort}`,
    provider: new HaproxyProvider(),
    backends,
    ref: (b) => ({ kind: 'target', provider: 'haproxy', group, target: b.name }),
    backInService: async (b) => {
      for (let i = 0; i < 200; i++) {
        if (new RegExp(`^be_app,${b.name},.*,UP,`, 'm').test(await rawCommand(haproxy.adminPort, 'show stat be_app 4 -1'))) return;
        await sleep(25);
      }
    },
    stop: async () => {
      await haproxy.stop();
      await Promise.all(backends.map((b) => b.stop()));
    },
  };
}

/** Three backends behind a fresh NGINX. */
async function nginxLab(): Promise<Lab> {
  const backends = await startBackends(3);
  const nginx = await startNginx(backends);
  const group = `${nginx.upstreamFile}/app`;
  const url = `http://127.0.0.1:${nginx.frontendPort}`;
  return {
    url,
    provider: new NginxProvider({ mainConfig: nginx.mainConfig, statusUrl: nginx.statusUrl }),
    backends,
    ref: (b) => ({ kind: 'target', provider: 'nginx', group, target: `127.0.0.1:${b.port}` }),
    // NGINX open source has no health checks: it is back once a request through NGINX reaches it (bounded).
    backInService: async (b) => {
      for (let i = 0; i < 60; i++) {
        if ((await httpGet(`${url}/`).catch(() => undefined))?.headers['x-backend'] === b.name) return;
      }
    },
    stop: async () => {
      await nginx.stop();
      await Promise.all(backends.map((b) => b.stop()));
    },
  };
}

describe('rolling drain behind HAProxy', () => {
  it('zero failed requests out of at least 5,000 with drainctl', async () => {
    const result = await rollIn(haproxyLab, true, 5600);
    console.log(summary('haproxy with drain', result));
    expectNoRequestLost(result);
  }, 60_000);

  it('the same roll without drain loses requests', async () => {
    const result = await rollIn(haproxyLab, false, 2400);
    console.log(summary('haproxy without drain', result));
    expect(result.load.failed).toBeGreaterThan(0);
  }, 60_000);
});

describe('rolling drain behind NGINX', () => {
  it('zero failed requests out of at least 5,000 with drainctl', async () => {
    const result = await rollIn(nginxLab, true, 5600);
    console.log(summary('nginx with drain', result));
    expectNoRequestLost(result);
  }, 60_000);

  it('the same roll without drain loses requests', async () => {
    const result = await rollIn(nginxLab, false, 2400);
    console.log(summary('nginx without drain', result));
    expect(result.load.failed).toBeGreaterThan(0);
  }, 60_000);
});

/** The pass condition of a rolling drain: the roll finished inside the load, at least 5,000 requests, none failed. */
function expectNoRequestLost(result: Awaited<ReturnType<typeof roll>>): void {
  expect(result.rollEndedBeforeLoad).toBe(true);
  expect(result.load.sent).toBeGreaterThanOrEqual(5000);
  expect(result.load.failed).toBe(0);
  expect(result.load.ok).toBe(result.load.sent);
}
