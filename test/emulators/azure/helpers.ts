/** Shared set-up for the Azure emulator and provider tests: the official examples, a real SDK client, cleanup. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetworkManagementClient } from '@azure/arm-network';
import { bearerTokenAuthenticationPolicyName } from '@azure/core-rest-pipeline';
import { afterEach, it } from 'vitest';
import { startAzureEmulator, type AzureEmulator, type AzureEmulatorOptions } from '../../../src/emulators/azure/index.js';

// The SDK honours HTTP(S)_PROXY; the emulator is always local.
process.env.NO_PROXY = '127.0.0.1,localhost';
process.env.no_proxy = '127.0.0.1,localhost';

/** The repository root, from this file's location. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The official Azure REST API examples live beside the repository clone, never inside it;
 * DRAINCTL_AZURE_FIXTURES names another directory (a git worktree, say, is not beside them).
 */
export const FIXTURES_DIR = process.env.DRAINCTL_AZURE_FIXTURES ?? join(REPO_ROOT, '..', 'shared', 'fixtures', 'azure');

/**
 * True when the official examples are present. When they are not, says so loudly and, under
 * CI=true, registers a failing test: CI must run the fixture-backed tests.
 */
export function officialExamplesAvailable(): boolean {
  if (existsSync(join(FIXTURES_DIR, 'ApplicationGatewayGet.json'))) return true;
  if (process.env.CI === 'true') {
    it('has the official Azure examples (required when CI=true)', () => {
      throw new Error(`${FIXTURES_DIR} is missing; with CI=true the fixture-backed Azure tests must run: check out the shared fixtures beside the repository`);
    });
  } else {
    console.warn(`\n**********\n* SKIPPING Azure tests seeded from the official examples: ${FIXTURES_DIR} is missing.\n**********\n`);
  }
  return false;
}

/** The official examples' subscription and resource group. */
export const EXAMPLE_SUBSCRIPTION = 'subid';

/**
 * A real NetworkManagementClient pointed at the emulator over plain http (research recipe A):
 * insecure connections allowed, the bearer-token policy removed, SDK retries off so that
 * errors reach the test.
 */
export function sdkClient(emulator: AzureEmulator, subscription = EXAMPLE_SUBSCRIPTION, maxRetries = 0): NetworkManagementClient {
  const credential = { getToken: async () => null };
  const client = new NetworkManagementClient(credential, subscription, {
    endpoint: emulator.url,
    allowInsecureConnection: true,
    retryOptions: { maxRetries, retryDelayInMs: 5, maxRetryDelayInMs: 10 },
  });
  client.pipeline.removePolicy({ name: bearerTokenAuthenticationPolicyName });
  return client;
}

/** Starts emulators that are stopped after each test. */
export function azureHarness() {
  const emulators: AzureEmulator[] = [];
  afterEach(async () => {
    await Promise.all(emulators.splice(0).map((e) => e.stop()));
  });
  return {
    async start(options: AzureEmulatorOptions = {}): Promise<AzureEmulator> {
      const emulator = await startAzureEmulator({ operationDelayMs: 30, ...options });
      emulators.push(emulator);
      return emulator;
    },
  };
}

/** The rejection of `promise`; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { statusCode?: number; code?: string; response?: { headers: { get(name: string): string | undefined } } }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** A clock that only moves when told to. */
export class FakeClock {
  constructor(public ms = Date.UTC(2026, 0, 1, 12, 0, 0)) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/**
 * The smallest application gateway ARM accepts, at `id`: one of each required part, a basic
 * rule sending listener `listener` to pool `pool` (10.0.0.4) through settings `settings`.
 */
export function minimalGateway(id: string): Record<string, unknown> & { properties: Record<string, unknown[] | Record<string, unknown>> } {
  const ref = (kind: string, name: string) => ({ id: `${id}/${kind}/${name}` });
  const network = id.replace(/\/applicationGateways\/[^/]+$/i, '');
  return {
    id,
    location: 'westus',
    properties: {
      sku: { name: 'Standard_v2', tier: 'Standard_v2', capacity: 1 },
      gatewayIPConfigurations: [{ name: 'ipc', properties: { subnet: { id: `${network}/virtualNetworks/vnet/subnets/agw` } } }],
      frontendIPConfigurations: [{ name: 'fip', properties: { publicIPAddress: { id: `${network}/publicIPAddresses/pip` } } }],
      frontendPorts: [{ name: 'port80', properties: { port: 80 } }],
      backendAddressPools: [{ name: 'pool', properties: { backendAddresses: [{ ipAddress: '10.0.0.4' }] } }],
      backendHttpSettingsCollection: [{ name: 'settings', properties: { port: 80, protocol: 'Http', connectionDraining: { enabled: true, drainTimeoutInSec: 5 } } }],
      httpListeners: [{ name: 'listener', properties: { frontendIPConfiguration: ref('frontendIPConfigurations', 'fip'), frontendPort: ref('frontendPorts', 'port80'), protocol: 'Http' } }],
      requestRoutingRules: [
        { name: 'rule', properties: { ruleType: 'Basic', priority: 100, httpListener: ref('httpListeners', 'listener'), backendAddressPool: ref('backendAddressPools', 'pool'), backendHttpSettings: ref('backendHttpSettingsCollection', 'settings') } },
      ],
    },
  };
}
