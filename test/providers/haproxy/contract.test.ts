import type { TargetStatus } from '../../../src/core/state.js';
import { HaproxyProvider } from '../../../src/providers/haproxy/provider.js';
import { type Backend, httpGet, sleep, startBackends, startHaproxy, stopAll } from '../../support/servers.js';
import { type HeldWork, providerContract } from '../contract.js';

/**
 * A slow request pinned to one server by its cookie (servers appN carry cookie aN), returned
 * once the backend holds it: 'completed' when the full response arrived, 'cut' otherwise.
 */
async function holdOn(frontendPort: number, backends: readonly Backend[], target: TargetStatus, ms: number): Promise<HeldWork> {
  const index = backends.findIndex((b) => b.name === target.ref.target);
  const backend = backends[index]!;
  const before = (await backend.stats()).inFlight;
  let settled = false;
  const ended = httpGet(`http://127.0.0.1:${frontendPort}/slow?ms=${ms}`, { headers: { cookie: `SRV=a${index + 1}` }, timeoutMs: ms + 10_000 })
    .then((r) => (r.status === 200 && r.body.endsWith('\n') ? 'completed' as const : 'cut' as const), () => 'cut' as const)
    .finally(() => (settled = true));
  for (let i = 0; i < 100 && !settled && (await backend.stats()).inFlight <= before; i++) await sleep(20);
  return { ended, settled: () => settled };
}

// Run unchanged, as for every provider. timeoutSeconds is unused: HAProxy has no drain timeout
// (descriptor.timeout undefined), which the contract checks as such.
providerContract('haproxy on a real HAProxy 2.6 (TCP runtime API)', async () => {
  const backends = await startBackends(3);
  const haproxy = await startHaproxy(backends);
  const group = `127.0.0.1:${haproxy.adminPort}/be_app`;
  return {
    provider: new HaproxyProvider(),
    group: { kind: 'group', provider: 'haproxy', group },
    timeoutSeconds: undefined,
    missingTarget: { kind: 'target', provider: 'haproxy', group, target: 'app9' },
    missingGroup: { kind: 'group', provider: 'haproxy', group: `127.0.0.1:${haproxy.adminPort}/be_nope` },
    drainBoundMs: 10_000,
    holdWork: (target, ms) => holdOn(haproxy.frontendPort, backends, target, ms),
    countsInFlight: true,
    close: () => stopAll(),
  };
});
