import type { ProviderEntry } from '../registry.js';

/** Azure providers (azure-agw, azure-lb): syntaxes load at once, SDK clients lazily. */
export const azureProviders: Record<string, ProviderEntry> = {};
