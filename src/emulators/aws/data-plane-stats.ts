/** What the data plane counts, per target and overall, for tests to read. */
import type { RoutedTarget } from './data-plane-routing.js';

/** How a forwarded request ended. */
export type Outcome = 'completed' | 'badGateway' | 'gatewayTimeout' | 'cut' | 'abandoned';

/** Counters of one target (one id and port in one target group). */
export interface DataPlaneTargetStats {
  readonly targetGroup: string;
  readonly id: string;
  readonly port: number;
  /** Requests sent to this target. */
  readonly forwarded: number;
  readonly inFlight: number;
  /** The whole response reached the client. */
  readonly completed: number;
  /** badGateway + gatewayTimeout + cut. */
  readonly failed: number;
  /** Connection refused or reset by the target, or an unusable target address: the client got 502 or a truncated response. */
  readonly badGateway: number;
  /** The target went quiet for longer than the idle timeout: 504, or a truncated response. */
  readonly gatewayTimeout: number;
  /** Still running when the target's deregistration delay ran out: 502, or a truncated response. */
  readonly cut: number;
  /** The client went away first; not a load balancer failure. */
  readonly abandoned: number;
  /** The last failure's cause, for a readable assertion message. */
  readonly lastError: string | undefined;
}

/** Counters of one data plane. */
export interface DataPlaneStats {
  /** Client connections accepted (keep-alive carries many requests on one). */
  readonly connections: number;
  readonly requests: number;
  /** Answered 503 because no target group had a target to route to. */
  readonly noTarget: number;
  /** Routed to a non-healthy target because its group had no healthy one. */
  readonly failOpen: number;
  /** In the order targets first received a request. */
  readonly targets: readonly DataPlaneTargetStats[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The live counters behind `stats()`. */
export class DataPlaneCounters {
  connections = 0;
  requests = 0;
  noTarget = 0;
  failOpen = 0;
  private readonly byTarget = new Map<string, Mutable<DataPlaneTargetStats>>();

  /** Counts a request sent to `target`. */
  forwarded(target: RoutedTarget): void {
    const t = this.of(target);
    t.forwarded += 1;
    t.inFlight += 1;
    if (target.failOpen) this.failOpen += 1;
  }

  /** Counts how a request to `target` ended. */
  ended(target: RoutedTarget, outcome: Outcome, error?: string): void {
    const t = this.of(target);
    t.inFlight -= 1;
    t[outcome] += 1;
    if (outcome === 'badGateway' || outcome === 'gatewayTimeout' || outcome === 'cut') {
      t.failed += 1;
      t.lastError = error;
    }
  }

  /** Requests in flight to a target key. */
  inFlight(key: string): number {
    return this.byTarget.get(key)?.inFlight ?? 0;
  }

  /** A copy, so a test can compare snapshots taken at different times. */
  snapshot(): DataPlaneStats {
    const { connections, requests, noTarget, failOpen } = this;
    return { connections, requests, noTarget, failOpen, targets: [...this.byTarget.values()].map((t) => ({ ...t })) };
  }

  private of(target: RoutedTarget): Mutable<DataPlaneTargetStats> {
    let t = this.byTarget.get(target.key);
    if (!t) {
      t = {
        targetGroup: target.groupName,
        id: target.id,
        port: target.port,
        forwarded: 0,
        inFlight: 0,
        completed: 0,
        failed: 0,
        badGateway: 0,
        gatewayTimeout: 0,
        cut: 0,
        abandoned: 0,
        lastError: undefined,
      };
      this.byTarget.set(target.key, t);
    }
    return t;
  }
}
