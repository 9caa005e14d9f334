import type { ProviderDescriptor } from '../../core/provider.js';
import { haproxySyntax } from './syntax.js';

/** HAProxy servers through the runtime API: `set server … state drain|maint`; sessions are counted live. */
export const haproxyDescriptor: ProviderDescriptor = {
  name: 'haproxy',
  title: 'HAProxy backend servers (runtime API)',
  syntax: haproxySyntax,
  docs: 'docs/providers/haproxy.md',
  completion: 'observed',
  completesEarly: true,
  timeout: undefined,
  healthCheckReadable: false,
  // A runtime API change takes effect for the next request.
  propagationSeconds: 0,
  // The stats socket is local and cheap: notice the last session ending within 200 ms.
  pollIntervalMs: 200,
  options: [
    {
      key: 'mode',
      flag: '--mode <mode>',
      description: 'drain (state DRAIN: persistent sessions still arrive) or maint (state MAINT: nothing does)',
      choices: ['drain', 'maint'],
      defaultValue: 'drain',
    },
  ],
  load: async (settings) => (await import('./provider.js')).HaproxyProvider.create(settings),
};
