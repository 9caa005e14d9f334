import type { ProviderEntry } from '../registry.js';

/** Google Cloud providers (gcp-ig, gcp-neg, gcp-bs): syntaxes load at once, SDK clients lazily. */
export const gcpProviders: Record<string, ProviderEntry> = {};
