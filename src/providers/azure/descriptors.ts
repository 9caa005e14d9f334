import type { ProviderDescriptor } from '../../core/provider.js';
import { agwSyntax, lbSyntax } from './syntax.js';

/**
 * Facts both Azure providers share: neither shows drain progress per address, so the core
 * counts the drain timeout down from when the change was accepted.
 */
const AZURE_FACTS = {
  docs: 'docs/providers/azure.md',
  completion: 'countdown',
  completesEarly: false,
  healthCheckReadable: false,
  propagationSeconds: 5,
  options: [],
} as const;

/** Application Gateway backend pool members (a read-modify-write of the whole gateway). */
export const azureAgwDescriptor: ProviderDescriptor = {
  ...AZURE_FACTS,
  name: 'azure-agw',
  title: 'Azure Application Gateway backend pool members',
  syntax: agwSyntax,
  timeout: { minSeconds: 1, maxSeconds: 3600, defaultSeconds: 30, setting: 'connectionDraining.drainTimeoutInSec' },
  load: async (settings) => (await import('./agw-provider.js')).AzureAgwProvider.create(settings),
};

/** Load Balancer backend pool addresses (adminState Down); no drain timeout of its own. */
export const azureLbDescriptor: ProviderDescriptor = {
  ...AZURE_FACTS,
  name: 'azure-lb',
  title: 'Azure Load Balancer backend pool addresses',
  syntax: lbSyntax,
  timeout: undefined,
  load: async (settings) => (await import('./lb-provider.js')).AzureLbProvider.create(settings),
};
