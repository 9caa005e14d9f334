/**
 * docs/providers/azure.md lists a custom role. Every command is run against the emulator and
 * each request it made is mapped to the Azure RBAC action that authorizes it: the role must hold
 * exactly those, plus the linked-access actions ARM checks on a write (which no request shows).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzureEmulator, type AzureEmulator } from '../../../src/emulators/azure/index.js';
import { runInProcess } from '../../support/in-process.js';
import { SUB, demoSeedWithDrain } from './helpers.js';

/** The RBAC action behind each emulated SDK operation (the networking permissions reference). */
const ACTION_PERMISSION: Record<string, string> = {
  'applicationGateways.get': 'Microsoft.Network/applicationGateways/read',
  'applicationGateways.createOrUpdate': 'Microsoft.Network/applicationGateways/write',
  'applicationGateways.backendHealth': 'Microsoft.Network/applicationGateways/backendhealth/action',
  'loadBalancers.get': 'Microsoft.Network/loadBalancers/read',
  'loadBalancerBackendAddressPools.get': 'Microsoft.Network/loadBalancers/backendAddressPools/read',
  'loadBalancerBackendAddressPools.createOrUpdate': 'Microsoft.Network/loadBalancers/backendAddressPools/write',
  'loadBalancerLoadBalancingRules.health': 'Microsoft.Network/loadBalancers/loadBalancingRules/health/action',
  'operations.get': 'Microsoft.Network/locations/operations/read',
  'operationResults.get': 'Microsoft.Network/locations/operationResults/read',
};

/** Checked by ARM on the PUT for resources the gateway or pool references; no request of their own. */
const LINKED = [
  'Microsoft.Network/virtualNetworks/subnets/read',
  'Microsoft.Network/virtualNetworks/subnets/join/action',
  'Microsoft.Network/publicIPAddresses/read',
  'Microsoft.Network/publicIPAddresses/join/action',
  'Microsoft.Network/virtualNetworks/joinLoadBalancer/action',
];

describe('docs/providers/azure.md custom role', () => {
  let emulator: AzureEmulator;
  beforeAll(async () => {
    emulator = await startAzureEmulator({ seed: demoSeedWithDrain(1), operationDelayMs: 20, throttle: 'off' });
  });
  afterAll(() => emulator.stop());

  it('holds exactly the actions every command needs', async () => {
    const env = { DRAINCTL_ENDPOINT_URL: emulator.url, DRAINCTL_LEDGER: join(mkdtempSync(join(tmpdir(), 'drainctl-azure-rbac-')), 'ledger.db') };
    const pairs: [string, string][] = [
      ['azure-agw:demo-rg/demo-agw/web-pool/10.1.0.4', 'azure-agw:demo-rg/demo-agw/web-pool'],
      ['azure-lb:demo-rg/demo-lb/web-pool/web-1', 'azure-lb:demo-rg/demo-lb/web-pool'],
    ];
    for (const [t, g] of pairs) {
      // Azure Load Balancer has no drain timeout: --timeout is the drain, and must outlast the capacity check's describes on a loaded machine.
      const wait = t.startsWith('azure-lb') ? ['--timeout', '3s'] : [];
      const commands = [['drain', t, ...wait], ['status', g], ['status', t], ['restore', t], ['drain', t, '--no-wait'], ['watch', t, ...wait], ['restore', t, '--no-wait'], ['timeout', 'get', g], ...(t.startsWith('azure-agw') ? [['timeout', 'set', g, '2']] : []), ['history', t]];
      for (const args of commands) {
        const run = await runInProcess(['--subscription', SUB, ...args], env);
        expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
      }
    }
    // Naming the pools there are when a pool is not found reads the load balancer.
    expect((await runInProcess(['--subscription', SUB, 'status', 'azure-lb:demo-rg/demo-lb/no-pool'], env)).code).toBe(3);
    const unmapped = emulator.requestLog.filter((e) => !ACTION_PERMISSION[e.action]).map((e) => `${e.method} ${e.path}`);
    expect(unmapped).toEqual([]);
    const used = new Set(emulator.requestLog.map((e) => ACTION_PERMISSION[e.action]!));
    const doc = readFileSync(new URL('../../../docs/providers/azure.md', import.meta.url), 'utf8');
    const role = /```json\n([\s\S]*?)\n```/.exec(doc);
    expect(role, 'a ```json role definition').toBeTruthy();
    const actions = (JSON.parse(role![1]!) as { Actions: string[] }).Actions;
    expect([...actions].sort()).toEqual([...used, ...LINKED].sort());
  }, 60_000);
});
