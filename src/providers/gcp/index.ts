import type { ProviderEntry } from '../registry.js';
import { gcpBsSyntax, gcpIgSyntax, gcpNegSyntax } from './syntax.js';

/** Google Cloud providers (gcp-ig, gcp-neg, gcp-bs): syntaxes load at once, the Compute SDK only when a provider is created. */
export const gcpProviders: Record<string, ProviderEntry> = {
  'gcp-ig': { syntax: gcpIgSyntax, load: async (o) => (await import('./ig-provider.js')).GcpInstanceGroupProvider.create(o) },
  'gcp-neg': { syntax: gcpNegSyntax, load: async (o) => (await import('./neg-provider.js')).GcpNegProvider.create(o) },
  'gcp-bs': { syntax: gcpBsSyntax, load: async (o) => (await import('./bs-provider.js')).GcpBackendServiceProvider.create(o) },
};
