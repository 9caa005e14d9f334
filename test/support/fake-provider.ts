import type { CallContext } from '../../src/core/call.js';
import type { Clock } from '../../src/core/clock.js';
import { DrainctlError } from '../../src/core/errors.js';
import type { DrainProvider, GroupSnapshot, ProviderDescriptor, RestoreRequest, TimeoutSetting } from '../../src/core/provider.js';
import type { GroupRef, TargetRef } from '../../src/core/refs.js';
import type { TargetStatus } from '../../src/core/state.js';
import { elbv2Descriptor } from '../../src/providers/aws-elbv2/descriptor.js';

interface FakeTarget {
  port: number;
  drainingSince?: number;
  registeredAt: number;
  /** A state the provider reports that drainctl cannot interpret. */
  odd?: string;
}

interface FakeGroup {
  /** Undefined: no drain timeout of its own (Azure LB). */
  timeout: number | undefined;
  enabled: boolean;
  targets: Map<string, FakeTarget>;
  arn: string;
}

/** A failure to inject into the next calls of one operation. */
type Failure = DrainctlError | (() => DrainctlError);

/**
 * A DrainProvider for core unit tests only: targets drain for exactly the group's timeout
 * on a fake clock. Adapter behaviour against real wire protocols is tested elsewhere.
 * Groups are known by name and by an ARN (its describe says the name is canonical), and
 * calls can be made to fail, or to hang on the clock, to test retries and deadlines.
 */
export class FakeProvider implements DrainProvider {
  /** ELBv2's facts: it reports draining for the whole timeout. Tests may swap in others. */
  descriptor: ProviderDescriptor = elbv2Descriptor;
  readonly calls: string[] = [];
  readonly groups = new Map<string, FakeGroup>();
  /** Throttle this many describes. */
  failNextDescribes = 0;
  /** Fail describes with these errors, one per call, in order. */
  readonly describeFailures: Failure[] = [];
  /** Fail every describe from the nth (1-based) on with this error, until cleared. */
  failDescribesFrom: { readonly call: number; readonly error: Failure } | undefined;
  /** Fail the next drain call with this error; `applied` says whether it still took effect. */
  drainFailure: { readonly error: Failure; readonly applied: boolean } | undefined;
  /** Each drain call waits this long on the clock first (a slow API or an internal wait). */
  drainWaitMs = 0;
  /** Each describe from the nth (1-based) on (up to the `to`th, when set) waits this long on the clock first. */
  slowDescribe: { readonly from: number; readonly ms: number; readonly to?: number } | undefined;
  /** Sessions cut by forceClose, when it is enabled. */
  forceCloseCalls = 0;
  private describes = 0;

  constructor(private readonly clock: Clock) {}

  addGroup(name: string, timeoutSeconds: number | undefined, targets: Record<string, number>, options: { enabled?: boolean } = {}): void {
    const map = new Map<string, FakeTarget>();
    for (const [id, port] of Object.entries(targets)) map.set(id, { port, registeredAt: -1e12 });
    this.groups.set(name, { timeout: timeoutSeconds, enabled: options.enabled ?? true, targets: map, arn: FakeProvider.arn(name) });
  }

  /** The ARN the fake knows a group by, besides its name. */
  static arn(name: string): string {
    return `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/0123456789abcdef`;
  }

  /** Makes the provider able to cut open connections (`--on-timeout force`). */
  enableForceClose(): void {
    this.forceClose = async (group, targets) => {
      this.calls.push(`forceClose ${group.group} ${targets.map((t) => t.ref.target).join(',')}`);
      this.forceCloseCalls += 1;
      const g = this.group(group);
      for (const t of targets) g.targets.delete(t.ref.target.split(':')[0]!);
      return { cut: targets.length * 3 };
    };
  }

  forceClose?: DrainProvider['forceClose'];

  /** Makes a target report a state drainctl cannot interpret. */
  setOddState(group: string, id: string, state: string): void {
    this.groups.get(group)!.targets.get(id)!.odd = state;
  }

  async describe(group: GroupRef, targets: readonly TargetRef[] | 'all', call?: CallContext): Promise<GroupSnapshot> {
    this.calls.push(`describe ${group.group}`);
    this.describes += 1;
    if (this.slowDescribe && this.describes >= this.slowDescribe.from && this.describes <= (this.slowDescribe.to ?? Infinity)) await this.clock.sleep(this.slowDescribe.ms, call?.signal);
    if (this.failNextDescribes > 0) {
      this.failNextDescribes -= 1;
      throw new DrainctlError('provider', 'Rate exceeded', { retryable: 'throttle' });
    }
    const failure = this.describeFailures.shift() ?? (this.failDescribesFrom && this.describes >= this.failDescribesFrom.call ? this.failDescribesFrom.error : undefined);
    if (failure) throw typeof failure === 'function' ? failure() : failure;
    const [name, g] = this.lookup(group);
    const registered = [...g.targets.entries()].filter(([, t]) => !this.finished(g, t)).map(([id, t]) => this.status(group, id, t, g));
    const common = { group, providerId: g.arn, canonicalGroup: name };
    if (targets === 'all') return { ...common, targets: registered, registered };
    const named = targets.flatMap((ref) => {
      const hits = registered.filter((s) => this.descriptor.syntax.covers!(ref.target, s.ref.target));
      return hits.length > 0 ? hits : [{ ref, state: 'absent' as const, health: 'unknown' as const, raw: { state: 'unused', reason: 'Target.NotRegistered' } }];
    });
    return { ...common, targets: named, registered };
  }

  async drain(group: GroupRef, targets: readonly TargetStatus[], call?: CallContext): Promise<void> {
    this.calls.push(`drain ${group.group} ${targets.map((t) => t.ref.target).join(',')}`);
    if (this.drainWaitMs > 0) await this.clock.sleep(this.drainWaitMs, call?.signal);
    const failure = this.drainFailure;
    this.drainFailure = undefined;
    if (failure && !failure.applied) throw typeof failure.error === 'function' ? failure.error() : failure.error;
    const g = this.group(group);
    for (const t of targets) {
      const id = t.ref.target.split(':')[0]!;
      const target = g.targets.get(id);
      if (target && target.drainingSince === undefined) target.drainingSince = this.clock.now();
    }
    if (failure) throw typeof failure.error === 'function' ? failure.error() : failure.error;
  }

  async restore(group: GroupRef, requests: readonly RestoreRequest[]): Promise<void> {
    this.calls.push(`restore ${group.group} ${requests.map((r) => JSON.stringify(r.registration ?? null)).join(',')}`);
    const g = this.group(group);
    for (const r of requests) {
      const id = String(r.registration?.id ?? r.ref.target.split(':')[0]);
      const port = Number(r.registration?.port ?? r.ref.target.split(':')[1] ?? 80);
      g.targets.set(id, { port, registeredAt: this.clock.now() });
    }
  }

  async getTimeout(group: GroupRef): Promise<TimeoutSetting> {
    this.calls.push(`getTimeout ${group.group}`);
    const g = this.group(group);
    return { seconds: g.timeout, enabled: g.enabled, extra: {} };
  }

  async setTimeout(group: GroupRef, seconds: number): Promise<TimeoutSetting> {
    this.calls.push(`setTimeout ${group.group} ${seconds}`);
    this.group(group).timeout = seconds;
    return { seconds, enabled: true, extra: {} };
  }

  registrationFor(ref: TargetRef): Record<string, unknown> {
    const [id, port] = ref.target.split(':');
    if (port === undefined) throw new DrainctlError('usage', `no recorded registration for ${ref.target}, and the reference names no port`);
    return { id, port: Number(port) };
  }

  mutations(): string[] {
    return this.calls.filter((c) => /^(drain|restore|setTimeout|forceClose) /.test(c));
  }

  private group(group: GroupRef): FakeGroup {
    return this.lookup(group)[1];
  }

  private lookup(group: GroupRef): [string, FakeGroup] {
    for (const [name, g] of this.groups) if (name === group.group || g.arn === group.group) return [name, g];
    throw new DrainctlError('not_found', `target group ${group.group} not found`);
  }

  private finished(g: FakeGroup, t: FakeTarget): boolean {
    const ms = g.enabled ? (g.timeout ?? Infinity) * 1000 : 0;
    return t.drainingSince !== undefined && this.clock.now() >= t.drainingSince + ms;
  }

  private status(group: GroupRef, id: string, t: FakeTarget, g: FakeGroup): TargetStatus {
    const ref: TargetRef = { kind: 'target', provider: 'elbv2', group: group.group, target: `${id}:${t.port}` };
    const registration = { id, port: t.port };
    if (t.odd) return { ref, state: 'unknown', health: 'unknown', raw: { state: t.odd }, registration };
    if (t.drainingSince !== undefined && !this.finished(g, t)) return { ref, state: 'draining', health: 'unknown', raw: { state: 'draining', reason: 'Target.DeregistrationInProgress' }, registration };
    const healthy = this.clock.now() - t.registeredAt >= 1000;
    return { ref, state: 'active', health: healthy ? 'healthy' : 'initial', raw: { state: healthy ? 'healthy' : 'initial' }, registration };
  }
}
