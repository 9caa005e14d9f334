import { haproxySyntax } from './haproxy/syntax.js';
import { nginxSyntax } from './nginx/syntax.js';
import type { ProviderEntry } from './registry.js';

/** Self-hosted proxies (haproxy, nginx): syntaxes load at once, providers on first use. */
export const proxyProviders: Record<string, ProviderEntry> = {
  haproxy: { syntax: haproxySyntax, load: async (o) => (await import('./haproxy/provider.js')).HaproxyProvider.create(o) },
  nginx: { syntax: nginxSyntax, load: async (o) => (await import('./nginx/provider.js')).NginxProvider.create(o) },
};
