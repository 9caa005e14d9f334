import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrainctlError } from '../../src/core/errors.js';
import type { DrainProvider, GroupSnapshot } from '../../src/core/provider.js';
import { formatRef, type GroupRef, type TargetRef } from '../../src/core/refs.js';
import { isDrainFinished, type TargetStatus } from '../../src/core/state.js';
import { testCall } from '../support/call.js';

/** What one backend (the built-in emulator, moto, …) gives the shared contract. */
export interface ContractFixture {
  readonly provider: DrainProvider;
  /** A group with at least three registered targets and a short drain timeout. */
  readonly group: GroupRef;
  /** The group's drain timeout as getTimeout reads it; undefined for providers with none. */
  readonly timeoutSeconds: number | undefined;
  /** A well-formed target that is not registered in the group. */
  readonly missingTarget: TargetRef;
  /** A well-formed group that does not exist. */
  readonly missingGroup: GroupRef;
  /** How long a drain may take on this backend before the test gives up. */
  readonly drainBoundMs: number;
  /** Where this backend is known to differ from AWS, with the reason; those checks are skipped. */
  readonly deviations?: { readonly getTimeoutOfMissingGroup?: string };
  close(): Promise<void>;
}

/**
 * What "the drain is over" looks like at the provider's level. Most providers end in
 * drained or absent; one with nothing to observe and no timeout of its own (an Azure LB
 * address with its admin state Down) stays draining until restored: the core's
 * countdown of the caller's --timeout ends it, tested in the core's own suite.
 */
function drainOver(provider: DrainProvider): (s: TargetStatus) => boolean {
  const endless = provider.descriptor.completion === 'countdown' && provider.descriptor.timeout === undefined;
  return endless ? (s) => s.state === 'draining' || isDrainFinished(s.state) : (s) => isDrainFinished(s.state);
}

/** Polls describe (bounded) until every named target satisfies `done`. */
async function pollUntil(provider: DrainProvider, group: GroupRef, targets: readonly TargetRef[], done: (s: TargetStatus) => boolean, boundMs: number): Promise<GroupSnapshot> {
  const deadline = Date.now() + boundMs;
  for (let i = 0; i < 500; i++) {
    const snapshot = await provider.describe(group, targets, testCall());
    if (snapshot.targets.every(done)) return snapshot;
    if (Date.now() > deadline) throw new Error(`not settled within ${boundMs} ms: ${JSON.stringify(snapshot.targets.map((t) => [formatRef(t.ref), t.state, t.raw]))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('poll loop bound reached');
}

/**
 * The behaviour every DrainProvider must show, whatever sits behind it. Run unchanged
 * against each backend, as http-terminator runs one suite against every server kind.
 */
export function providerContract(name: string, setup: () => Promise<ContractFixture | undefined>): void {
  describe(`provider contract: ${name}`, () => {
    let fx: ContractFixture | undefined;
    beforeAll(async () => {
      fx = await setup();
    }, 60_000);
    afterAll(async () => {
      fx?.provider.close?.();
      await fx?.close();
    });
    const run = (title: string, body: (fx: ContractFixture) => Promise<void>, timeout = 30_000) =>
      it(title, async (ctx) => {
        if (!fx) return ctx.skip();
        await body(fx);
      }, timeout);

    run('describe all lists every registered target as active, with its registration', async ({ provider, group }) => {
      const snapshot = await provider.describe(group, 'all', testCall());
      expect(snapshot.targets.length).toBeGreaterThanOrEqual(3);
      for (const t of snapshot.targets) {
        expect(t.state).toBe('active');
        expect(t.registration).toBeTruthy();
        expect(t.ref.group).toBe(group.group);
      }
    });

    run('describe of a target that is not registered says absent', async ({ provider, group, missingTarget }) => {
      const snapshot = await provider.describe(group, [missingTarget], testCall());
      expect(snapshot.targets).toHaveLength(1);
      expect(snapshot.targets[0]).toMatchObject({ state: 'absent' });
    });

    run('reads the drain timeout and sets it (or says it has none)', async ({ provider, group, timeoutSeconds }) => {
      expect((await provider.getTimeout(group, testCall())).seconds).toBe(timeoutSeconds);
      if (provider.descriptor.timeout === undefined || timeoutSeconds === undefined) {
        // Nothing to set on this group (Azure LB and HAProxy have no drain timeout; a GCP
        // instance group's is its backend services'): it must refuse, as invalid input, naming why.
        const error = await provider.setTimeout(group, 30, testCall()).then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(DrainctlError);
        expect((error as DrainctlError).kind).toBe('usage');
        return;
      }
      expect(await provider.getTimeout(group, testCall())).toMatchObject({ seconds: timeoutSeconds, enabled: true });
      expect((await provider.setTimeout(group, timeoutSeconds + 1, testCall())).seconds).toBe(timeoutSeconds + 1);
      expect((await provider.getTimeout(group, testCall())).seconds).toBe(timeoutSeconds + 1);
      expect((await provider.setTimeout(group, timeoutSeconds, testCall())).seconds).toBe(timeoutSeconds);
    });

    run('drain stops traffic, finishes, and restore puts the target back exactly as it was', async ({ provider, group, drainBoundMs }) => {
      const before = (await provider.describe(group, 'all', testCall())).targets[0]!;
      await provider.drain(group, [before], testCall());
      const during = (await provider.describe(group, [before.ref], testCall())).targets[0]!;
      expect(['draining', 'drained', 'absent']).toContain(during.state);
      await pollUntil(provider, group, [before.ref], drainOver(provider), drainBoundMs);
      const serving = (await provider.describe(group, 'all', testCall())).targets.filter((t) => t.state === 'active').map((t) => formatRef(t.ref));
      expect(serving).not.toContain(formatRef(before.ref));

      await provider.restore(group, [{ ref: before.ref, registration: before.registration }], testCall());
      const back = await pollUntil(provider, group, [before.ref], (s) => s.state === 'active', drainBoundMs);
      expect(back.targets[0]!.registration).toEqual(before.registration);
      expect(formatRef(back.targets[0]!.ref)).toBe(formatRef(before.ref));
    }, 60_000);

    run('draining twice is harmless', async ({ provider, group, drainBoundMs }) => {
      const target = (await provider.describe(group, 'all', testCall())).targets[1]!;
      await provider.drain(group, [target], testCall());
      await provider.drain(group, [target], testCall());
      await pollUntil(provider, group, [target.ref], drainOver(provider), drainBoundMs);
      await provider.restore(group, [{ ref: target.ref, registration: target.registration }], testCall());
      await pollUntil(provider, group, [target.ref], (s) => s.state === 'active', drainBoundMs);
    }, 60_000);

    run('an unknown group is not_found for every operation', async ({ provider, missingGroup, deviations }) => {
      const ops = [() => provider.describe(missingGroup, 'all', testCall())];
      if (!deviations?.getTimeoutOfMissingGroup) ops.push(() => provider.getTimeout(missingGroup, testCall()) as never);
      for (const op of ops) {
        const error = await op().then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(DrainctlError);
        expect((error as DrainctlError).kind).toBe('not_found');
      }
    });

    run('an aborted signal stops the call with an interrupted error', async ({ provider, group }) => {
      const controller = new AbortController();
      controller.abort('SIGINT');
      const error = await provider.describe(group, 'all', testCall({ signal: controller.signal })).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(DrainctlError);
      expect((error as DrainctlError).kind).toBe('interrupted');
    });
  });
}
