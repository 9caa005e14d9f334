/**
 * Sends at most once per interval while things change: at once when the line has been quiet for the interval,
 * else once at the end of it, with whatever is true then. So a burst of a thousand requests costs one or two
 * messages, and a count that drops to zero is never reported later than one interval after it happened.
 */
export class Coalescer {
  private timer: NodeJS.Timeout | null = null;
  private lastSentAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly send: () => void,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Something changed: send now if nothing went out in the last interval, else once when it ends. */
  changed(): void {
    if (this.timer) return;
    const wait = this.lastSentAt + this.intervalMs - this.now();
    if (wait <= 0) return this.flush();
    this.timer = setTimeout(() => this.flush(), wait);
    // A pending report must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  /** Sends now (a state change must not wait), replacing any pending send. */
  flush(): void {
    this.stop();
    this.lastSentAt = this.now();
    this.send();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
