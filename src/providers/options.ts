export type { ProviderSettings as ProviderOptions } from '../core/provider.js';
