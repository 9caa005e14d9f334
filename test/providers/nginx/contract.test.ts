import type { TargetStatus } from '../../../src/core/state.js';
import { NginxProvider } from '../../../src/providers/nginx/provider.js';
import { type Backend, httpGet, sleep, startBackends, startNginx, stopAll } from '../../support/servers.js';
import { type HeldWork, providerContract } from '../contract.js';

/**
 * Slow requests on fresh connections until the target's backend holds one. NGINX has no way to
 * pin a request to a server, so the others get some too; the work ends when all of them have:
 * 'completed' when every response arrived whole, 'cut' when any was cut.
 */
async function holdOn(frontendPort: number, backends: readonly Backend[], target: TargetStatus, ms: number): Promise<HeldWork> {
  const backend = backends.find((b) => `127.0.0.1:${b.port}` === target.ref.target)!;
  const requests: Promise<'completed' | 'cut'>[] = [];
  for (let i = 0; i < 12 && (await backend.stats()).inFlight === 0; i++) {
    requests.push(httpGet(`http://127.0.0.1:${frontendPort}/slow?ms=${ms}`, { timeoutMs: ms + 10_000 }).then((r) => (r.status === 200 && r.body.endsWith('\n') ? 'completed' as const : 'cut' as const), () => 'cut' as const));
    await sleep(30);
  }
  let settled = false;
  const ended = Promise.all(requests).then((all) => (all.every((r) => r === 'completed') ? 'completed' as const : 'cut' as const)).finally(() => (settled = true));
  return { ended, settled: () => settled };
}

// Run unchanged, as for every provider. timeoutSeconds is unused: NGINX has no drain timeout
// (descriptor.timeout undefined), which the contract checks as such.
providerContract('nginx on a real NGINX 1.22', async () => {
  const backends = await startBackends(3);
  const nginx = await startNginx(backends);
  const group = `${nginx.upstreamFile}/app`;
  return {
    provider: new NginxProvider({ mainConfig: nginx.mainConfig }),
    group: { kind: 'group', provider: 'nginx', group },
    timeoutSeconds: undefined,
    missingTarget: { kind: 'target', provider: 'nginx', group, target: '127.0.0.1:1' },
    missingGroup: { kind: 'group', provider: 'nginx', group: `${nginx.upstreamFile}/nope` },
    drainBoundMs: 10_000,
    holdWork: (target, ms) => holdOn(nginx.frontendPort, backends, target, ms),
    countsInFlight: true,
    close: () => stopAll(),
  };
});
