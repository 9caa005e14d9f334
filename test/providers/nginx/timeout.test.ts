import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainTargets } from '../../../src/core/drain.js';
import type { DrainEvent } from '../../../src/core/events.js';
import type { GroupRef, TargetRef } from '../../../src/core/refs.js';
import { createMemoryLedger } from '../../../src/ledger/index.js';
import { workersOf } from '../../../src/providers/nginx/processes.js';
import { NginxProvider } from '../../../src/providers/nginx/provider.js';
import { type Backend, httpGet, type NginxServer, sleep, startBackends, startNginx, stopAll } from '../../support/servers.js';
import { testCall } from '../../support/call.js';

let backends: Backend[];
let nginx: NginxServer;
let provider: NginxProvider;

beforeAll(async () => {
  backends = await startBackends(3);
  nginx = await startNginx(backends);
  provider = new NginxProvider({ mainConfig: nginx.mainConfig });
}, 30_000);
afterAll(() => stopAll());

describe('NGINX: a request longer than the wait', () => {
  it('on-timeout fail reports timed_out and leaves the server down; on-timeout force stops the old worker and cuts the 1 connection', async () => {
    const long = httpGet(`http://127.0.0.1:${nginx.frontendPort}/slow?ms=10000`).then((r) => `status ${r.status} ${r.body.length}`, (e: Error) => `cut: ${e.message}`);
    let busy: Backend | undefined;
    for (let i = 0; i < 100 && !busy; i++) {
      for (const b of backends) if ((await b.stats()).inFlight === 1) busy = b;
      if (!busy) await sleep(20);
    }
    expect(busy).toBeDefined();
    const group: GroupRef = { kind: 'group', provider: 'nginx', group: `${nginx.upstreamFile}/app` };
    const ref: TargetRef = { kind: 'target', provider: 'nginx', group: group.group, target: `127.0.0.1:${busy!.port}` };
    const ledger = createMemoryLedger();
    const providers = async () => provider;

    const failed = await drainTargets({ targets: [ref], providers, ledger, timeoutMs: 2000, onTimeout: 'fail' });
    expect(failed.results).toMatchObject([{ outcome: 'timed_out', state: 'draining' }]);
    expect(readFileSync(nginx.upstreamFile, 'utf8')).toContain(`127.0.0.1:${busy!.port} max_fails=0 down;`);
    expect((await provider.describe(group, [ref], testCall())).targets[0]).toMatchObject({ state: 'draining', inFlight: 1 });
    expect((await workersOf(nginx.masterPid())).filter((w) => w.shuttingDown)).toHaveLength(1);

    const events: DrainEvent[] = [];
    const forced = await drainTargets({ targets: [ref], providers, ledger, timeoutMs: 2000, onTimeout: 'force', onEvent: (e) => events.push(e) });
    expect(forced.results).toMatchObject([{ outcome: 'forced', state: 'drained' }]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'warning', message: expect.stringContaining('cut 1 open session on') }));
    expect(await long).toMatch(/^cut/);
    for (let i = 0; i < 100 && (await provider.describe(group, [ref], testCall())).targets[0]!.state !== 'drained'; i++) await sleep(20);
    expect((await provider.describe(group, [ref], testCall())).targets[0]).toMatchObject({ state: 'drained' });
    await provider.restore(group, [{ ref, registration: undefined }], testCall());
  }, 20_000);
});
