/**
 * A real app using @drainctl/server, recording its drain in a drainctl SQLite ledger through
 * createLedgerRecorder: state changes only (drain_begin, drain_complete), never a request.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { appInstanceKey, createLedgerRecorder } from '../../src/app-status/ledger-recorder.js';
import type { Ledger } from '../../src/core/ledger.js';
import { openSqliteLedger } from '../../src/ledger/index.js';
import { createDrainer } from '../../packages/server/src/index.js';
import { freshLedgerPath } from '../support/cli.js';

let server: Server | undefined;
let ledger: Ledger | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server?.listening ? server.close(r) : r(undefined)));
  await ledger?.close();
  server = undefined;
  ledger = undefined;
});

/** An app whose /hold requests answer when `release` is called. */
async function app(drainTimeout: number) {
  const held: (() => void)[] = [];
  server = createServer((req, res) => (req.url === '/hold' ? held.push(() => res.end('done')) : res.end('ok')));
  ledger = openSqliteLedger(freshLedgerPath());
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const key = appInstanceKey('web', port, 'host-1');
  const drainer = createDrainer(server, { signals: false, drainTimeout, recorder: createLedgerRecorder(ledger, key) });
  return { port, key, drainer, release: () => held.splice(0).forEach((f) => f()), heldCount: () => held.length };
}

describe('the ledger recorder', () => {
  it('writes nothing per request, and the drain as drain_begin then drain_complete, with the row kept current', async () => {
    const { port, key, drainer, release, heldCount } = await app(30_000);
    for (let i = 0; i < 50; i++) expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
    expect(await ledger!.history()).toEqual([]);

    const pending = fetch(`http://127.0.0.1:${port}/hold`).then((r) => r.text());
    for (let i = 0; i < 100 && heldCount() === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const drained = drainer.drain();
    for (let i = 0; i < 100 && (await ledger!.history()).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await ledger!.find(key)).toMatchObject({ status: 'draining', inFlight: 1 });
    release();
    expect(await pending).toBe('done');
    await drained;
    const events = (await ledger!.history()).reverse();
    expect(events.map((e) => e.type)).toEqual(['drain_begin', 'drain_complete']);
    expect(events[0]!.details).toEqual({ inflight: 1, persistent: 0 });
    expect(events[1]!.details).toEqual({ success: true, remaining_inflight: 0 });
    expect(await ledger!.find(key)).toMatchObject({ provider: 'app', group: 'web', target: 'host-1:' + port, status: 'stopped', inFlight: 0 });
  });

  it('a drain cut at its timeout is recorded as not a success, with what was still in flight', async () => {
    const { port, drainer, heldCount } = await app(300);
    void fetch(`http://127.0.0.1:${port}/hold`).catch(() => undefined);
    for (let i = 0; i < 100 && heldCount() === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await drainer.drain();
    const complete = (await ledger!.history()).find((e) => e.type === 'drain_complete');
    expect(complete?.details).toEqual({ success: false, remaining_inflight: 1 });
  });
});
