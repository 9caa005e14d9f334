import { HaproxyProvider } from '../../../src/providers/haproxy/provider.js';
import { startBackends, startHaproxy, stopAll } from '../../support/servers.js';
import { providerContract } from '../contract.js';

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
    close: () => stopAll(),
  };
});
