import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrainctlError, type ErrorKind } from '../../src/core/errors.js';
import type { DrainProvider, GroupSnapshot } from '../../src/core/provider.js';
import { formatRef, type GroupRef, type TargetRef } from '../../src/core/refs.js';
import { isDrainFinished, type DrainState, type TargetStatus } from '../../src/core/state.js';
import { testCall } from '../support/call.js';

/** Work held open on one target through the load balancer (a slow request, an open connection). */
export interface HeldWork {
  /** Settles when the work ends: 'completed' when it ran to its end, 'cut' when something cut it. */
  readonly ended: Promise<'completed' | 'cut'>;
  /** True once `ended` has settled. */
  settled(): boolean;
}

/** What one backend (the built-in emulator, moto, …) gives the shared contract. */
export interface ContractFixture {
  readonly provider: DrainProvider;
  /** A group with at least three registered targets and a short drain timeout. */
  readonly group: GroupRef;
  /** The group's drain timeout as getTimeout reads it; undefined for providers with none. */
  readonly timeoutSeconds: number | undefined;
  /**
   * Why getTimeout reports a timeout the provider has none of its own to set (a GCP instance
   * group's is its backend services'). Without it, a provider that declares no timeout must read none.
   */
  readonly borrowedTimeout?: string;
  /** A well-formed target that is not registered in the group. */
  readonly missingTarget: TargetRef;
  /** A well-formed group that does not exist. */
  readonly missingGroup: GroupRef;
  /** How long a drain may take on this backend before the test gives up. */
  readonly drainBoundMs: number;
  /**
   * Opens work on `target` that lasts `ms` unless cut, and resolves once the backend holds it.
   * Required where the backend can (real servers, the emulator's connection counts): an
   * 'observed' provider must then report draining until the work ends, and forceClose must cut it.
   */
  readonly holdWork?: (target: TargetStatus, ms: number) => Promise<HeldWork>;
  /** True where the provider counts work in flight per target (TargetStatus.inFlight). */
  readonly countsInFlight?: boolean;
  /** Where this backend is known to differ from AWS, with the reason; those checks are skipped. */
  readonly deviations?: {
    /** Operations on an unknown group that this backend answers otherwise than not_found, and why. */
    readonly missingGroup?: { readonly ops: readonly string[]; readonly why: string };
    /** Why this backend shows no drain in progress for a 'reported' provider (moto deregisters at once). */
    readonly reportsNoDraining?: string;
    /** Why this backend cannot hold work open on a target (moto has no connections): the no-work variant runs instead. */
    readonly noWorkToHold?: string;
    /** Why this backend refuses the provider's documented maximum timeout. */
    readonly refusesMaxTimeout?: string;
  };
  close(): Promise<void>;
}

/** A drain timeout far longer than any test waits: a drain that ends within the test's bound ended early. */
const LONG_TIMEOUT_SECONDS = 600;
/** How many looks, how far apart, to see that a state does not move on its own. */
const STEADY_LOOKS = 6;
const STEADY_GAP_MS = 250;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The rejection of `promise`, or undefined when it resolved. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (e: unknown) => e);
}

/** Asserts a DrainctlError of one of `kinds`, saying what came instead. */
function expectKind(error: unknown, kinds: readonly ErrorKind[], what: string): void {
  expect(error, `${what}: expected a DrainctlError (${kinds.join(' or ')}), got ${error === undefined ? 'success' : String(error)}`).toBeInstanceOf(DrainctlError);
  expect(kinds, `${what}: ${(error as DrainctlError).message}`).toContain((error as DrainctlError).kind);
}

/**
 * When the drain is over as far as the provider can say. 'countdown' providers show no end of
 * their own (the core counts the timeout down), so for them it is over once the target is out
 * of rotation; the others must themselves reach drained or absent.
 */
function outOfRotation(provider: DrainProvider): (s: TargetStatus) => boolean {
  return provider.descriptor.completion === 'countdown' ? (s) => s.state !== 'active' && s.state !== 'unknown' : (s) => isDrainFinished(s.state);
}

/** Polls describe (bounded) until every named target satisfies `done`. */
async function pollUntil(provider: DrainProvider, group: GroupRef, targets: readonly TargetRef[], done: (s: TargetStatus) => boolean, boundMs: number): Promise<GroupSnapshot> {
  const deadline = Date.now() + boundMs;
  for (let i = 0; i < 500; i++) {
    const snapshot = await provider.describe(group, targets, testCall());
    if (snapshot.targets.every(done)) return snapshot;
    if (Date.now() > deadline) throw new Error(`not settled within ${boundMs} ms: ${JSON.stringify(snapshot.targets.map((t) => [formatRef(t.ref), t.state, t.raw]))}`);
    await sleep(100);
  }
  throw new Error('poll loop bound reached');
}

/** The states `ref` goes through over a few looks, STEADY_GAP_MS apart. */
async function looks(provider: DrainProvider, group: GroupRef, ref: TargetRef): Promise<DrainState[]> {
  const states: DrainState[] = [];
  for (let i = 0; i < STEADY_LOOKS; i++) {
    if (i > 0) await sleep(STEADY_GAP_MS);
    states.push((await provider.describe(group, [ref], testCall())).targets[0]!.state);
  }
  return states;
}

/** The active targets, in a stable order, so each test can take its own. */
async function activeTargets(provider: DrainProvider, group: GroupRef): Promise<TargetStatus[]> {
  const all = (await provider.describe(group, 'all', testCall())).targets.filter((t) => t.state === 'active');
  return all.sort((a, b) => formatRef(a.ref).localeCompare(formatRef(b.ref)));
}

/** Puts a target back with its recorded registration and waits until it is active again. */
async function putBack(fx: ContractFixture, target: TargetStatus): Promise<void> {
  await fx.provider.restore(fx.group, [{ ref: target.ref, registration: target.registration }], testCall());
  await pollUntil(fx.provider, fx.group, [target.ref], (s) => s.state === 'active', fx.drainBoundMs);
}

/** Runs `body` with the group's drain timeout set to `seconds` (when the provider has one to set), then sets it back. */
async function withTimeout(fx: ContractFixture, seconds: number, body: () => Promise<void>): Promise<void> {
  const settable = fx.provider.descriptor.timeout !== undefined && fx.timeoutSeconds !== undefined;
  if (settable) await fx.provider.setTimeout(fx.group, seconds, testCall());
  try {
    await body();
  } finally {
    if (settable) await fx.provider.setTimeout(fx.group, fx.timeoutSeconds!, testCall());
  }
}

/** Whether the provider's docs page lists `--on-timeout force` among its facts. */
async function docsListForce(docsPage: string): Promise<boolean> {
  const text = await readFile(new URL(`../../${docsPage}`, import.meta.url), 'utf8');
  return /^\| Force \(`--on-timeout force`\) \|/m.test(text);
}

/**
 * The behaviour every DrainProvider must show, whatever sits behind it. Run unchanged
 * against each backend, as http-terminator runs one suite against every server kind.
 * Every check here is meant to be able to fail: each names the broken provider it catches.
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
    const run = (title: string, body: (fx: ContractFixture, skip: (why: string) => void) => Promise<void>, timeout = 30_000) =>
      it(title, async (ctx) => {
        if (!fx) return ctx.skip();
        await body(fx, (why) => ctx.skip(why));
      }, timeout);

    run('describe all lists every registered target as active, with its registration', async ({ provider, group }) => {
      const snapshot = await provider.describe(group, 'all', testCall());
      expect(snapshot.targets.length).toBeGreaterThanOrEqual(3);
      for (const t of snapshot.targets) {
        expect(t.state).toBe('active');
        expect(t.registration).toBeTruthy();
        expect(t.ref.group).toBe(group.group);
        expect(t.ref.provider).toBe(provider.descriptor.name);
        // Nothing is in flight on an idle group: a count, where there is one, says so.
        if (t.inFlight !== undefined) expect(t.inFlight).toBe(0);
      }
    });

    run('describe of a target that is not registered says absent', async ({ provider, group, missingTarget }) => {
      const snapshot = await provider.describe(group, [missingTarget], testCall());
      expect(snapshot.targets).toHaveLength(1);
      expect(snapshot.targets[0]).toMatchObject({ state: 'absent' });
      expect(formatRef(snapshot.targets[0]!.ref)).toBe(formatRef(missingTarget));
    });

    run('the descriptor is self-consistent: its name, its timeout range, completion against completesEarly and pollIntervalMs', async ({ provider, group }) => {
      const d = provider.descriptor;
      expect(d.name).toBe(group.provider);
      if (d.timeout) {
        expect(d.timeout.minSeconds).toBeGreaterThanOrEqual(0);
        expect(d.timeout.minSeconds).toBeLessThanOrEqual(d.timeout.defaultSeconds);
        expect(d.timeout.defaultSeconds).toBeLessThanOrEqual(d.timeout.maxSeconds);
      }
      // Only a provider that sees the work end can end a drain early; 'reported' and 'countdown' ones last the timeout.
      expect(d.completesEarly).toBe(d.completion === 'observed');
      if (d.pollIntervalMs !== undefined) {
        // A steady fast poll is for a cheap local describe that shows the end: never for a rate-limited cloud API.
        expect(d.pollIntervalMs).toBeGreaterThan(0);
        expect(d.completion).toBe('observed');
        expect(d.apiRates).toBeUndefined();
      }
    });

    run('a steady poll interval is one the provider answers at: describes back to back all succeed alike', async ({ provider, group }, skip) => {
      const interval = provider.descriptor.pollIntervalMs;
      if (interval === undefined) return skip('no pollIntervalMs declared');
      const first = await provider.describe(group, 'all', testCall());
      for (let i = 0; i < 10; i++) {
        await sleep(interval);
        const again = await provider.describe(group, 'all', testCall());
        expect(again.targets.map((t) => [formatRef(t.ref), t.state])).toEqual(first.targets.map((t) => [formatRef(t.ref), t.state]));
      }
    });

    run('the declared timeout is the one getTimeout reads and setTimeout takes over its whole range; no declared timeout, nothing to set', async (fx) => {
      const { provider, group, timeoutSeconds } = fx;
      const declared = provider.descriptor.timeout;
      const read = await provider.getTimeout(group, testCall());
      expect(read.seconds).toBe(timeoutSeconds);
      if (declared === undefined) {
        // Nothing to set (Azure LB and HAProxy have no drain timeout; a GCP instance group's is its
        // backend services'): it must refuse, as invalid input, naming why.
        expectKind(await rejection(provider.setTimeout(group, 30, testCall())), ['usage'], 'setTimeout without a declared timeout');
        if (fx.borrowedTimeout === undefined) expect(read.seconds, 'getTimeout reads a timeout the descriptor does not declare (say why with borrowedTimeout)').toBeUndefined();
        return;
      }
      expect(timeoutSeconds, 'a provider that declares a timeout reads one').toBeTypeOf('number');
      expect(read.seconds!).toBeGreaterThanOrEqual(declared.minSeconds);
      expect(read.seconds!).toBeLessThanOrEqual(declared.maxSeconds);
      try {
        const range = fx.deviations?.refusesMaxTimeout ? [declared.minSeconds] : [declared.minSeconds, declared.maxSeconds];
        for (const seconds of [...range, timeoutSeconds! + 1]) {
          expect((await provider.setTimeout(group, seconds, testCall())).seconds, `setTimeout(${seconds})`).toBe(seconds);
          expect((await provider.getTimeout(group, testCall())).seconds, `getTimeout after setTimeout(${seconds})`).toBe(seconds);
        }
      } finally {
        expect((await provider.setTimeout(group, timeoutSeconds!, testCall())).seconds).toBe(timeoutSeconds);
      }
      expect(await provider.getTimeout(group, testCall())).toMatchObject({ seconds: timeoutSeconds, enabled: true });
    });

    run('drain stops traffic, and restore puts the target back exactly as it was', async (fx) => {
      const { provider, group, drainBoundMs } = fx;
      const before = (await activeTargets(provider, group))[0]!;
      const drainedAt = Date.now();
      await provider.drain(group, [before], testCall());
      const during = (await provider.describe(group, [before.ref], testCall())).targets[0]!;
      const early = Date.now() - drainedAt < (fx.timeoutSeconds ?? 0) * 1000;
      if (provider.descriptor.completion === 'reported' && early && !fx.deviations?.reportsNoDraining) {
        // Looked at well within the timeout: a provider that reports draining must say so.
        expect(during.state).toBe('draining');
      } else {
        expect(['draining', 'drained', 'absent']).toContain(during.state);
      }
      await pollUntil(provider, group, [before.ref], outOfRotation(provider), drainBoundMs);
      const serving = (await provider.describe(group, 'all', testCall())).targets.filter((t) => t.state === 'active').map((t) => formatRef(t.ref));
      expect(serving).not.toContain(formatRef(before.ref));

      await provider.restore(group, [{ ref: before.ref, registration: before.registration }], testCall());
      const back = await pollUntil(provider, group, [before.ref], (s) => s.state === 'active', drainBoundMs);
      expect(back.targets[0]!.registration).toEqual(before.registration);
      expect(formatRef(back.targets[0]!.ref)).toBe(formatRef(before.ref));
    }, 60_000);

    run("completion 'observed': the provider says draining while work is in flight and reports the end itself, before a long timeout", async (fx, skip) => {
      const { provider, group, drainBoundMs } = fx;
      if (provider.descriptor.completion !== 'observed') return skip(`completion is '${provider.descriptor.completion}'`);
      const target = (await activeTargets(provider, group))[1]!;
      await withTimeout(fx, LONG_TIMEOUT_SECONDS, async () => {
        try {
          const held = await fx.holdWork?.(target, 2500);
          if (!fx.deviations?.noWorkToHold) expect(held, 'an observed provider needs holdWork in its fixture, to show it sees the work end').toBeDefined();
          await provider.drain(group, [target], testCall());
          const during = (await provider.describe(group, [target.ref], testCall())).targets[0]!;
          if (held && !held.settled()) {
            // The work has not ended yet: the drain cannot be over.
            expect(during.state, JSON.stringify(during.raw)).toBe('draining');
            if (fx.countsInFlight) expect(during.inFlight).toBeGreaterThanOrEqual(1);
          }
          if (held) expect(await held.ended).toBe('completed');
          // The timeout is LONG_TIMEOUT_SECONDS (where there is one): ending within the bound is the provider's own word.
          const over = await pollUntil(provider, group, [target.ref], (s) => isDrainFinished(s.state), drainBoundMs);
          if (fx.countsInFlight && over.targets[0]!.state === 'drained') expect(over.targets[0]!.inFlight ?? 0).toBe(0);
        } finally {
          await putBack(fx, target);
        }
      });
    }, 60_000);

    run("completion 'reported': the provider says draining, and keeps saying it while a long timeout runs", async (fx, skip) => {
      const { provider, group } = fx;
      if (provider.descriptor.completion !== 'reported') return skip(`completion is '${provider.descriptor.completion}'`);
      if (fx.deviations?.reportsNoDraining) return skip(fx.deviations.reportsNoDraining);
      const target = (await activeTargets(provider, group))[1]!;
      await withTimeout(fx, LONG_TIMEOUT_SECONDS, async () => {
        try {
          await provider.drain(group, [target], testCall());
          // No work is in flight, yet the provider must not end the drain early (completesEarly false).
          expect(await looks(provider, group, target.ref)).toEqual(Array(STEADY_LOOKS).fill('draining'));
        } finally {
          await putBack(fx, target);
        }
      });
    }, 60_000);

    run("completion 'countdown': the provider shows no progress after the drain call; the end is the core's countdown", async (fx, skip) => {
      const { provider, group } = fx;
      if (provider.descriptor.completion !== 'countdown') return skip(`completion is '${provider.descriptor.completion}'`);
      const target = (await activeTargets(provider, group))[1]!;
      await withTimeout(fx, LONG_TIMEOUT_SECONDS, async () => {
        try {
          await provider.drain(group, [target], testCall());
          const states = await looks(provider, group, target.ref);
          expect(['draining', 'drained', 'absent']).toContain(states[0]);
          // Whatever it says, it says it throughout: a provider whose word moves on its own has a completion to declare.
          expect(states).toEqual(Array(STEADY_LOOKS).fill(states[0]));
        } finally {
          await putBack(fx, target);
        }
      });
    }, 60_000);

    run('forceClose is present exactly where the docs page says --on-timeout force works', async ({ provider }) => {
      expect(typeof provider.forceClose === 'function').toBe(await docsListForce(provider.descriptor.docs));
    });

    run('forceClose cuts the work still in flight, says how much, and the drain is then over', async (fx, skip) => {
      const { provider, group, drainBoundMs } = fx;
      if (!provider.forceClose) return skip('no forceClose');
      const target = (await activeTargets(provider, group))[2]!;
      try {
        const held = await fx.holdWork?.(target, 20_000);
        expect(held, 'a provider with forceClose needs holdWork in its fixture, to show it cuts work').toBeDefined();
        await provider.drain(group, [target], testCall());
        const during = await pollUntil(provider, group, [target.ref], (s) => s.state === 'draining', drainBoundMs);
        const { cut } = await provider.forceClose(group, during.targets, testCall());
        expect(cut).toBeGreaterThanOrEqual(1);
        expect(await held!.ended).toBe('cut');
        await pollUntil(provider, group, [target.ref], (s) => isDrainFinished(s.state), drainBoundMs);
      } finally {
        await putBack(fx, target);
      }
    }, 60_000);

    run('restore without a recorded registration (the ledger was lost) puts the target back as it was, or refuses as invalid input and changes nothing', async (fx) => {
      const { provider, group, drainBoundMs } = fx;
      const before = (await activeTargets(provider, group))[0]!;
      await provider.drain(group, [before], testCall());
      await pollUntil(provider, group, [before.ref], outOfRotation(provider), drainBoundMs);
      try {
        let registration;
        try {
          // What the core does when it has no record: ask the provider, which must never guess.
          registration = provider.registrationFor?.(before.ref);
        } catch (error) {
          expectKind(error, ['usage'], 'registrationFor');
          expect((await provider.describe(group, [before.ref], testCall())).targets[0]!.state).not.toBe('active');
          return;
        }
        await provider.restore(group, [{ ref: before.ref, registration }], testCall());
        const back = await pollUntil(provider, group, [before.ref], (s) => s.state === 'active', drainBoundMs);
        expect(back.targets[0]!.registration).toEqual(before.registration);
      } finally {
        await putBack(fx, before);
      }
    }, 60_000);

    run('checkDrain, where there is one, accepts an ordinary drain and changes nothing', async ({ provider, group }, skip) => {
      if (!provider.checkDrain) return skip('no checkDrain');
      const before = await activeTargets(provider, group);
      await provider.checkDrain(group, [before[0]!], testCall());
      const after = await activeTargets(provider, group);
      expect(after.map((t) => [formatRef(t.ref), t.state, t.registration])).toEqual(before.map((t) => [formatRef(t.ref), t.state, t.registration]));
    });

    run('draining twice is harmless', async (fx) => {
      const { provider, group, drainBoundMs } = fx;
      const target = (await activeTargets(provider, group))[1]!;
      await provider.drain(group, [target], testCall());
      await provider.drain(group, [target], testCall());
      await pollUntil(provider, group, [target.ref], outOfRotation(provider), drainBoundMs);
      await putBack(fx, target);
    }, 60_000);

    run('an unknown group is not_found for every operation', async ({ provider, missingGroup, missingTarget, deviations }) => {
      const excepted = new Set(deviations?.missingGroup?.ops ?? []);
      const ref: TargetRef = { ...missingTarget, group: missingGroup.group };
      const ghost: TargetStatus = { ref, state: 'active', health: 'unknown', raw: { state: 'test' } };
      const call = testCall();
      const ops: [string, () => Promise<unknown>, ErrorKind[]][] = [
        ['describe', () => provider.describe(missingGroup, 'all', call), ['not_found']],
        ['describe of a target', () => provider.describe(missingGroup, [ref], call), ['not_found']],
        ['drain', () => provider.drain(missingGroup, [ghost], call), ['not_found']],
        ['restore', () => provider.restore(missingGroup, [{ ref, registration: undefined }], call), ['not_found']],
        // With no timeout of its own, "nothing to set" is true of any group.
        ['setTimeout', () => provider.setTimeout(missingGroup, 30, call), provider.descriptor.timeout ? ['not_found'] : ['not_found', 'usage']],
      ];
      ops.push(['getTimeout', () => provider.getTimeout(missingGroup, call), ['not_found']]);
      if (provider.checkDrain) ops.push(['checkDrain', () => provider.checkDrain!(missingGroup, [ghost], call), ['not_found']]);
      if (provider.forceClose) ops.push(['forceClose', () => provider.forceClose!(missingGroup, [ghost], call), ['not_found']]);
      const wrong: string[] = [];
      for (const [what, op, kinds] of ops) {
        if (excepted.has(what)) continue;
        const error = await rejection(op());
        if (!(error instanceof DrainctlError && kinds.includes(error.kind))) wrong.push(`${what}: ${error instanceof DrainctlError ? `${error.kind}: ${error.message}` : String(error ?? 'succeeded')}`);
      }
      expect(wrong).toEqual([]);
    });

    run('an aborted signal stops the call with an interrupted error', async ({ provider, group }) => {
      const controller = new AbortController();
      controller.abort('SIGINT');
      const error = await rejection(provider.describe(group, 'all', testCall({ signal: controller.signal })));
      expectKind(error, ['interrupted'], 'describe with an aborted signal');
    });
  });
}
