/** Waits inside the GCP providers run on the core's clock and end at the caller's deadline. */
import { describe, expect, it } from 'vitest';
import { demoSeed } from '../../../src/emulators/gcp/index.js';
import { FakeClock } from '../../support/fake-clock.js';
import { testCall } from '../../support/call.js';
import { group, harness, rejectionOf, target } from './helpers.js';

const P = 'demo-project';
const IG = `${P}/us-central1-a/web-ig`;
const h = harness();

describe('a Compute Engine operation that never reaches DONE', () => {
  it('ends at the deadline of the call context, on the fake clock, naming the operation', async () => {
    // Held PENDING for a day; wait answers at once, so every pause between polls is the provider's own, on the clock.
    const emulator = await h.start({ seed: demoSeed(), operationDelayMs: 24 * 3_600_000, operationWaitMaxMs: 0 });
    const provider = await h.provider('gcp-ig', emulator);
    const ig = group('gcp-ig', IG);
    const [web1] = (await provider.describe(ig, [target('gcp-ig', IG, 'web-1')], testCall())).targets;
    const clock = new FakeClock();
    const call = testCall({ clock, timeoutMs: 30_000 });
    const error = await rejectionOf(provider.drain(ig, [web1!], call));
    expect(error).toMatchObject({ kind: 'timeout', details: { operation: expect.stringMatching(/^operation-/) } });
    expect(error.message).toMatch(/remove 1 instance\(s\) from instance group .*: operation operation-\S+ is still (PENDING|RUNNING): gave up at the deadline after 30s/);
    // It stopped at the deadline: not before, and not a moment after.
    expect(clock.now()).toBe(call.deadline);
    expect(clock.sleeps.length).toBeGreaterThan(3);
  });

  it('cuts a long-polling wait that is still open when the deadline comes', async () => {
    // wait holds for up to a minute; the call has 300 ms of real time.
    const emulator = await h.start({ seed: demoSeed(), operationDelayMs: 24 * 3_600_000, operationWaitMaxMs: 60_000 });
    const provider = await h.provider('gcp-ig', emulator);
    const ig = group('gcp-ig', IG);
    const [web1] = (await provider.describe(ig, [target('gcp-ig', IG, 'web-1')], testCall())).targets;
    const error = await rejectionOf(provider.drain(ig, [web1!], testCall({ timeoutMs: 300 })));
    expect(error).toMatchObject({ kind: 'timeout' });
    expect(error.message).toMatch(/operation operation-\S+ is still PENDING: gave up at the deadline/);
  }, 10_000);

  it('stops waiting with an interrupted error when the signal fires', async () => {
    const emulator = await h.start({ seed: demoSeed(), operationDelayMs: 24 * 3_600_000, operationWaitMaxMs: 60_000 });
    const provider = await h.provider('gcp-ig', emulator);
    const ig = group('gcp-ig', IG);
    const [web1] = (await provider.describe(ig, [target('gcp-ig', IG, 'web-1')], testCall())).targets;
    const controller = new AbortController();
    const pending = provider.drain(ig, [web1!], testCall({ signal: controller.signal }));
    setTimeout(() => controller.abort('SIGINT'), 200);
    expect(await rejectionOf(pending)).toMatchObject({ kind: 'interrupted' });
  }, 10_000);
});
