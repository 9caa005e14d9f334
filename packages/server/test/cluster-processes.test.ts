import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterStatus } from '../src/index.js';
import { buildLibrary } from './support/build-library.js';
import { send, type Reply } from './support/http.js';

/**
 * node:cluster for real: a primary process running createClusterDrainer forks two workers, each running
 * createDrainer on the shared port. The primary is started in a process group of its own, and every case ends by
 * killing that whole group, so no worker outlives a failing test.
 */

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/cluster-app.mjs');
const BOUND_MS = 15_000;
type AppEvent = {
  ready?: boolean; port?: number; probePort?: number; state?: string; problem?: string; held?: number; worker?: number;
  workerExit?: number; code?: number | null; signal?: string | null; facts?: number; exit?: number;
};

let library: ReturnType<typeof buildLibrary>;
beforeAll(() => {
  library = buildLibrary();
});
afterAll(() => library.remove());

class ClusterApp {
  readonly events: AppEvent[] = [];
  readonly exited: Promise<number | null>;
  port = 0;
  probePort = 0;
  private readonly waiters: { test: (event: AppEvent) => boolean; resolve: (event: AppEvent) => void }[] = [];
  private stderr = '';

  constructor(readonly process: ChildProcess) {
    createInterface({ input: process.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as AppEvent;
      this.events.push(event);
      for (const waiter of this.waiters.filter((w) => w.test(event))) waiter.resolve(event);
    });
    process.stderr!.on('data', (chunk) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
  }

  /** The first event that passes `test`, seen already or to come, at most BOUND_MS. */
  waitFor(what: string, test: (event: AppEvent) => boolean): Promise<AppEvent> {
    const seen = this.events.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cluster app: no ${what} within ${BOUND_MS} ms; events ${JSON.stringify(this.events)}; stderr ${this.stderr}`)), BOUND_MS);
      this.waiters.push({ test, resolve: (event) => (clearTimeout(timer), resolve(event)) });
    });
  }

  async status(): Promise<ClusterStatus> {
    return JSON.parse((await send(this.probePort, '/drain/status')).body) as ClusterStatus;
  }

  /** Reads the status until `test` passes (every 25 ms, at most BOUND_MS). */
  async statusWhen(what: string, test: (status: ClusterStatus) => boolean): Promise<ClusterStatus> {
    let last: ClusterStatus | undefined;
    for (let i = 0; i < BOUND_MS / 25; i++) {
      last = await this.status();
      if (test(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`cluster status never showed ${what}; last ${JSON.stringify(last)}`);
  }

  /** Starts a /slow request and resolves once a worker holds it; the reply settles with `status body`, or 'cut'. */
  async hold(): Promise<{ reply: Promise<string> }> {
    const before = this.events.filter((e) => e.held !== undefined).length;
    const reply = send(this.port, '/slow').then((r: Reply) => `${r.status} ${r.body}`, () => 'cut');
    await this.waitFor('held request', (e) => e.held !== undefined && this.events.filter((x) => x.held !== undefined).length > before);
    return { reply };
  }

  command(line: string): void {
    this.process.stdin!.write(`${line}\n`);
  }

  states(): string[] {
    return this.events.filter((e) => e.state).map((e) => e.state ?? '');
  }

  exitCode(): Promise<number | null> {
    return Promise.race([this.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`primary did not exit within ${BOUND_MS} ms; events ${JSON.stringify(this.events)}`)), BOUND_MS))]);
  }

  /** Kills the primary's whole process group: the primary and every worker it forked. */
  killAll(): void {
    try {
      process.kill(-this.process.pid!, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
}

let app: ClusterApp | null = null;
afterEach(() => {
  app?.killAll();
  app = null;
});

async function startApp(config: Record<string, unknown> = {}): Promise<ClusterApp> {
  const child = spawn(process.execPath, [FIXTURE], {
    env: { ...process.env, DRAINER_MODULE: library.entry, FIXTURE_CONFIG: JSON.stringify(config) },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  app = new ClusterApp(child);
  const ready = await app.waitFor('ready', (e) => e.ready === true);
  app.port = ready.port ?? 0;
  app.probePort = ready.probePort ?? 0;
  await app.statusWhen('both workers serving', (s) => s.workers.length === 2 && s.workers.every((w) => w.state === 'serving'));
  return app;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('node:cluster: a primary with createClusterDrainer and two workers with createDrainer', () => {
  it('the status shows both workers and sums their in-flight requests', async () => {
    const app = await startApp();
    const replies: Promise<string>[] = [];
    // Round robin spreads connections over the workers; hold until both have some (bounded).
    for (let i = 0; i < 8; i++) {
      replies.push((await app.hold()).reply);
      const status = await app.statusWhen(`${replies.length} held`, (s) => s.in_flight.requests === replies.length);
      if (status.workers.every((w) => w.in_flight.requests > 0)) break;
    }
    const status = await app.status();
    expect(status.schema).toBe('drainctl.server-status/v1');
    expect(status.state).toBe('serving');
    expect(status.workers.map((w) => w.state)).toEqual(['serving', 'serving']);
    expect(status.workers.every((w) => w.in_flight.requests > 0)).toBe(true);
    expect(status.workers[0]!.in_flight.requests + status.workers[1]!.in_flight.requests).toBe(replies.length);
    expect(status.in_flight.requests).toBe(replies.length);
    expect(status.idle_for_ms).toBeNull();
    expect(new Set(status.workers.map((w) => w.pid)).size).toBe(2);
    app.command('release');
    expect(await Promise.all(replies)).toEqual(replies.map(() => '200 done'));
    const idle = await app.statusWhen('idle', (s) => s.idle_for_ms !== null);
    expect(idle.in_flight.requests).toBe(0);
  });

  it('one idle worker and one busy worker: the cluster is not idle, and not drained while the busy one works', async () => {
    const app = await startApp();
    const { reply } = await app.hold();
    const busy = await app.statusWhen('one request held', (s) => s.in_flight.requests === 1);
    expect(busy.workers.map((w) => w.in_flight.requests).sort()).toEqual([0, 1]);
    expect(busy.idle_for_ms).toBeNull();
    expect(busy.state).toBe('serving');

    app.process.kill('SIGTERM');
    // The idle worker drains and exits at once; the busy one keeps its request.
    const idleWorker = busy.workers.find((w) => w.in_flight.requests === 0)!;
    await app.waitFor('idle worker exit', (e) => e.workerExit === idleWorker.id);
    const draining = await app.statusWhen('the busy worker alone, draining', (s) => s.workers.length === 1 && s.workers[0]!.state === 'draining');
    expect(draining.state).toBe('draining');
    expect(draining.in_flight.requests).toBe(1);
    expect(draining.idle_for_ms).toBeNull();
    expect(draining.workers.map((w) => [w.state, w.in_flight.requests])).toEqual([['draining', 1]]);
    expect((await send(app.probePort, '/health')).status).toBe(503);
    expect(app.events.some((e) => e.exit !== undefined)).toBe(false);
    app.command('release');
    expect(await reply).toBe('200 done');
    expect(await app.exitCode()).toBe(0);
  });

  it('SIGTERM to the primary: every worker drains, the request in flight completes with 200, the primary exits 0 after the last worker', async () => {
    const app = await startApp({ shutdownDelay: 200 });
    const pids = (await app.status()).workers.map((w) => w.pid);
    const { reply } = await app.hold();
    app.process.kill('SIGTERM');
    await app.waitFor('draining', (e) => e.state === 'draining');
    expect((await send(app.probePort, '/health')).status).toBe(503);
    await app.waitFor('one worker exit', (e) => e.workerExit !== undefined);
    app.command('release');
    expect(await reply).toBe('200 done');
    expect(await app.exitCode()).toBe(0);
    expect(app.states()).toEqual(['draining', 'drained', 'closed']);
    const order = app.events.filter((e) => e.workerExit !== undefined || e.exit !== undefined);
    expect(order.map((e) => (e.exit === undefined ? `worker ${e.code}` : `primary ${e.exit}`))).toEqual(['worker 0', 'worker 0', 'primary 0']);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('a request held past the primary\'s drainTimeout: its worker is killed, the primary exits 1 (forced)', async () => {
    const app = await startApp({ drainTimeout: 800, workerDrainTimeout: 60_000 });
    const { reply } = await app.hold();
    app.process.kill('SIGTERM');
    expect(await app.exitCode()).toBe(1);
    expect(app.states()).toEqual(['draining', 'forced', 'closed']);
    expect(await reply).toBe('cut');
    expect(app.events.filter((e) => e.workerExit !== undefined).map((e) => e.signal ?? e.code).sort()).toEqual([0, 'SIGKILL']);
  });

  it('a worker that cut its own work at its drainTimeout makes the primary exit 1 too', async () => {
    const app = await startApp({ drainTimeout: 10_000, workerDrainTimeout: 300 });
    const { reply } = await app.hold();
    app.process.kill('SIGTERM');
    expect(await app.exitCode()).toBe(1);
    expect(app.states()).toEqual(['draining', 'forced', 'closed']);
    expect(await reply).toBe('cut');
    expect(app.events.some((e) => e.problem?.includes('ended its drain with work cut (code 1)'))).toBe(true);
  });

  it('SIGTERM sent to one worker directly (as PM2 does): it drains itself, the other serves on, the primary drops it', async () => {
    const app = await startApp();
    const { reply } = await app.hold();
    const busy = await app.statusWhen('one request held', (s) => s.in_flight.requests === 1);
    const target = busy.workers.find((w) => w.in_flight.requests === 1)!;
    process.kill(target.pid, 'SIGTERM');
    const draining = await app.statusWhen('the worker draining', (s) => s.workers.some((w) => w.state === 'draining'));
    expect(draining.state).toBe('draining');
    expect((await send(app.probePort, '/health')).status).toBe(200); // the other worker still takes requests
    expect((await send(app.port, '/fast')).body).toBe('ok');
    app.command('release');
    expect(await reply).toBe('200 done');
    expect(await app.waitFor('worker exit', (e) => e.workerExit === target.id)).toMatchObject({ code: 0 });
    const after = await app.statusWhen('one worker left', (s) => s.workers.length === 1);
    expect(after.state).toBe('serving');
    expect(app.events.some((e) => e.problem === `worker ${target.id} (pid ${target.pid}) exited on its own (code 0) while the cluster was serving; it is no longer in the status`)).toBe(true);
  });

  it('a worker that dies on its own is dropped from the status, with a problem', async () => {
    const app = await startApp();
    const [first] = (await app.status()).workers;
    app.command(`crash ${first!.id}`);
    const after = await app.statusWhen('one worker left', (s) => s.workers.length === 1);
    expect(after.workers[0]!.id).not.toBe(first!.id);
    expect(app.events.some((e) => e.problem?.startsWith(`worker ${first!.id} (pid ${first!.pid}) exited on its own (code 7)`))).toBe(true);
  });

  it('workers forked before the primary\'s drainer existed are asked to report, and drain with the rest', async () => {
    const app = await startApp({ lateDrainer: true });
    const { reply } = await app.hold();
    await app.statusWhen('the held request', (s) => s.in_flight.requests === 1);
    app.process.kill('SIGTERM');
    await app.waitFor('one worker exit', (e) => e.workerExit !== undefined);
    app.command('release');
    expect(await reply).toBe('200 done');
    expect(await app.exitCode()).toBe(0);
  });

  it('counts are reported coalesced: far fewer messages than requests, at most one per worker per 50 ms', async () => {
    const app = await startApp();
    const countNow = async (): Promise<number> => {
      const seen = app.events.filter((e) => e.facts !== undefined).length;
      app.command('count');
      return (await app.waitFor('count', (e) => e.facts !== undefined && app.events.filter((x) => x.facts !== undefined).length > seen)).facts ?? 0;
    };
    const before = await countNow();
    const started = Date.now();
    const requests = 400;
    for (let batch = 0; batch < requests / 20; batch++) {
      const replies = await Promise.all(Array.from({ length: 20 }, () => send(app.port, '/fast')));
      expect(replies.every((r) => r.status === 200)).toBe(true);
    }
    const window = Date.now() - started + 50; // the last count may go out one interval after the last request
    await new Promise((resolve) => setTimeout(resolve, 150));
    const messages = (await countNow()) - before;
    expect(messages).toBeGreaterThan(0);
    expect(messages).toBeLessThanOrEqual(2 * (Math.ceil(window / 50) + 1));
    expect(messages).toBeLessThan(requests / 4);
  });
});
