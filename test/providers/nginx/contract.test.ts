import { NginxProvider } from '../../../src/providers/nginx/provider.js';
import { startBackends, startNginx, stopAll } from '../../support/servers.js';
import { providerContract } from '../contract.js';

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
    close: () => stopAll(),
  };
});
