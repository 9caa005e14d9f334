import type { ProviderDescriptor } from '../../core/provider.js';
import { nginxSyntax } from './syntax.js';

/** NGINX upstream servers: `down` in the upstream file, `nginx -t`, a graceful reload, then old workers followed to their end. */
export const nginxDescriptor: ProviderDescriptor = {
  name: 'nginx',
  title: 'NGINX upstream servers (configuration file and reload)',
  syntax: nginxSyntax,
  docs: 'docs/providers/nginx.md',
  completion: 'observed',
  completesEarly: true,
  timeout: undefined,
  healthCheckReadable: false,
  // New workers take the change at once; old ones finish what they hold.
  propagationSeconds: 1,
  pollIntervalMs: 250,
  options: [
    { key: 'nginx-conf', flag: '--nginx-conf <file>', description: 'main configuration that includes the upstream file', defaultValue: '/etc/nginx/nginx.conf' },
    { key: 'reload-command', flag: '--reload-command <cmd>', description: 'how to apply a change, run through /bin/sh -c (default: nginx -c <main config> -s reload)' },
    { key: 'status-url', flag: '--status-url <url>', description: 'stub_status URL to show connection counts while waiting' },
  ],
  load: async (settings) => (await import('./provider.js')).NginxProvider.create(settings),
};
