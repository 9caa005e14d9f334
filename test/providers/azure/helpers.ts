/** Shared set-up for the Azure provider tests: the demo seed with short timeouts, providers pointed at the emulator. */
import { demoSeed, DEMO_RESOURCE_GROUP, DEMO_SUBSCRIPTION, type AzureSeed, type Json } from '../../../src/emulators/azure/index.js';
import type { GroupRef, TargetRef } from '../../../src/core/refs.js';
import { AzureAgwProvider } from '../../../src/providers/azure/agw-provider.js';
import type { AzureProviderTuning } from '../../../src/providers/azure/client.js';
import { AzureLbProvider } from '../../../src/providers/azure/lb-provider.js';

process.env.NO_PROXY = '127.0.0.1,localhost';
process.env.no_proxy = '127.0.0.1,localhost';

export const SUB = DEMO_SUBSCRIPTION;
export const RG = DEMO_RESOURCE_GROUP;
export const AGW = { subscription: SUB, resourceGroup: RG, name: 'demo-agw' };
export const LB = { subscription: SUB, resourceGroup: RG, name: 'demo-lb' };

/** Fast conflict retries and operation polling, for tests. */
export const FAST: AzureProviderTuning = { conflict: { baseDelayMs: 5, maxDelayMs: 20 }, pollIntervalMs: 5 };

/** The demo seed with every connection-draining timeout set to `seconds`. */
export function demoSeedWithDrain(seconds: number): AzureSeed {
  const seed = demoSeed();
  for (const g of seed.applicationGateways ?? []) {
    for (const s of ((g.resource.properties as Json).backendHttpSettingsCollection as Json[]) ?? []) {
      ((s.properties as Json).connectionDraining as Json).drainTimeoutInSec = seconds;
    }
  }
  return seed;
}

export function agwProvider(url: string, tuning: AzureProviderTuning = FAST): Promise<AzureAgwProvider> {
  return AzureAgwProvider.create({ endpointUrl: url, env: {} }, tuning);
}

export function lbProvider(url: string, tuning: AzureProviderTuning = FAST): Promise<AzureLbProvider> {
  return AzureLbProvider.create({ endpointUrl: url, env: {} }, tuning);
}

export function group(provider: 'azure-agw' | 'azure-lb', parent: string, pool: string): GroupRef {
  return { kind: 'group', provider, group: `${SUB}/${RG}/${parent}/${pool}` };
}

export function target(g: GroupRef, name: string): TargetRef {
  return { kind: 'target', provider: g.provider, group: g.group, target: name };
}

/** A gateway pool's addresses as the emulator holds them. */
export function poolAddresses(gateway: Json, pool: string): string[] {
  const pools = (gateway.properties as Json).backendAddressPools as Json[];
  const found = pools.find((p) => p.name === pool)!;
  return (((found.properties as Json).backendAddresses as Json[]) ?? []).map((a) => String(a.ipAddress ?? a.fqdn));
}

/** A load balancer pool's addresses with their admin states, as the emulator holds them. */
export function adminStates(lb: Json, pool: string): Record<string, string> {
  const pools = (lb.properties as Json).backendAddressPools as Json[];
  const found = pools.find((p) => p.name === pool)!;
  return Object.fromEntries((((found.properties as Json).loadBalancerBackendAddresses as Json[]) ?? []).map((a) => [String(a.name), String((a.properties as Json).adminState)]));
}
