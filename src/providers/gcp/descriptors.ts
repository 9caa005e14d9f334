import type { ProviderDescriptor } from '../../core/provider.js';
import { gcpBsSyntax, gcpIgSyntax, gcpNegSyntax } from './syntax.js';

/**
 * Facts the three Google Cloud providers share. GCP shows no drain progress for instance groups,
 * endpoints or backends (a removed member simply disappears), so drain() returns once the
 * operation is DONE and the core counts the backend service's draining timeout down from there.
 */
const GCP_FACTS = {
  docs: 'docs/providers/gcp.md',
  completion: 'countdown',
  completesEarly: false,
  healthCheckReadable: false,
  propagationSeconds: 5,
  options: [],
} as const;

/** Members of unmanaged zonal instance groups (removeInstances / addInstances). */
export const gcpIgDescriptor: ProviderDescriptor = {
  ...GCP_FACTS,
  name: 'gcp-ig',
  title: 'Google Cloud unmanaged instance group members',
  syntax: gcpIgSyntax,
  // The drain timeout is the backend services' (set it with gcp-bs).
  timeout: undefined,
  load: async (settings) => (await import('./ig-provider.js')).GcpInstanceGroupProvider.create(settings),
};

/** Zonal network endpoint group endpoints (detachNetworkEndpoints / attachNetworkEndpoints). */
export const gcpNegDescriptor: ProviderDescriptor = {
  ...GCP_FACTS,
  name: 'gcp-neg',
  title: 'Google Cloud zonal NEG endpoints',
  syntax: gcpNegSyntax,
  timeout: undefined,
  load: async (settings) => (await import('./neg-provider.js')).GcpNegProvider.create(settings),
};

/** Backends of backend services (capacityScaler 0), and the service's connectionDraining timeout. */
export const gcpBsDescriptor: ProviderDescriptor = {
  ...GCP_FACTS,
  name: 'gcp-bs',
  title: 'Google Cloud backend service backends',
  syntax: gcpBsSyntax,
  // 0-3600, 0 = draining off; an unset field behaves as 0.
  timeout: { minSeconds: 0, maxSeconds: 3600, defaultSeconds: 0, setting: 'connectionDraining.drainingTimeoutSec' },
  load: async (settings) => (await import('./bs-provider.js')).GcpBackendServiceProvider.create(settings),
};
