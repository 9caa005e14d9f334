import { usageError } from '../core/errors.js';
import type { DrainProvider, ProviderResolver } from '../core/provider.js';
import type { RefSyntax } from '../core/refs.js';
import { elbSyntax } from './aws-elb/syntax.js';
import { elbv2Syntax } from './aws-elbv2/syntax.js';
import { azureProviders } from './azure/index.js';
import { gcpProviders } from './gcp/index.js';
import { proxyProviders } from './proxies.js';
import type { ProviderOptions } from './options.js';

/** One provider: its reference syntax (plain code) and how to load it (with its SDK) on first use. */
export interface ProviderEntry {
  readonly syntax: RefSyntax;
  readonly load: (options: ProviderOptions) => Promise<DrainProvider>;
}

/**
 * Every provider drainctl knows. Reference syntaxes are plain code and load at once;
 * the providers themselves (and their SDKs) load only when a command needs them.
 */
const PROVIDERS: Record<string, ProviderEntry> = {
  elbv2: { syntax: elbv2Syntax, load: async (o) => (await import('./aws-elbv2/provider.js')).Elbv2Provider.create(o) },
  elb: { syntax: elbSyntax, load: async (o) => (await import('./aws-elb/provider.js')).ElbProvider.create(o) },
  ...gcpProviders,
  ...azureProviders,
  ...proxyProviders,
};

/** The reference syntaxes of every provider, for parsing. */
export const refSyntaxes: readonly RefSyntax[] = Object.values(PROVIDERS).map((p) => p.syntax);

/** A resolver that creates each provider once, on first use, and can close them all. */
export function createProviderResolver(options: ProviderOptions): ProviderResolver & { closeAll(): void } {
  const created = new Map<string, Promise<DrainProvider>>();
  const resolve = (name: string): Promise<DrainProvider> => {
    const entry = PROVIDERS[name];
    if (!entry) return Promise.reject(usageError(`unknown provider "${name}"`, `known providers: ${Object.keys(PROVIDERS).join(', ')}`));
    let provider = created.get(name);
    if (!provider) {
      provider = entry.load(options);
      created.set(name, provider);
    }
    return provider;
  };
  return Object.assign(resolve, {
    closeAll: () => {
      for (const p of created.values()) p.then((provider) => provider.close?.(), () => {});
    },
  });
}
