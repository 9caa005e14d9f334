import { standaloneCall } from '../call.js';
import type { Clock } from '../clock.js';
import type { AutoScalingPort, LifecycleAction } from './ports.js';

/**
 * Keeps a lifecycle action alive while its drain runs: RecordLifecycleActionHeartbeat at half
 * the hook's heartbeat timeout, so one failed heartbeat still leaves time for another, and not
 * a moment longer than the work (stop() is awaited before the completion call, so no heartbeat
 * is ever sent for an action that has ended). A heartbeat that answers "no active lifecycle
 * action" means the action ended elsewhere (a person, another consumer, the global timeout):
 * the keeper stops and says so.
 */
export class HeartbeatKeeper {
  private readonly stopper = new AbortController();
  private running: Promise<void> | undefined;
  /** Set when Auto Scaling says the action is no longer active. */
  endedElsewhere = false;
  sent = 0;
  lastFailure: string | undefined;

  constructor(
    private readonly port: AutoScalingPort,
    private readonly action: LifecycleAction,
    private readonly heartbeatTimeoutSeconds: number,
    private readonly clock: Clock,
    private readonly onBeat: (beat: { readonly outcome: 'recorded' | 'already_ended' | 'failed'; readonly detail: string }) => void,
    /** Ends the keeper early when Auto Scaling says the action ended. */
    private readonly onEnded: () => void = () => {},
  ) {}

  /** Milliseconds between heartbeats: half the timeout, at least a second. */
  get intervalMs(): number {
    return Math.max(1000, (this.heartbeatTimeoutSeconds * 1000) / 2);
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    let wait = this.intervalMs;
    for (;;) {
      try {
        await this.clock.sleep(wait, this.stopper.signal);
      } catch {
        return; // stopped
      }
      // The call itself is bounded, so a hung endpoint cannot hold stop() past the next beat.
      const call = { ...standaloneCall({ clock: this.clock, timeoutMs: this.intervalMs }), signal: this.stopper.signal };
      try {
        const outcome = await this.port.recordHeartbeat(this.action, call);
        if (this.stopper.signal.aborted) return;
        if (outcome === 'already_ended') {
          this.endedElsewhere = true;
          this.onBeat({ outcome, detail: 'Auto Scaling has no active lifecycle action for this instance any more' });
          this.onEnded();
          return;
        }
        this.sent++;
        this.lastFailure = undefined;
        wait = this.intervalMs;
        this.onBeat({ outcome: 'recorded', detail: `next in ${Math.round(this.intervalMs / 1000)}s` });
      } catch (error) {
        if (this.stopper.signal.aborted) return;
        this.lastFailure = error instanceof Error ? error.message : String(error);
        // Try again soon: the heartbeat timeout is still half an interval away at worst.
        wait = Math.max(1000, this.intervalMs / 8);
        this.onBeat({ outcome: 'failed', detail: `${this.lastFailure}; trying again in ${Math.round(wait / 1000)}s` });
      }
    }
  }
}
