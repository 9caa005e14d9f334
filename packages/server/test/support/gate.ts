/** Holds requests until the test opens it; tells the test when requests arrived. No timers. */
export class Gate {
  private opened = false;
  private readonly waiting: (() => void)[] = [];
  private readonly arrivals: { count: number; resolve: () => void }[] = [];
  entered = 0;

  /** Called by a handler: resolves when the gate opens. */
  pass(): Promise<void> {
    this.entered++;
    for (const arrival of this.arrivals.filter((a) => this.entered >= a.count)) arrival.resolve();
    if (this.opened) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Resolves once `count` requests are waiting at (or passed) the gate. */
  reached(count = 1): Promise<void> {
    if (this.entered >= count) return Promise.resolve();
    return new Promise((resolve) => this.arrivals.push({ count, resolve }));
  }

  open(): void {
    this.opened = true;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}
