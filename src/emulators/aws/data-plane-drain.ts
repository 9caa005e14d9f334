/**
 * The end of a deregistration delay, for requests still in flight.
 *
 * The control plane is lazy: a target's state is worked out from the clock when someone reads
 * it, and nothing tells the data plane that a target was deregistered. So while requests are in
 * flight, this reads their targets' states every `pollMs` and, once a target is draining, wakes
 * exactly at its `drainEndsAt`. A target that is no longer registered at all (its delay ran out,
 * or it was deregistered with a delay of 0) has what still runs to it cut:
 *
 * "The deregistration delay period elapsed for a request being handled by a target that was
 * deregistered. Increase the delay period so that lengthy operations can complete."
 * (ALB User Guide, troubleshooting, "HTTP 502: Bad gateway").
 *
 * The wake-up is a real timer: `drainEndsAt - clock.now()` ms of wall time. That is only right
 * with the system clock; with a fake clock the cut still happens, but at the next poll after the
 * fake time has passed `drainEndsAt`. The data plane is an end-to-end tool for the system clock.
 */
import type { Clock } from '../shared/clock.js';
import type { Elbv2TargetView } from './elbv2.js';

/** Registered targets by target key (see `targetKeyOf`) at time `now`. */
export type TargetLookup = (now: number) => ReadonlyMap<string, Elbv2TargetView>;

/** Cuts in-flight requests whose target stopped being registered. */
export class DrainDeadlines {
  private readonly cutsByTarget = new Map<string, Set<() => void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly lookup: TargetLookup,
    private readonly clock: Clock,
    private readonly pollMs: number,
  ) {}

  /** Watches one in-flight request to `targetKey`; `cut` ends it. Returns the function that stops watching it. */
  watch(targetKey: string, cut: () => void): () => void {
    let cuts = this.cutsByTarget.get(targetKey);
    if (!cuts) {
      cuts = new Set();
      this.cutsByTarget.set(targetKey, cuts);
    }
    cuts.add(cut);
    this.schedule(this.pollMs);
    return () => {
      cuts.delete(cut);
      if (cuts.size === 0 && this.cutsByTarget.get(targetKey) === cuts) this.cutsByTarget.delete(targetKey);
    };
  }

  /** Stops the timer; nothing is cut afterwards. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.check();
    }, ms);
  }

  private check(): void {
    if (this.cutsByTarget.size === 0) return;
    const now = this.clock.now();
    const registered = this.lookup(now);
    let wakeInMs = this.pollMs;
    for (const [key, cuts] of [...this.cutsByTarget]) {
      const target = registered.get(key);
      if (!target) {
        for (const cut of [...cuts]) cut();
        continue;
      }
      // At least 1 ms: a timer that fires a hair early must not spin.
      if (target.drainEndsAt !== undefined) wakeInMs = Math.min(wakeInMs, Math.max(1, target.drainEndsAt - now));
    }
    if (this.cutsByTarget.size > 0) this.schedule(wakeInMs);
  }
}
