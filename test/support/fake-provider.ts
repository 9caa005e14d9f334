import type { Clock } from '../../src/core/clock.js';
import { DrainctlError } from '../../src/core/errors.js';
import type { DrainProvider, GroupSnapshot, RestoreRequest, TimeoutSetting } from '../../src/core/provider.js';
import type { GroupRef, TargetRef } from '../../src/core/refs.js';
import type { TargetStatus } from '../../src/core/state.js';
import { elbv2Descriptor } from '../../src/providers/aws-elbv2/descriptor.js';

interface FakeTarget {
  port: number;
  drainingSince?: number;
  registeredAt: number;
}

/**
 * A DrainProvider for core unit tests only: targets drain for exactly the group's timeout
 * on a fake clock. Adapter behaviour against real wire protocols is tested elsewhere.
 */
export class FakeProvider implements DrainProvider {
  /** ELBv2's facts: it reports draining for the whole timeout. */
  readonly descriptor = elbv2Descriptor;
  readonly calls: string[] = [];
  readonly groups = new Map<string, { timeout: number; targets: Map<string, FakeTarget> }>();
  failNextDescribes = 0;

  constructor(private readonly clock: Clock) {}

  addGroup(name: string, timeoutSeconds: number, targets: Record<string, number>): void {
    const map = new Map<string, FakeTarget>();
    for (const [id, port] of Object.entries(targets)) map.set(id, { port, registeredAt: -1e12 });
    this.groups.set(name, { timeout: timeoutSeconds, targets: map });
  }

  async describe(group: GroupRef, targets: readonly TargetRef[] | 'all'): Promise<GroupSnapshot> {
    this.calls.push(`describe ${group.group}`);
    if (this.failNextDescribes > 0) {
      this.failNextDescribes -= 1;
      throw new DrainctlError('provider', 'Rate exceeded', { retryable: 'throttle' });
    }
    const g = this.group(group);
    const registered = [...g.targets.entries()].filter(([, t]) => !this.finished(g.timeout, t)).map(([id, t]) => this.status(group, id, t, g.timeout));
    if (targets === 'all') return { group, providerId: group.group, targets: registered, registered };
    const named = targets.flatMap((ref) => {
      const hits = registered.filter((s) => this.descriptor.syntax.covers!(ref.target, s.ref.target));
      return hits.length > 0 ? hits : [{ ref, state: 'absent' as const, health: 'unknown' as const, raw: { state: 'unused', reason: 'Target.NotRegistered' } }];
    });
    return { group, providerId: group.group, targets: named, registered };
  }

  async drain(group: GroupRef, targets: readonly TargetStatus[]): Promise<void> {
    this.calls.push(`drain ${group.group} ${targets.map((t) => t.ref.target).join(',')}`);
    const g = this.group(group);
    for (const t of targets) {
      const id = t.ref.target.split(':')[0]!;
      const target = g.targets.get(id);
      if (target && target.drainingSince === undefined) target.drainingSince = this.clock.now();
    }
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
    return { seconds: this.group(group).timeout, enabled: true, extra: {} };
  }

  async setTimeout(group: GroupRef, seconds: number): Promise<TimeoutSetting> {
    this.calls.push(`setTimeout ${group.group} ${seconds}`);
    this.group(group).timeout = seconds;
    return { seconds, enabled: true, extra: {} };
  }

  mutations(): string[] {
    return this.calls.filter((c) => /^(drain|restore|setTimeout) /.test(c));
  }

  private group(group: GroupRef) {
    const g = this.groups.get(group.group);
    if (!g) throw new DrainctlError('not_found', `target group ${group.group} not found`);
    return g;
  }

  private finished(timeout: number, t: FakeTarget): boolean {
    return t.drainingSince !== undefined && this.clock.now() >= t.drainingSince + timeout * 1000;
  }

  private status(group: GroupRef, id: string, t: FakeTarget, timeout: number): TargetStatus {
    const ref: TargetRef = { kind: 'target', provider: 'elbv2', group: group.group, target: `${id}:${t.port}` };
    const registration = { id, port: t.port };
    if (t.drainingSince !== undefined && !this.finished(timeout, t)) return { ref, state: 'draining', health: 'unknown', raw: { state: 'draining', reason: 'Target.DeregistrationInProgress' }, registration };
    const healthy = this.clock.now() - t.registeredAt >= 1000;
    return { ref, state: 'active', health: healthy ? 'healthy' : 'initial', raw: { state: healthy ? 'healthy' : 'initial' }, registration };
  }
}
