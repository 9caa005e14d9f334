import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_CLEAN, EXIT_FORCED, EXIT_HOOK_FAILED, createDrainer, type Drainer, type DrainerOptions, type Problem, type StateChange } from '../src/index.js';
import { Gate } from './support/gate.js';
import { closeServer, listen, send } from './support/http.js';

let server: Server;
let drainer: Drainer | null = null;
let gate: Gate;

async function start(options: DrainerOptions = {}): Promise<{ port: number; drainer: Drainer; problems: Problem[] }> {
  gate = new Gate();
  const started = await listen((req, res) => {
    if (req.url === '/slow') return void gate.pass().then(() => res.end('done'));
    res.end('ok');
  });
  server = started.server;
  drainer = createDrainer(server, { signals: false, ...options });
  const problems: Problem[] = [];
  drainer.on('problem', (problem) => problems.push(problem));
  return { port: started.port, drainer, problems };
}

afterEach(async () => {
  gate.open();
  await drainer?.close();
  await closeServer(server);
  drainer = null;
});

const never = (): Promise<void> => new Promise(() => undefined);

describe('hooks', () => {
  it('runs beforeShutdown after in-flight work ended, onShutdown after the server closed, then moves to closed', async () => {
    const seen: string[] = [];
    let serverClosed = false;
    const { port, drainer: d } = await start({
      beforeShutdown: (context) => void seen.push(`before: ${d.state} ${context.outcome} ${context.reason} serverClosed=${serverClosed}`),
      onShutdown: (context) => void seen.push(`on: ${d.state} ${context.outcome} serverClosed=${serverClosed}`),
    });
    server.once('close', () => (serverClosed = true));
    const slow = send(port, '/slow');
    await gate.reached(1);
    const drained = d.drain();
    gate.open();
    await slow;
    const result = await drained;
    expect(seen).toEqual(['before: drained drained api serverClosed=false', 'on: drained drained serverClosed=true']);
    expect(result).toMatchObject({ outcome: 'drained', exitCode: EXIT_CLEAN, problems: [] });
    expect(d.state).toBe('closed');
  });

  it('reports a hook that times out or throws, never hangs, and exits 2 when the work itself was clean', async () => {
    const { drainer: d, problems } = await start({
      hookTimeout: 50,
      beforeShutdown: never,
      onShutdown: () => {
        throw new Error('flush failed');
      },
    });
    const result = await d.drain();
    expect(result.outcome).toBe('drained');
    expect(result.exitCode).toBe(EXIT_HOOK_FAILED);
    expect(problems.map((p) => [p.source, p.timedOut, p.message])).toEqual([
      ['beforeShutdown', true, 'beforeShutdown did not finish within 50 ms'],
      ['onShutdown', false, 'onShutdown failed: flush failed'],
    ]);
    expect(d.state).toBe('closed');
  });

  it('exits 1, not 2, when work was cut and a hook failed too', async () => {
    const { port, drainer: d } = await start({ drainTimeout: 50, hookTimeout: 50, beforeShutdown: never });
    void send(port, '/slow').catch(() => undefined);
    await gate.reached(1);
    expect((await d.drain()).exitCode).toBe(EXIT_FORCED);
  });
});

describe('state changes, recorder and callbacks', () => {
  it('records state changes only, never requests, in order, and awaits the last writes', async () => {
    const recorded: StateChange[] = [];
    let lastWriteDone = false;
    const recorder = {
      record: async (change: StateChange) => {
        recorded.push(change);
        if (change.to === 'closed') await new Promise<void>((resolve) => setImmediate(resolve)).then(() => (lastWriteDone = true));
      },
    };
    const starts: string[] = [];
    const changes: string[] = [];
    const { port, drainer: d } = await start({ recorder, onDrain: (start) => void starts.push(start.reason), onStateChange: (change) => void changes.push(change.to) });
    for (let i = 0; i < 20; i++) await send(port, '/fast');
    await d.drain();
    expect(recorded.map((change) => `${change.from}->${change.to}`)).toEqual(['serving->draining', 'draining->drained', 'drained->closed']);
    expect(recorded.every((change) => !Number.isNaN(Date.parse(change.at)))).toBe(true);
    expect(lastWriteDone).toBe(true);
    expect(starts).toEqual(['api']);
    expect(changes).toEqual(['draining', 'drained', 'closed']);
  });

  it('reports a failing recorder and callbacks without breaking the drain', async () => {
    const { drainer: d, problems } = await start({
      recorder: { record: (change) => (change.to === 'draining' ? Promise.reject(new Error('ledger down')) : undefined) },
      onDrain: () => {
        throw new Error('onDrain broke');
      },
      onStateChange: (change) => {
        if (change.to === 'drained') throw new Error('onStateChange broke');
      },
    });
    d.on('state', (change) => {
      if (change.to === 'closed') throw new Error('listener broke');
    });
    const result = await d.drain();
    expect(result).toMatchObject({ outcome: 'drained', exitCode: EXIT_CLEAN });
    expect(problems.map((p) => p.source).sort()).toEqual(['onDrain', 'onStateChange', 'recorder', 'stateListener']);
  });

  it('turns problems into process warnings when nobody listens', async () => {
    gate = new Gate();
    const started = await listen();
    server = started.server;
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      drainer = createDrainer(server, { signals: false, hookTimeout: 20, beforeShutdown: never });
      await drainer.drain();
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(warnings).toContain('DrainerWarning: beforeShutdown did not finish within 20 ms');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('idempotence and the AbortSignal', () => {
  it('returns the same promise from drain() and close(), aborts the signal when the drain starts', async () => {
    const { port, drainer: d } = await start();
    expect(d.signal.aborted).toBe(false);
    expect(d.isDraining).toBe(false);
    const slow = send(port, '/slow');
    await gate.reached(1);
    const first = d.drain();
    expect(d.signal.aborted).toBe(true);
    expect(d.isDraining).toBe(true);
    expect(d.drain()).toBe(first);
    gate.open();
    await slow;
    const result = await first;
    expect(d.close()).toBe(first);
    expect(d.drain()).toBe(first);
    expect(result.reason).toBe('api');
  });

  it('close() while serving with nothing in flight ends clean; close() with work in flight cuts it', async () => {
    const idle = await start();
    const clean = await idle.drainer.close();
    expect(clean).toMatchObject({ outcome: 'drained', reason: 'close', exitCode: EXIT_CLEAN });
    await closeServer(server);

    const busy = await start({ shutdownDelay: 10_000, drainTimeout: 20_000 });
    const slow = send(busy.port, '/slow').catch(() => 'cut');
    await gate.reached(1);
    void busy.drainer.drain();
    const cut = await busy.drainer.close();
    expect(cut).toMatchObject({ outcome: 'forced', exitCode: EXIT_FORCED, cut: { requests: 1 } });
    expect(await slow).toBe('cut');
  });

  it('gives the server back its own emit once closed', async () => {
    const { drainer: d } = await start();
    expect(Object.prototype.hasOwnProperty.call(server, 'emit')).toBe(true);
    await d.close();
    expect(Object.prototype.hasOwnProperty.call(server, 'emit')).toBe(false);
  });
});

describe('signals (in this process, without exit)', () => {
  it('installs one shared listener, drains every drainer on the signal, and removes the listener when closed', async () => {
    const before = process.listenerCount('SIGUSR2');
    const a = await start({ signals: ['SIGUSR2'], exit: false });
    const second = await listen();
    const b = createDrainer(second.server, { signals: ['SIGUSR2'], exit: false });
    try {
      expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
      process.emit('SIGUSR2', 'SIGUSR2');
      expect([a.drainer.state, b.state]).toEqual(['drained', 'drained']);
      const [ra, rb] = await Promise.all([a.drainer.drain(), b.drain()]);
      expect([ra.reason, rb.reason]).toEqual(['signal', 'signal']);
      expect(process.listenerCount('SIGUSR2')).toBe(before);
    } finally {
      await b.close();
      await closeServer(second.server);
    }
  });

  it('a second signal cuts the drain now when exit is off', async () => {
    const { port, drainer: d } = await start({ signals: ['SIGUSR2'], exit: false });
    void send(port, '/slow').catch(() => undefined);
    await gate.reached(1);
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(d.state).toBe('draining');
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(d.state).toBe('forced');
    expect((await d.drain()).exitCode).toBe(EXIT_FORCED);
  });
});
