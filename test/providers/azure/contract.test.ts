/**
 * The shared provider contract, unchanged, for both Azure providers on the emulator.
 * azure-lb declares no drain timeout and nothing to observe; the contract reads those
 * declarations, and the block below pins what they mean for an address.
 */
import { describe, expect, it } from 'vitest';
import { startAzureEmulator } from '../../../src/emulators/azure/index.js';
import { DrainctlError } from '../../../src/core/errors.js';
import { providerContract } from '../contract.js';
import { FAST, LB, adminStates, demoSeedWithDrain, group, lbProvider, target, agwProvider } from './helpers.js';
import { testCall } from '../../support/call.js';

providerContract('azure-agw on the built-in emulator', async () => {
  // Throttling off, as for azure-lb below: the suite's polls can spend ARM's read bucket (250,
  // refilled at 25 a second) and a throttled read would hide what the contract checks; once seen
  // in CI as "throttled by Azure Resource Manager" on a not-found check. The emulator's own tests
  // cover throttling.
  const emulator = await startAzureEmulator({ seed: demoSeedWithDrain(1), operationDelayMs: 50, throttle: 'off' });
  const web = group('azure-agw', 'demo-agw', 'web-pool');
  return {
    provider: await agwProvider(emulator.url),
    group: web,
    timeoutSeconds: 1,
    missingTarget: target(web, '10.1.0.99'),
    missingGroup: group('azure-agw', 'no-such-agw', 'web-pool'),
    drainBoundMs: 10_000,
    close: () => emulator.stop(),
  };
});

providerContract('azure-lb on the built-in emulator', async () => {
  // Throttling off: the drain checks poll for seconds, and a throttled read would hide why they fail.
  const emulator = await startAzureEmulator({ seed: demoSeedWithDrain(1), operationDelayMs: 50, throttle: 'off' });
  const web = group('azure-lb', 'demo-lb', 'web-pool');
  return {
    provider: await lbProvider(emulator.url),
    group: web,
    timeoutSeconds: undefined,
    missingTarget: target(web, 'web-9'),
    missingGroup: group('azure-lb', 'no-such-lb', 'web-pool'),
    drainBoundMs: 5_000,
    close: () => emulator.stop(),
  };
});

describe('azure-lb: what declaring no drain timeout and nothing to observe means', () => {
  const start = async () => {
    const emulator = await startAzureEmulator({ seed: demoSeedWithDrain(1), operationDelayMs: 20 });
    return { emulator, provider: await lbProvider(emulator.url, FAST), web: group('azure-lb', 'demo-lb', 'web-pool') };
  };

  it('Azure Load Balancer has no drain timeout, so there is none to read or set', async () => {
    const { emulator, provider, web } = await start();
    try {
      expect(provider.descriptor.timeout).toBeUndefined();
      expect(await provider.getTimeout(web, testCall())).toMatchObject({ seconds: undefined, enabled: true });
      const error = await provider.setTimeout(web, 30, testCall()).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(DrainctlError);
      expect((error as DrainctlError).kind).toBe('usage');
    } finally {
      await emulator.stop();
    }
  });

  it('admin state Down stays draining for as long as it is set; only the core countdown (--timeout) ends it, and the address stays listed', async () => {
    const { emulator, provider, web } = await start();
    try {
      const before = (await provider.describe(web, 'all', testCall())).targets[0]!;
      await provider.drain(web, [before], testCall());
      await new Promise((r) => setTimeout(r, 300));
      const during = (await provider.describe(web, [before.ref], testCall())).targets[0]!;
      expect(during).toMatchObject({ state: 'draining', raw: { state: 'Down', reason: 'Down_Admin' } });
      expect((await provider.describe(web, 'all', testCall())).targets.map((t) => t.ref.target)).toContain(before.ref.target);
      expect(adminStates(emulator.loadBalancer(LB), 'web-pool')).toMatchObject({ [before.ref.target]: 'Down' });
    } finally {
      await emulator.stop();
    }
  });
});
