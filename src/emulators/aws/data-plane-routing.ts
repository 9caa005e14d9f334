/**
 * Which target gets the next request, as an ALB forward action picks one: first a target group
 * (several groups behind one load balancer are treated as one forward action with equal
 * weights), then a target inside it by the group's routing algorithm.
 */
import type { Elbv2TargetGroupView, Elbv2TargetView } from './elbv2.js';

/** The one address the data plane connects to: everything stays on loopback. */
export const LOOPBACK = '127.0.0.1';

/** A target the data plane can send a request to. */
export interface RoutedTarget {
  /** `groupArn|id|port`: a target's identity within the load balancer. */
  readonly key: string;
  readonly groupName: string;
  readonly id: string;
  readonly port: number;
  /** Where to connect: 127.0.0.1 for instance targets, the address itself for ip targets. */
  readonly host: string;
  /** True when the group had no healthy target and the request went to a non-healthy one. */
  readonly failOpen: boolean;
}

/** The key a target's counters and in-flight requests are filed under. */
export function targetKeyOf(groupArn: string, id: string, port: number | undefined): string {
  return `${groupArn}|${id}|${port ?? ''}`;
}

/**
 * The targets of one group that may receive a request now.
 *
 * "Each load balancer node routes requests only to the healthy targets [...] If a target group
 * contains only unhealthy registered targets, the load balancer routes requests to all those
 * targets, regardless of their health status. This means that if all targets fail health checks
 * at the same time in all enabled Availability Zones, the load balancer fails open."
 * (ALB User Guide, "Health checks for your target groups").
 *
 * Draining targets are never candidates, not even when failing open: "ELB stops sending requests
 * to targets that are deregistering" (ALB User Guide, "Deregistration delay"). `initial` and
 * `unhealthy` targets are registered and not healthy, so both take part in the fail-open.
 */
export function candidatesOf(group: Elbv2TargetGroupView): { readonly targets: readonly Elbv2TargetView[]; readonly failOpen: boolean } {
  const healthy = group.targets.filter((t) => t.state === 'healthy');
  if (healthy.length > 0) return { targets: healthy, failOpen: false };
  return { targets: group.targets.filter((t) => t.state !== 'draining'), failOpen: true };
}

/** The item at `turn` counting round a non-empty list. */
function inTurn<T>(items: readonly T[], turn: number): T {
  const item = items[turn % items.length];
  if (item === undefined) throw new Error('round robin over an empty list');
  return item;
}

/** Round robin over groups, then round robin or least outstanding requests inside the group. */
export class TargetPicker {
  private groupTurn = 0;
  private readonly targetTurns = new Map<string, number>();

  /**
   * The target for the next request, or undefined when no group has a candidate (ALB answers 503).
   * Lambda groups are skipped: the emulator has no functions to invoke.
   * `outstanding` is the number of requests in flight to a target key.
   */
  pick(groups: readonly Elbv2TargetGroupView[], outstanding: (key: string) => number): RoutedTarget | undefined {
    const usable = groups
      .filter((g) => g.targetType !== 'lambda')
      .map((g) => ({ group: g, ...candidatesOf(g) }))
      .filter((u) => u.targets.length > 0);
    if (usable.length === 0) return undefined;
    const chosen = inTurn(usable, this.groupTurn++);
    const { group, targets, failOpen } = chosen;
    const target =
      group.algorithm === 'least_outstanding_requests' ? this.leastOutstanding(group, targets, outstanding) : this.nextInTurn(group.arn, targets);
    return {
      key: targetKeyOf(group.arn, target.id, target.port),
      groupName: group.name,
      id: target.id,
      // Only Lambda targets lack a port, and their groups were skipped above.
      port: target.port ?? 0,
      host: group.targetType === 'ip' ? target.id : LOOPBACK,
      failOpen,
    };
  }

  // weighted_random is routed as round robin: without anomaly weights it spreads requests evenly too.
  private nextInTurn(groupArn: string, targets: readonly Elbv2TargetView[]): Elbv2TargetView {
    const turn = this.targetTurns.get(groupArn) ?? 0;
    this.targetTurns.set(groupArn, turn + 1);
    return inTurn(targets, turn);
  }

  // Ties go to the target whose round-robin turn comes first, so idle targets still share the load.
  private leastOutstanding(group: Elbv2TargetGroupView, targets: readonly Elbv2TargetView[], outstanding: (key: string) => number): Elbv2TargetView {
    const turn = this.targetTurns.get(group.arn) ?? 0;
    this.targetTurns.set(group.arn, turn + 1);
    let best = inTurn(targets, turn);
    let bestCount = outstanding(targetKeyOf(group.arn, best.id, best.port));
    for (let i = 1; i < targets.length; i++) {
      const t = inTurn(targets, turn + i);
      const count = outstanding(targetKeyOf(group.arn, t.id, t.port));
      if (count < bestCount) {
        best = t;
        bestCount = count;
      }
    }
    return best;
  }
}
