import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { buildLibrary } from './support/build-library.js';
import { send } from './support/http.js';

/**
 * The real thing: a child node process, real signals, real exit codes. The cases run concurrently (each is one
 * independent process); each kills its own child when it ends, and afterAll kills any left.
 */

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/signal-server.mjs');
const BOUND_MS = 10_000;
type FixtureEvent = { server?: number; port?: number; state?: string; held?: number; problem?: string; ready?: boolean; exit?: number };

let library: ReturnType<typeof buildLibrary>;
beforeAll(() => {
  library = buildLibrary();
});
afterAll(() => {
  for (const child of children.splice(0)) child.kill();
  library.remove();
});

class Child {
  readonly events: FixtureEvent[] = [];
  readonly exited: Promise<number | null>;
  private readonly waiters: { test: (event: FixtureEvent) => boolean; resolve: (event: FixtureEvent) => void }[] = [];
  private stderr = '';

  constructor(private readonly process: ChildProcess) {
    createInterface({ input: process.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as FixtureEvent;
      this.events.push(event);
      for (const waiter of this.waiters.filter((w) => w.test(event))) waiter.resolve(event);
    });
    process.stderr!.on('data', (chunk) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
  }

  /** Resolves with the first event that passes `test` (seen already or to come), at most BOUND_MS. */
  waitFor(what: string, test: (event: FixtureEvent) => boolean): Promise<FixtureEvent> {
    const seen = this.events.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child: no ${what} within ${BOUND_MS} ms; events ${JSON.stringify(this.events)}; stderr ${this.stderr}`)), BOUND_MS);
      this.waiters.push({ test, resolve: (event) => (clearTimeout(timer), resolve(event)) });
    });
  }

  async port(server = 0): Promise<number> {
    return (await this.waitFor(`port of server ${server}`, (e) => e.server === server && e.port !== undefined)).port ?? 0;
  }

  signal(name: NodeJS.Signals = 'SIGTERM'): void {
    this.process.kill(name);
  }

  command(line: string): void {
    this.process.stdin!.write(`${line}\n`);
  }

  states(server = 0): string[] {
    return this.events.filter((e) => e.server === server && e.state).map((e) => e.state ?? '');
  }

  /** The exit code, failing the test if the child does not exit within the bound. */
  exitCode(): Promise<number | null> {
    return Promise.race([this.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`child did not exit within ${BOUND_MS} ms; events ${JSON.stringify(this.events)}`)), BOUND_MS))]);
  }

  kill(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
  }
}

const children: Child[] = [];

async function startChild(config: Record<string, unknown> = {}): Promise<Child> {
  const child = new Child(spawn(process.execPath, [FIXTURE], {
    env: { ...process.env, DRAINER_MODULE: library.entry, FIXTURE_CONFIG: JSON.stringify(config) },
    stdio: ['pipe', 'pipe', 'pipe'],
  }));
  children.push(child);
  await child.waitFor('ready', (e) => e.ready === true);
  return child;
}

/** Starts a /slow request and resolves once the child holds it; `reply` settles with the answer (or 'cut'). */
async function holdRequest(child: Child): Promise<{ reply: Promise<string> }> {
  const port = await child.port();
  const reply = send(port, '/slow').then((r) => `${r.status} ${r.body}`, () => 'cut');
  await child.waitFor('held request', (e) => e.held === 1);
  return { reply };
}

/** Runs one case with its own child process, killed when the case ends, pass or fail. */
function withChild(config: Record<string, unknown>, run: (child: Child, expect: ExpectStatic) => Promise<void>) {
  return async ({ expect }: { expect: ExpectStatic }): Promise<void> => {
    const child = await startChild(config);
    try {
      await run(child, expect);
    } finally {
      child.kill();
    }
  };
}

describe.concurrent('signals in a real process', () => {
  it('SIGTERM: the request in progress finishes, then exit 0 (EXIT_CLEAN)', withChild({}, async (child, expect) => {
    const { reply } = await holdRequest(child);
    child.signal('SIGTERM');
    await child.waitFor('draining', (e) => e.state === 'draining');
    child.command('release');
    expect(await reply).toBe('200 done');
    expect(await child.exitCode()).toBe(0);
    expect(child.states()).toEqual(['draining', 'drained', 'closed']);
  }));

  it('work cut at drainTimeout: exit 1 (EXIT_FORCED)', withChild({ drainTimeout: 200 }, async (child, expect) => {
    const { reply } = await holdRequest(child);
    child.signal('SIGTERM');
    expect(await child.exitCode()).toBe(1);
    expect(child.states()).toEqual(['draining', 'forced', 'closed']);
    expect(await reply).toBe('cut');
  }));

  it('a second SIGTERM exits at once with 1, without waiting for the deadline', withChild({ drainTimeout: 60_000 }, async (child, expect) => {
    await holdRequest(child);
    child.signal('SIGTERM');
    await child.waitFor('draining', (e) => e.state === 'draining');
    child.signal('SIGTERM');
    expect(await child.exitCode()).toBe(1);
    expect(child.states()).toEqual(['draining']);
  }));

  it('during shutdownDelay: health is 503 while new connections are still served; SIGINT works too', withChild({ shutdownDelay: 60_000, drainTimeout: 90_000 }, async (child, expect) => {
    const port = await child.port();
    expect((await send(port, '/health')).status).toBe(200);
    child.signal('SIGINT');
    await child.waitFor('draining', (e) => e.state === 'draining');
    expect((await send(port, '/health')).status).toBe(503);
    expect(await send(port, '/fast')).toMatchObject({ status: 200, body: 'ok' });
    child.command('close'); // ends the delay early; nothing in flight, so the signal-started shutdown is clean
    expect(await child.exitCode()).toBe(0);
  }));

  it('a failing beforeShutdown hook: exit 2 (EXIT_HOOK_FAILED), reported', withChild({ failHook: true }, async (child, expect) => {
    child.signal('SIGTERM');
    expect(await child.exitCode()).toBe(2);
    expect(child.events).toContainEqual({ server: 0, problem: 'beforeShutdown failed: cache flush failed' });
  }));

  it('two servers in one process drain together and the process exits once, after both closed', withChild({ servers: 2 }, async (child, expect) => {
    child.signal('SIGTERM');
    expect(await child.exitCode()).toBe(0);
    expect([child.states(0), child.states(1)]).toEqual([['draining', 'drained', 'closed'], ['draining', 'drained', 'closed']]);
    expect(child.events.filter((e) => e.exit !== undefined)).toEqual([{ exit: 0 }]);
  }));
});
