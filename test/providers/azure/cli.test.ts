/** drainctl's own CLI against the Azure emulator: the whole path from flags to provider to wire. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzureEmulator, type AzureEmulator } from '../../../src/emulators/azure/index.js';
import { runInProcess } from '../../support/in-process.js';
import { AGW, LB, SUB, adminStates, demoSeedWithDrain, poolAddresses } from './helpers.js';

const agw = (rest: string) => `azure-agw:demo-rg/demo-agw/${rest}`;
const lb = (rest: string) => `azure-lb:demo-rg/demo-lb/${rest}`;

describe('drainctl CLI with azure-agw and azure-lb', () => {
  let emulator: AzureEmulator;
  let env: Record<string, string>;
  const run = (args: string[]) => runInProcess(['--subscription', SUB, ...args], env);

  beforeAll(async () => {
    emulator = await startAzureEmulator({ seed: demoSeedWithDrain(1), operationDelayMs: 50 });
    env = { DRAINCTL_ENDPOINT_URL: emulator.url, DRAINCTL_LEDGER: join(mkdtempSync(join(tmpdir(), 'drainctl-azure-')), 'ledger.db') };
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it('drains addresses of two pools of one gateway with one PUT, shows them, and restores them', async () => {
    emulator.clearLog();
    const drained = await run(['drain', agw('web-pool/10.1.0.4'), agw('api-pool/api-1.demo.internal')]);
    expect(drained.code).toBe(0);
    expect(drained.stdout).toContain('2 drained');
    expect(emulator.mutatingCalls()).toHaveLength(1);
    expect(poolAddresses(emulator.gateway(AGW), 'web-pool')).toEqual(['10.1.0.5', '10.1.0.6']);
    expect(poolAddresses(emulator.gateway(AGW), 'api-pool')).toEqual(['api-2.demo.internal']);

    const status = await run(['status', agw('web-pool/10.1.0.4'), agw('web-pool')]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/web-pool\/10\.1\.0\.4\s+absent/);
    expect(status.stdout).toMatch(/web-pool\/10\.1\.0\.5\s+active\s+healthy\s+Up/);

    const restored = await run(['restore', agw('web-pool/10.1.0.4'), agw('api-pool/api-1.demo.internal')]);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain('2 restored');
    expect(emulator.mutatingCalls()).toHaveLength(2);
    expect(poolAddresses(emulator.gateway(AGW), 'web-pool')).toEqual(['10.1.0.5', '10.1.0.6', '10.1.0.4']);
    expect(poolAddresses(emulator.gateway(AGW), 'api-pool')).toEqual(['api-2.demo.internal', 'api-1.demo.internal']);
  }, 30_000);

  it('drains an azure-lb address for the --timeout it is given, shows it Down, and restores its admin state', async () => {
    emulator.clearLog();
    const started = Date.now();
    const drained = await run(['drain', lb('web-pool/web-2'), '--timeout', '1s']);
    expect(drained.code).toBe(0);
    expect(drained.stdout).toContain('1 drained');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(adminStates(emulator.loadBalancer(LB), 'web-pool')).toEqual({ 'web-1': 'None', 'web-2': 'Down', 'web-3': 'None' });

    const status = await run(['status', lb('web-pool')]);
    expect(status.code).toBe(0);
    // The drain finished (the ledger says so), so status judges it as drain did: drained, still Down.
    expect(status.stdout).toMatch(/web-pool\/web-2\s+drained\s+unhealthy\s+Down/);

    const restored = await run(['restore', lb('web-pool/web-2')]);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain('1 restored');
    expect(adminStates(emulator.loadBalancer(LB), 'web-pool')['web-2']).toBe('None');
    expect(emulator.mutatingCalls()).toHaveLength(2);
  }, 30_000);

  it('timeout get and set on a gateway pool, and get on a load balancer pool', async () => {
    const get = await run(['-o', 'json', 'timeout', 'get', agw('web-pool')]);
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout)).toMatchObject({ drain_timeout: { seconds: 1, enabled: true, backend_settings: ['web-http=1s'] }, limits: { min_seconds: 1, max_seconds: 3600 } });
    const set = await run(['-o', 'json', 'timeout', 'set', agw('web-pool'), '2s']);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ previous: { seconds: 1 }, current: { seconds: 2, enabled: true, changed: ['web-http'] } });
    const back = await run(['timeout', 'set', agw('web-pool'), '1s']);
    expect(back).toMatchObject({ code: 0, stdout: expect.stringContaining('changed drain timeout 2s -> 1s') });
    const lbGet = await run(['timeout', 'get', lb('web-pool')]);
    expect(lbGet).toMatchObject({ code: 0, stdout: expect.stringContaining('no drain timeout of its own') });
  });

  const rows: { what: string; args: string[]; code: number; message: RegExp; noDefault?: boolean }[] = [
    { what: 'a reference without a subscription and no default', args: ['drain', `azure-agw:demo-rg/demo-agw/web-pool/10.1.0.4`], code: 2, message: /subscription is missing.*--subscription <id>, or set AZURE_SUBSCRIPTION_ID/, noDefault: true },
    { what: 'a subscription that is not a GUID', args: ['drain', `azure-agw:subid/demo-rg/demo-agw/web-pool/10.1.0.4`], code: 2, message: /"subid" is not a subscription ID/ },
    { what: 'a malformed IP address', args: ['drain', agw('web-pool/10.1.0.300')], code: 2, message: /"10\.1\.0\.300" is not a backend address/ },
    { what: 'a malformed backend address name', args: ['drain', lb('web-pool/web 1'), '--timeout', '1s'], code: 2, message: /"web 1" is not a backend address name/ },
    { what: 'too many segments', args: ['drain', `azure-lb:demo-rg/demo-lb/web-pool/x/web-1`, '--timeout', '1s'], code: 2, message: /is not a subscription ID|is not a backend pool/ },
    { what: 'a target where a group is expected', args: ['timeout', 'get', agw('web-pool/10.1.0.4')], code: 2, message: /names a target, not a application gateway backend pool/ },
    { what: 'a drain timeout below the range', args: ['timeout', 'set', agw('web-pool'), '0s'], code: 2, message: /drain timeout 0s is out of range .* allowed 1-3600 seconds/ },
    { what: 'a drain timeout above the range', args: ['timeout', 'set', agw('web-pool'), '3601s'], code: 2, message: /drain timeout 3601s is out of range/ },
    { what: 'a drain timeout on a load balancer pool', args: ['timeout', 'set', lb('web-pool'), '30s'], code: 2, message: /has no drain timeout to set/ },
    { what: 'an azure-lb drain without --timeout', args: ['drain', lb('web-pool/web-1')], code: 2, message: /has no drain timeout of its own.*pass --timeout <duration>/ },
    { what: 'a bad --timeout', args: ['drain', lb('web-pool/web-1'), '--timeout', 'soon'], code: 2, message: /invalid --timeout|duration/i },
    { what: 'an unknown gateway', args: ['drain', `azure-agw:demo-rg/no-agw/web-pool/10.1.0.4`], code: 3, message: /application gateway no-agw not found in resource group demo-rg of subscription 00000000-0000-0000-0000-000000000001/ },
    { what: 'an unknown gateway pool', args: ['drain', agw('no-pool/10.1.0.4')], code: 3, message: /application gateway demo-agw has no backend pool no-pool \(pools: web-pool, api-pool\)/ },
    { what: 'an address not in the pool', args: ['drain', agw('web-pool/10.1.0.99')], code: 3, message: /has no target 10\.1\.0\.99 \(registered: 10\.1\.0\.5, 10\.1\.0\.6, 10\.1\.0\.4\)/ },
    { what: 'an unknown load balancer', args: ['status', `azure-lb:demo-rg/no-lb/web-pool`], code: 3, message: /load balancer no-lb not found in resource group demo-rg/ },
    { what: 'an unknown load balancer pool', args: ['timeout', 'get', lb('no-pool')], code: 3, message: /load balancer demo-lb has no backend pool no-pool \(pools: web-pool\)/ },
    { what: 'a backend address name not in the pool', args: ['drain', lb('web-pool/web-9'), '--timeout', '1s'], code: 3, message: /has no target web-9 \(registered: web-1, web-2, web-3\)/ },
  ];

  it.each(rows)('refuses $what: exit $code, one stderr line, no change', async ({ args, code, message, noDefault }) => {
    emulator.clearLog();
    const result = noDefault ? await runInProcess(args, env) : await run(args);
    expect(result.code).toBe(code);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(emulator.mutatingCalls()).toEqual([]);
  });
});
