/**
 * The lifecycle hook's core on a fake clock: heartbeats through a drain longer than the heartbeat
 * timeout, exactly one completion across duplicate deliveries and consumers, and every path ending
 * in a completion or a recorded reason. Auto Scaling here is a small state machine with the real
 * rules (heartbeat timeout → default result, "no active lifecycle action" once ended); the
 * emulator and the SDK adapter are checked against each other in test/e2e/hook-*.test.ts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { CallContext } from '../../src/core/call.js';
import { drainTargets } from '../../src/core/drain.js';
import { DrainctlError } from '../../src/core/errors.js';
import type { DrainEvent, LifecycleEvent } from '../../src/core/events.js';
import type { Holder, Ledger } from '../../src/core/ledger.js';
import { handleLifecycleAction, type LifecycleHookOptions } from '../../src/core/lifecycle/handle.js';
import type { AutoScalingPort, CompletionOutcome, LifecycleAction, LifecycleHookSettings } from '../../src/core/lifecycle/ports.js';
import { restoreTargets } from '../../src/core/restore.js';
import { parseRef, type TargetRef } from '../../src/core/refs.js';
import { createMemoryLedger } from '../../src/ledger/index.js';
import { refSyntaxes } from '../../src/providers/registry.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeProvider } from '../support/fake-provider.js';

const A = 'i-0000000000000000a';
const B = 'i-0000000000000000b';
const C = 'i-0000000000000000c';
const ref = (text: string) => parseRef(text, refSyntaxes, 'target') as TargetRef;
const me: Holder = { runner: 'consumer-1', host: 'hooks-1', pid: 101 };
const other: Holder = { runner: 'consumer-2', host: 'hooks-2', pid: 202 };

/** One pending action per instance, with Auto Scaling's timing rules, on the test's clock. */
class Asg implements AutoScalingPort {
  readonly calls: string[] = [];
  private readonly actions = new Map<string, { token: string; heartbeatAt: number; startedAt: number; ended?: string }>();
  constructor(
    private readonly clock: FakeClock,
    readonly hook: LifecycleHookSettings,
    readonly attached: TargetRef[] = [],
  ) {}

  begin(instanceId: string, token: string): LifecycleAction {
    this.actions.set(instanceId, { token, heartbeatAt: this.clock.now(), startedAt: this.clock.now() });
    return { autoScalingGroupName: 'web-asg', lifecycleHookName: this.hook.name, instanceId, token, transition: this.hook.transition, sentAt: new Date(this.clock.now()).toISOString() };
  }

  /** How the action ended, working out timeouts lazily as Auto Scaling would. */
  ended(instanceId: string): string | undefined {
    const a = this.actions.get(instanceId);
    if (!a) return 'gone';
    if (a.ended) return a.ended;
    const now = this.clock.now();
    if (now >= a.heartbeatAt + this.hook.heartbeatTimeoutSeconds * 1000) return `timeout ${this.hook.defaultResult}`;
    if (now >= a.startedAt + this.hook.globalTimeoutSeconds * 1000) return `global ${this.hook.defaultResult}`;
    return undefined;
  }

  async describeHook(group: string, hook: string): Promise<LifecycleHookSettings> {
    this.calls.push('DescribeLifecycleHooks');
    if (hook !== this.hook.name) throw new DrainctlError('not_found', `lifecycle hook ${hook} not found in Auto Scaling group ${group}`);
    return this.hook;
  }
  async attachedRoutes(): Promise<readonly TargetRef[]> {
    this.calls.push('DescribeTrafficSources');
    return this.attached;
  }
  async instanceState(instanceId: string): Promise<{ autoScalingGroupName: string; lifecycleState: string } | undefined> {
    this.calls.push('DescribeAutoScalingInstances');
    const ended = this.ended(instanceId);
    if (ended === 'gone') return undefined;
    return { autoScalingGroupName: 'web-asg', lifecycleState: ended ? 'Terminating:Proceed' : this.hook.transition.endsWith('LAUNCHING') ? 'Pending:Wait' : 'Terminating:Wait' };
  }
  async recordHeartbeat(action: LifecycleAction, _call: CallContext): Promise<CompletionOutcome | 'recorded'> {
    this.calls.push(`heartbeat at +${(this.clock.now() - Date.parse('2026-01-01T00:00:00Z')) / 1000}s`);
    if (this.ended(action.instanceId) || this.actions.get(action.instanceId)?.token !== action.token) return 'already_ended';
    this.actions.get(action.instanceId)!.heartbeatAt = this.clock.now();
    return 'recorded';
  }
  async complete(action: LifecycleAction, result: 'CONTINUE' | 'ABANDON'): Promise<CompletionOutcome> {
    this.calls.push(`complete ${result}`);
    if (this.ended(action.instanceId) || this.actions.get(action.instanceId)?.token !== action.token) return 'already_ended';
    this.actions.get(action.instanceId)!.ended = result;
    return 'completed';
  }
  completions(): string[] {
    return this.calls.filter((c) => c.startsWith('complete') || c.startsWith('heartbeat'));
  }
}

const TERMINATING_HOOK: LifecycleHookSettings = { name: 'drain', transition: 'autoscaling:EC2_INSTANCE_TERMINATING', heartbeatTimeoutSeconds: 120, globalTimeoutSeconds: 12_000, defaultResult: 'ABANDON' };

describe('handleLifecycleAction', () => {
  let clock: FakeClock;
  let provider: FakeProvider;
  let ledger: Ledger;
  let events: DrainEvent[];
  let asg: Asg;

  beforeEach(() => {
    clock = new FakeClock();
    provider = new FakeProvider(clock);
    provider.addGroup('web', 300, { [A]: 8080, [B]: 8080, [C]: 8080 });
    ledger = createMemoryLedger();
    events = [];
    asg = new Asg(clock, TERMINATING_HOOK);
  });

  const options = (extra: Partial<LifecycleHookOptions> = {}): LifecycleHookOptions => ({
    autoScaling: asg,
    ledger,
    clock,
    holder: me,
    configuredTargets: (id) => [ref(`elbv2:web/${id}`)],
    drain: (targets, work) => drainTargets({ targets, providers: async () => provider, ledger, clock, holder: work.holder, timeoutMs: work.timeoutMs, signal: work.signal, onEvent: work.onEvent, random: () => 0.5 }),
    restore: (targets, work) => restoreTargets({ targets, providers: async () => provider, ledger, clock, timeoutMs: work.timeoutMs, signal: work.signal, onEvent: work.onEvent }),
    onEvent: (e) => events.push(e),
    ...extra,
  });
  const lifecycle = () => events.filter((e): e is LifecycleEvent => e.type === 'lifecycle').map((e) => `${e.phase}: ${e.message}`);

  it('drains every route, heartbeats through a 300 s drain with a 120 s heartbeat timeout, and completes CONTINUE once, after the drain', async () => {
    const action = asg.begin(A, 'token-1');
    const outcome = await handleLifecycleAction(action, options());
    expect(outcome).toMatchObject({ status: 'completed', result: 'CONTINUE', completion: 'completed' });
    // Every 60 s while the 300 s drain ran (the last one as it ended), none after the completion.
    expect(asg.completions()).toEqual(['heartbeat at +60s', 'heartbeat at +120s', 'heartbeat at +180s', 'heartbeat at +240s', 'heartbeat at +300s', 'complete CONTINUE']);
    expect(outcome.heartbeats).toBe(5);
    expect(asg.ended(A)).toBe('CONTINUE');
    expect(provider.mutations()).toEqual([`drain web ${A}:8080`]);
    expect(outcome.report?.results.map((r) => r.outcome)).toEqual(['drained']);
    expect(await ledger.find({ provider: 'aws-asg', group: 'web-asg', target: A })).toMatchObject({ status: 'stopped', registration: { token: 'token-1', result: 'CONTINUE', completion: 'completed' } });
  });

  it('a duplicate delivery of a completed action is acknowledged without a second completion, and an action another consumer holds is left to it', async () => {
    const action = asg.begin(A, 'token-1');
    await handleLifecycleAction(action, options());
    const again = await handleLifecycleAction(action, options({ holder: other }));
    expect(again).toMatchObject({ status: 'already_done', result: 'CONTINUE' });
    expect(asg.calls.filter((c) => c.startsWith('complete'))).toEqual(['complete CONTINUE']);

    const second = asg.begin(B, 'token-2');
    const running = handleLifecycleAction(second, options());
    await clock.sleep(30_000);
    expect(await handleLifecycleAction(second, options({ holder: other }))).toMatchObject({ status: 'busy', reason: 'held by hooks-1 pid 101' });
    expect(await running).toMatchObject({ status: 'completed' });
    expect(asg.calls.filter((c) => c.startsWith('complete'))).toEqual(['complete CONTINUE', 'complete CONTINUE']);
  });

  it('a consumer stopped mid-drain gives its claim back without completing; the next delivery follows the drain it started, not a second one', async () => {
    const action = asg.begin(A, 'token-1');
    const stopped = new AbortController();
    const first = handleLifecycleAction(action, options({ signal: stopped.signal }));
    await clock.sleep(10_000);
    stopped.abort();
    await expect(first).rejects.toMatchObject({ kind: 'interrupted' });
    expect(asg.calls.filter((c) => c.startsWith('complete'))).toEqual([]);
    const outcome = await handleLifecycleAction(action, options({ holder: other }));
    expect(outcome).toMatchObject({ status: 'completed', result: 'CONTINUE' });
    expect(provider.mutations()).toEqual([`drain web ${A}:8080`]);
    expect(lifecycle().filter((l) => l.startsWith('released'))).toEqual([expect.stringMatching(/^released: not completed: .*is still draining/)]);
  });

  it('a claim whose consumer died is busy until its lease lapses, then resumed', async () => {
    const action = asg.begin(A, 'token-1');
    const { claimAction } = await import('../../src/core/lifecycle/claim.js');
    expect(await claimAction(ledger, action, other, clock, 30_000)).toMatchObject({ kind: 'claimed', resumed: false });
    expect(await handleLifecycleAction(action, options())).toMatchObject({ status: 'busy' });
    await clock.sleep(31_000);
    expect(await handleLifecycleAction(action, options())).toMatchObject({ status: 'completed', result: 'CONTINUE' });
    expect(lifecycle()).toContain('claimed: resuming an action a consumer that stopped had claimed');
  });

  it('a test notification and another transition are skipped with no Auto Scaling call', async () => {
    const test = JSON.stringify({ AccountId: '123456789012', RequestId: 'r', AutoScalingGroupARN: 'arn', AutoScalingGroupName: 'web-asg', Service: 'AWS Auto Scaling', Event: 'autoscaling:TEST_NOTIFICATION', Time: '2026-01-01T00:00:00Z' });
    expect(await handleLifecycleAction(test, options())).toMatchObject({ status: 'skipped', reason: 'test notification' });
    const other = { ...asg.begin(A, 't'), transition: 'autoscaling:EC2_INSTANCE_LAUNCH_ERROR' };
    expect(await handleLifecycleAction(other, options())).toMatchObject({ status: 'skipped' });
    expect(asg.calls).toEqual([]);
  });

  it('an action that already ended (an expired token) is recorded as such and never completed', async () => {
    const action = asg.begin(A, 'token-1');
    await clock.sleep(121_000); // past the heartbeat timeout: the default result applied
    const outcome = await handleLifecycleAction(action, options());
    expect(outcome).toMatchObject({ status: 'already_done', reason: expect.stringContaining('already ended') });
    expect(asg.calls.filter((c) => c.startsWith('complete'))).toEqual([]);
    expect(provider.mutations()).toEqual([]);
  });

  it('a drain the capacity guard refuses completes with --on-failure (abandon by default, continue when asked), saying why', async () => {
    provider.addGroup('solo', 300, { [A]: 8080 });
    const refused = await handleLifecycleAction(asg.begin(A, 'token-1'), options({ configuredTargets: (id) => [ref(`elbv2:solo/${id}`)] }));
    expect(refused).toMatchObject({ status: 'completed', result: 'ABANDON', reason: expect.stringContaining('no healthy target') });
    provider.addGroup('solo2', 300, { [B]: 8080 });
    const continued = await handleLifecycleAction(asg.begin(B, 'token-2'), options({ onFailure: 'continue', configuredTargets: (id) => [ref(`elbv2:solo2/${id}`)] }));
    expect(continued).toMatchObject({ status: 'completed', result: 'CONTINUE' });
    expect(provider.mutations()).toEqual([]);
  });

  it('an unknown hook is an error with no completion, and the claim is given back for the next delivery', async () => {
    const action = { ...asg.begin(A, 'token-1'), lifecycleHookName: 'nope' };
    await expect(handleLifecycleAction(action, options())).rejects.toMatchObject({ kind: 'not_found', message: 'lifecycle hook nope not found in Auto Scaling group web-asg' });
    expect(asg.calls.filter((c) => c.startsWith('complete'))).toEqual([]);
    expect(await ledger.find({ provider: 'aws-asg', group: 'web-asg', target: A })).toMatchObject({ status: 'active', holder: null });
  });

  it('stops working when a heartbeat says the action ended elsewhere, and records it without completing', async () => {
    const action = asg.begin(A, 'token-1');
    const running = handleLifecycleAction(action, options());
    await clock.sleep(30_000);
    await asg.complete(action, 'ABANDON'); // a person ended it
    const outcome = await running;
    expect(outcome).toMatchObject({ status: 'already_done', completion: 'already_ended' });
    expect(asg.calls.filter((c) => c.startsWith('complete'))).toEqual(['complete ABANDON']);
  });

  it('says at the start when a drain cannot end before the global timeout, and bounds the drain to end before it', async () => {
    asg = new Asg(clock, { ...TERMINATING_HOOK, heartbeatTimeoutSeconds: 60, globalTimeoutSeconds: 200 });
    const outcome = await handleLifecycleAction(asg.begin(A, 'token-1'), options());
    expect(lifecycle().find((l) => l.startsWith('warning'))).toMatch(/drains for up to 300s, but the hook's global timeout leaves 3m5s/);
    expect(outcome).toMatchObject({ status: 'completed', result: 'ABANDON', reason: expect.stringContaining('timed_out') });
    expect(asg.ended(A)).toBe('ABANDON');
  });

  it('a launch puts the configured routes back and waits for health before CONTINUE; into the warm pool it continues at once', async () => {
    asg = new Asg(clock, { ...TERMINATING_HOOK, transition: 'autoscaling:EC2_INSTANCE_LAUNCHING' });
    await drainTargets({ targets: [ref(`elbv2:web/${A}`)], providers: async () => provider, ledger, clock, holder: me, wait: false });
    const outcome = await handleLifecycleAction(asg.begin(A, 'token-1'), options());
    expect(outcome).toMatchObject({ status: 'completed', result: 'CONTINUE' });
    expect(outcome.report?.results.map((r) => r.outcome)).toEqual(['restored']);
    const warm = JSON.stringify({ Origin: 'EC2', Destination: 'WarmPool', LifecycleHookName: 'drain', LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING', AutoScalingGroupName: 'web-asg', EC2InstanceId: B, LifecycleActionToken: 'token-2' });
    asg.begin(B, 'token-2');
    expect(await handleLifecycleAction(warm, options())).toMatchObject({ status: 'completed', result: 'CONTINUE', reason: expect.stringContaining('warm pool') });
  });
});
