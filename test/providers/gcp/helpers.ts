/** Shared set-up for the GCP provider tests: seeds, providers pointed at the emulator, cleanup. */
import { afterEach } from 'vitest';
import type { DrainProvider } from '../../../src/core/provider.js';
import type { GroupRef, TargetRef } from '../../../src/core/refs.js';
import { startGcpEmulator, type GcpEmulator, type GcpEmulatorOptions, type GcpSeed } from '../../../src/emulators/gcp/index.js';
import { GcpBackendServiceProvider } from '../../../src/providers/gcp/bs-provider.js';
import { GcpInstanceGroupProvider } from '../../../src/providers/gcp/ig-provider.js';
import { GcpNegProvider } from '../../../src/providers/gcp/neg-provider.js';
import type { ProviderOptions } from '../../../src/providers/options.js';

export const PROJECT = 'contract-project';
export const ZONE = 'us-central1-a';

/** Three instance groups in three zones (three VMs in the first) and a NEG, each behind a 1-second-draining service. */
export function contractSeed(drainingTimeoutSec = 1): GcpSeed {
  return {
    projects: {
      [PROJECT]: {
        zones: {
          'us-central1-a': {
            instances: ['vm-1', 'vm-2', 'vm-3', 'app-1', 'app-2', 'app-3'].map((name) => ({ name })),
            instanceGroups: [{ name: 'web-ig', namedPorts: [{ name: 'http', port: 8080 }], instances: ['vm-1', 'vm-2', 'vm-3'] }],
            networkEndpointGroups: [{ name: 'web-neg', defaultPort: 8080, endpoints: [{ instance: 'app-1' }, { instance: 'app-2' }, { instance: 'app-3' }] }],
          },
          'us-central1-b': { instances: [{ name: 'vm-b' }], instanceGroups: [{ name: 'web-ig-b', instances: ['vm-b'] }] },
          'us-central1-c': { instances: [{ name: 'vm-c' }], instanceGroups: [{ name: 'web-ig-c', instances: ['vm-c'] }] },
        },
        global: {
          backendServices: [
            {
              name: 'web-bs',
              drainingTimeoutSec,
              backends: ['us-central1-a/instanceGroups/web-ig', 'us-central1-b/instanceGroups/web-ig-b', 'us-central1-c/instanceGroups/web-ig-c'].map((g) => ({ group: `zones/${g}`, balancingMode: 'UTILIZATION' as const, maxUtilization: 0.8 })),
            },
            { name: 'neg-bs', drainingTimeoutSec, backends: [{ group: 'zones/us-central1-a/networkEndpointGroups/web-neg', balancingMode: 'RATE', maxRatePerEndpoint: 100 }] },
          ],
        },
      },
    },
  };
}

export const group = (provider: string, text: string): GroupRef => ({ kind: 'group', provider, group: text });
export const target = (provider: string, groupText: string, name: string): TargetRef => ({ kind: 'target', provider, group: groupText, target: name });

/** Provider options for an emulator: its URL, no environment (so no real credentials are looked up). */
export function emulatorOptions(emulator: GcpEmulator, extra: Partial<ProviderOptions> = {}): ProviderOptions {
  return { endpointUrl: emulator.url, env: {}, ...extra };
}

export async function createProvider(kind: 'gcp-ig' | 'gcp-neg' | 'gcp-bs', options: ProviderOptions): Promise<DrainProvider> {
  if (kind === 'gcp-ig') return GcpInstanceGroupProvider.create(options);
  if (kind === 'gcp-neg') return GcpNegProvider.create(options);
  return GcpBackendServiceProvider.create(options);
}

/** Starts emulators and providers that are stopped after each test. */
export function harness() {
  const emulators: GcpEmulator[] = [];
  const providers: DrainProvider[] = [];
  afterEach(async () => {
    for (const p of providers.splice(0)) p.close?.();
    await Promise.all(emulators.splice(0).map((e) => e.stop()));
  });
  return {
    async start(options: GcpEmulatorOptions = {}): Promise<GcpEmulator> {
      const emulator = await startGcpEmulator({ seed: contractSeed(), ...options });
      emulators.push(emulator);
      return emulator;
    },
    async provider(kind: 'gcp-ig' | 'gcp-neg' | 'gcp-bs', emulator: GcpEmulator, extra: Partial<ProviderOptions> = {}): Promise<DrainProvider> {
      const provider = await createProvider(kind, emulatorOptions(emulator, extra));
      providers.push(provider);
      return provider;
    },
  };
}

/** The rejection of `promise`; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { kind?: string; retryable?: string; hint?: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { kind?: string };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
