import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCall } from '../../support/call.js';
import { drainTargets } from '../../../src/core/drain.js';
import type { DrainEvent } from '../../../src/core/events.js';
import type { TargetRef } from '../../../src/core/refs.js';
import { createMemoryLedger } from '../../../src/ledger/index.js';
import { HaproxyProvider } from '../../../src/providers/haproxy/provider.js';
import { type HaproxyServer, httpGet, sleep, startBackends, startHaproxy, stopAll } from '../../support/servers.js';

let haproxy: HaproxyServer;
const provider = new HaproxyProvider();

beforeAll(async () => {
  haproxy = await startHaproxy(await startBackends(3));
}, 30_000);
afterAll(() => stopAll());

describe('HAProxy: a request longer than the wait', () => {
  it('on-timeout fail reports timed_out and leaves the server draining; on-timeout force cuts the 1 session', async () => {
    const ref: TargetRef = { kind: 'target', provider: 'haproxy', group: `127.0.0.1:${haproxy.adminPort}/be_app`, target: 'app1' };
    const long = httpGet(`http://127.0.0.1:${haproxy.frontendPort}/slow?ms=10000`, { headers: { cookie: 'SRV=a1' } }).then((r) => `status ${r.status}`, (e: Error) => `cut: ${e.message}`);
    for (let i = 0; i < 100 && (await provider.describe({ kind: 'group', provider: 'haproxy', group: ref.group }, [ref], testCall())).targets[0]!.inFlight !== 1; i++) await sleep(20);
    const ledger = createMemoryLedger();
    const providers = async () => provider;

    const failed = await drainTargets({ targets: [ref], providers, ledger, timeoutMs: 2000, onTimeout: 'fail' });
    // Reported by the listener HAProxy lists first, its admin socket, however the drain named it.
    expect(failed.results).toMatchObject([{ target: `haproxy:${haproxy.socketPath}/be_app/app1`, outcome: 'timed_out', state: 'draining' }]);
    const left = (await provider.describe({ kind: 'group', provider: 'haproxy', group: ref.group }, [ref], testCall())).targets[0]!;
    expect(left).toMatchObject({ state: 'draining', inFlight: 1, raw: { state: 'DRAIN' } });

    const events: DrainEvent[] = [];
    const forced = await drainTargets({ targets: [ref], providers, ledger, timeoutMs: 2000, onTimeout: 'force', onEvent: (e) => events.push(e) });
    expect(forced.results).toMatchObject([{ outcome: 'forced', state: 'drained' }]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'warning', message: expect.stringContaining('cut 1 open session on') }));
    expect((await ledger.history({ provider: 'haproxy' })).find((e) => e.type === 'forced')?.details).toMatchObject({ cut: 1 });
    expect(await long).toMatch(/^(cut|status 5)/);
    await provider.restore({ kind: 'group', provider: 'haproxy', group: ref.group }, [{ ref, registration: undefined }], testCall());
  }, 20_000);
});
