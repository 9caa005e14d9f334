import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallContext } from '../../../src/core/call.js';
import { DrainctlError } from '../../../src/core/errors.js';
import { runtimeCommand } from '../../../src/providers/haproxy/client.js';
import { ManualClock } from '../../support/manual-clock.js';
import { sleep } from '../../support/servers.js';

/** A peer that accepts and never answers: only the command's bound ends a command sent to it. */
let silent: Server;
let port: number;
const sockets = new Set<Socket>();

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

/** Sends a command to the silent peer on the manual clock, and moves the clock by `advanceMs` once it is sent. */
async function silentCommand(call: CallContext & { clock: ManualClock }, advanceMs: number): Promise<DrainctlError> {
  let finished = false;
  const result = runtimeCommand({ kind: 'tcp', host: '127.0.0.1', port }, 'show stat', { call, timeoutMs: 5000 }).then(
    () => new Error('answered'),
    (e: unknown) => e,
  ).finally(() => (finished = true));
  for (let i = 0; i < 200 && sockets.size === 0; i++) await sleep(10);
  await sleep(50);
  expect(finished, 'real time alone does not end it').toBe(false);
  call.clock.advance(advanceMs);
  for (let i = 0; i < 200 && !finished; i++) await sleep(10);
  expect(finished).toBe(true);
  return (await result) as DrainctlError;
}

describe('HAProxy runtime API client on the call clock', () => {
  it('a command that gets no answer ends at its own 5 s bound on the clock (transient, retried by the core)', async () => {
    const clock = new ManualClock();
    const error = await silentCommand({ signal: undefined, clock, deadline: clock.now() + 60_000 }, 5000);
    expect(error).toBeInstanceOf(DrainctlError);
    expect(error).toMatchObject({ kind: 'provider', retryable: 'transient', message: `HAProxy runtime API at 127.0.0.1:${port}: no answer to "show stat" within 5000 ms` });
  });

  it('a command that gets no answer ends at the call deadline when that comes first', async () => {
    const clock = new ManualClock();
    const error = await silentCommand({ signal: undefined, clock, deadline: clock.now() + 2000 }, 2000);
    expect(error).toBeInstanceOf(DrainctlError);
    expect(error).toMatchObject({ kind: 'timeout', message: `waiting for the HAProxy runtime API at 127.0.0.1:${port} to answer "show stat": gave up at the deadline after 2s` });
  });
});
