/** The pauses between read-modify-write tries run on the core's clock and end at the caller's deadline. */
import { afterEach, describe, expect, it } from 'vitest';
import { startAzureEmulator, type AzureEmulator } from '../../../src/emulators/azure/index.js';
import { FakeClock } from '../../support/fake-clock.js';
import { testCall } from '../../support/call.js';
import { AGW, LB, agwProvider, demoSeedWithDrain, group, lbProvider, target } from './helpers.js';

const emulators: AzureEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.stop()));
});

async function start(): Promise<AzureEmulator> {
  const emulator = await startAzureEmulator({ seed: demoSeedWithDrain(1), operationDelayMs: 0 });
  emulators.push(emulator);
  return emulator;
}

/** Conflicts without end, so only the deadline can stop the loop; the default backoff (1 s doubling to 20 s). */
const ENDLESS = { conflict: { attempts: 1000 }, pollIntervalMs: 5 };

describe('a conflict that never clears', () => {
  it('412 on every write: azure-agw gives up at the deadline of the call context, saying what it waited for', async () => {
    const emulator = await start();
    const provider = await agwProvider(emulator.url, ENDLESS);
    const web = group('azure-agw', 'demo-agw', 'web-pool');
    const snapshot = await provider.describe(web, [target(web, '10.1.0.6')], testCall());
    // Someone else writes the gateway each time drainctl tries to, so every PUT's etag is stale.
    emulator.onRequest(({ action }) => {
      if (action === 'applicationGateways.createOrUpdate') emulator.modifyGateway(AGW, () => {});
    });
    const clock = new FakeClock();
    const call = testCall({ clock, timeoutMs: 45_000 });
    const error = await provider.drain(web, snapshot.targets, call).then(() => undefined, (e: unknown) => e as Error & { kind?: string });
    expect(error).toMatchObject({ kind: 'timeout' });
    expect(error!.message).toMatch(/^update application gateway demo-agw: waiting to try again after a conflict \(the resource changed since it was read \(etag no longer matches\)\): gave up at the deadline$/);
    expect(clock.now()).toBe(call.deadline);
    expect(emulator.mutatingCalls().every((e) => e.status === 412)).toBe(true);
  });

  it('409 AnotherOperationInProgress on every write: azure-lb gives up at the deadline of the call context', async () => {
    const emulator = await start();
    const provider = await lbProvider(emulator.url, ENDLESS);
    const pool = group('azure-lb', 'demo-lb', 'web-pool');
    const snapshot = await provider.describe(pool, 'all', testCall());
    emulator.occupy('loadBalancer', LB, 3_600_000);
    const clock = new FakeClock();
    const call = testCall({ clock, timeoutMs: 45_000 });
    const error = await provider.drain(pool, snapshot.targets.slice(0, 1), call).then(() => undefined, (e: unknown) => e as Error & { kind?: string });
    expect(error).toMatchObject({ kind: 'timeout' });
    expect(error!.message).toMatch(/another operation on the resource is in progress\): gave up at the deadline$/);
    expect(clock.now()).toBe(call.deadline);
    expect(emulator.mutatingCalls().length).toBeGreaterThan(1);
    expect(emulator.mutatingCalls().every((e) => e.status === 409)).toBe(true);
  });
});
