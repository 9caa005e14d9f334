import type { ProviderEntry } from '../registry.js';
import { agwSyntax, lbSyntax } from './syntax.js';

/** Azure providers (azure-agw, azure-lb): syntaxes load at once, the SDK only when a provider is used. */
export const azureProviders: Record<string, ProviderEntry> = {
  'azure-agw': { syntax: agwSyntax, load: async (o) => (await import('./agw-provider.js')).AzureAgwProvider.create(o) },
  'azure-lb': { syntax: lbSyntax, load: async (o) => (await import('./lb-provider.js')).AzureLbProvider.create(o) },
};
