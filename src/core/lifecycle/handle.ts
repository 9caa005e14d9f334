import { standaloneCall, type CallContext } from '../call.js';
import { LeaseKeeper } from '../capacity.js';
import { isoTime, systemClock, type Clock } from '../clock.js';
import { formatDuration } from '../duration.js';
import { DrainctlError, isDrainctlError } from '../errors.js';
import type { DrainEvent, EventSink, LifecycleEvent } from '../events.js';
import { currentHolder } from '../holder.js';
import { DEFAULT_LEASE_MS } from '../lease.js';
import type { Holder, Ledger } from '../ledger.js';
import { formatRef, type TargetRef } from '../refs.js';
import type { OperationReport } from '../report.js';
import { claimAction, LIFECYCLE_PROVIDER, recordCompletion, releaseClaim } from './claim.js';
import { HeartbeatKeeper } from './heartbeat.js';
import { type Notification, parseNotification } from './notification.js';
import type { AutoScalingPort, CompletionOutcome, InstanceFinder, LifecycleAction, LifecycleHookSettings } from './ports.js';
import { allRoutes, routesToInstance, type RoutesToInstance, uniqueRoutes as unique } from './targets.js';

/**
 * One lifecycle action, start to end: claim it (exactly once), read the hook, find everything that
 * routes to the instance, keep the action alive with heartbeats while draining it everywhere
 * (terminating) or putting it back and waiting for health (launching), then complete it once.
 * Every path ends in a completion call or in a recorded reason for not making one.
 */

export const TERMINATING = 'autoscaling:EC2_INSTANCE_TERMINATING';
export const LAUNCHING = 'autoscaling:EC2_INSTANCE_LAUNCHING';

/** What the drain or restore of the routes gets: a bound inside the hook's global timeout. */
export interface RouteWork {
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly holder: Holder;
  readonly onEvent: EventSink;
  /** The instance's private addresses, as far as they could be read (for `{ip}` in an app status URL). */
  readonly addresses: readonly string[];
}

export interface LifecycleHookOptions {
  readonly autoScaling: AutoScalingPort;
  /** Scans the region's target groups for the instance; without it only attached and configured routes are drained. */
  readonly finder?: InstanceFinder;
  /** The configuration's targets for this instance (templates filled in). */
  readonly configuredTargets?: (instanceId: string, addresses: readonly string[]) => readonly TargetRef[];
  /** Drains the routes (drainctl's drain, with the capacity guard); resolves with its report, throws when refused. */
  readonly drain: (targets: readonly TargetRef[], work: RouteWork) => Promise<OperationReport>;
  /** Puts the routes back and waits for health (launch hooks). */
  readonly restore: (targets: readonly TargetRef[], work: RouteWork) => Promise<OperationReport>;
  readonly ledger: Ledger;
  /** The result sent when the drain or restore failed (default abandon). */
  readonly onFailure?: 'continue' | 'abandon';
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
  readonly holder?: Holder;
  readonly env?: NodeJS.ProcessEnv;
  /** How long a claim outlives a consumer that stopped renewing it (default 30 s). */
  readonly leaseMs?: number;
}

export type LifecycleStatus = 'completed' | 'already_done' | 'skipped' | 'busy';

export interface LifecycleOutcome {
  readonly status: LifecycleStatus;
  readonly action: LifecycleAction | undefined;
  /** What was sent (completed), or what Auto Scaling had already applied. */
  readonly result?: 'CONTINUE' | 'ABANDON';
  readonly completion?: CompletionOutcome;
  readonly reason: string;
  readonly routes?: RoutesToInstance;
  readonly report?: OperationReport;
  readonly heartbeats: number;
  /** Why the work failed, when it did: a safety check refused it, or the wait ran out. */
  readonly failure?: 'refused' | 'timeout';
}

type WorkOutcome = { ok: boolean; reason: string; failure?: 'refused' | 'timeout'; routes?: RoutesToInstance; report?: OperationReport };

/** Margin kept before the global timeout for the completion call itself. */
const COMPLETION_MARGIN_MS = 15_000;
/** Lifecycle states in which an action is waiting for its completion. */
const WAITING_STATES = new Set(['Terminating:Wait', 'Pending:Wait', 'Warmed:Pending:Wait', 'Warmed:Terminating:Wait']);

/** Handles one notification (its text, parsed, or an action named by flags). */
export async function handleLifecycleAction(input: string | Notification | LifecycleAction, options: LifecycleHookOptions): Promise<LifecycleOutcome> {
  const notification: Notification = typeof input === 'string' ? parseNotification(input) : 'kind' in input ? input : { kind: 'action', action: input, format: 'sqs', move: undefined };
  const emit = (phase: LifecycleEvent['phase'], subject: string, message: string, details?: Record<string, unknown>): void =>
    options.onEvent?.({ type: 'lifecycle', phase, subject, message, ...(details && { details }) });
  if (notification.kind === 'test') {
    const subject = notification.autoScalingGroupName ?? 'autoscaling';
    emit('skipped', subject, 'test notification (autoscaling:TEST_NOTIFICATION): nothing to do');
    return { status: 'skipped', action: undefined, reason: 'test notification', heartbeats: 0 };
  }
  const { action, move } = notification;
  const subject = `${action.autoScalingGroupName}/${action.instanceId}`;
  emit('received', subject, `${action.transition.replace('autoscaling:', '')} on hook ${action.lifecycleHookName}${move ? ` (${move.origin} -> ${move.destination})` : ''}`, { token: action.token ?? null });
  if (action.transition !== TERMINATING && action.transition !== LAUNCHING) {
    emit('skipped', subject, `transition ${action.transition} is not one drainctl handles (EC2_INSTANCE_TERMINATING, EC2_INSTANCE_LAUNCHING)`);
    return { status: 'skipped', action, reason: `unhandled transition ${action.transition}`, heartbeats: 0 };
  }
  return new ActionRun(action, notification.move, options, emit, subject).run();
}

type Emit = (phase: LifecycleEvent['phase'], subject: string, message: string, details?: Record<string, unknown>) => void;

class ActionRun {
  private readonly clock: Clock;
  private readonly holder: Holder;
  private readonly leaseMs: number;

  constructor(
    private readonly action: LifecycleAction,
    private readonly move: { origin: string; destination: string } | undefined,
    private readonly options: LifecycleHookOptions,
    private readonly emit: Emit,
    private readonly subject: string,
  ) {
    this.clock = options.clock ?? systemClock;
    this.holder = options.holder ?? currentHolder(options.env);
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  private call(timeoutMs = 60_000): CallContext {
    return standaloneCall({ clock: this.clock, signal: this.options.signal, timeoutMs });
  }

  private say(phase: LifecycleEvent['phase'], message: string, details?: Record<string, unknown>): void {
    this.emit(phase, this.subject, message, details);
  }

  async run(): Promise<LifecycleOutcome> {
    const { ledger } = this.options;
    const claim = await claimAction(ledger, this.action, this.holder, this.clock, this.leaseMs, this.options.signal);
    if (claim.kind === 'done') {
      this.say('already_done', `already completed (${claim.record.result ?? 'ended'}${claim.at ? ` at ${claim.at}` : ''}); not completing it again`);
      return { status: 'already_done', action: this.action, result: claim.record.result, reason: claim.record.reason ?? 'completed before', heartbeats: 0 };
    }
    if (claim.kind === 'busy') {
      this.say('busy', `being handled by ${claim.holder.host} pid ${claim.holder.pid} (lease until ${claim.leaseExpiresAt}); leaving it to that consumer`);
      return { status: 'busy', action: this.action, reason: `held by ${claim.holder.host} pid ${claim.holder.pid}`, heartbeats: 0 };
    }
    this.say('claimed', claim.resumed ? 'resuming an action a consumer that stopped had claimed' : 'claimed');
    const leases = new LeaseKeeper({ ledger, clock: this.clock }, { minHealthy: undefined, waitMs: 0, holder: this.holder, leaseMs: this.leaseMs });
    leases.start();
    try {
      return await this.claimed();
    } catch (error) {
      // Nothing was decided (a bad hook name, an unreachable API, Ctrl-C): no completion on guesswork.
      const reason = error instanceof Error ? error.message : String(error);
      await releaseClaim(ledger, this.action, this.clock, reason).catch(() => undefined);
      this.say('released', `not completed: ${reason}`);
      throw error;
    } finally {
      await leases.stop();
    }
  }

  private async claimed(): Promise<LifecycleOutcome> {
    const { autoScaling } = this.options;
    const hook = await autoScaling.describeHook(this.action.autoScalingGroupName, this.action.lifecycleHookName, this.call());
    if (hook.transition !== this.action.transition) {
      throw new DrainctlError('usage', `hook ${hook.name} of ${this.action.autoScalingGroupName} is for ${hook.transition}, but the notification says ${this.action.transition}`, { hint: 'check what sends notifications to this queue' });
    }
    const state = await autoScaling.instanceState(this.action.instanceId, this.call());
    if (!state || !WAITING_STATES.has(state.lifecycleState)) {
      const reason = `the instance is ${state ? state.lifecycleState : 'no longer in the group'}: its lifecycle action already ended (an expired token, or completed elsewhere)`;
      await recordCompletion(this.options.ledger, this.action, this.clock, { result: hook.defaultResult, completion: 'already_ended', reason });
      this.say('already_done', reason);
      return { status: 'already_done', action: this.action, reason, heartbeats: 0 };
    }
    const deadline = this.globalDeadline(hook);
    this.say('hook', `heartbeat timeout ${hook.heartbeatTimeoutSeconds}s, global timeout ${hook.globalTimeoutSeconds}s (until ${isoTime(deadline)}), default result ${hook.defaultResult}`, {
      heartbeatTimeoutSeconds: hook.heartbeatTimeoutSeconds, globalTimeoutSeconds: hook.globalTimeoutSeconds, defaultResult: hook.defaultResult, until: isoTime(deadline),
    });
    const work = new AbortController();
    const stopWork = (): void => work.abort(new DrainctlError('interrupted', 'the lifecycle action ended at Auto Scaling while drainctl worked on it'));
    this.options.signal?.addEventListener('abort', () => work.abort(this.options.signal?.reason), { once: true });
    const heartbeats = new HeartbeatKeeper(autoScaling, this.action, hook.heartbeatTimeoutSeconds, this.clock, (beat) => this.say(beat.outcome === 'failed' ? 'warning' : 'heartbeat', `heartbeat ${beat.outcome}: ${beat.detail}`), stopWork);
    heartbeats.start();
    let outcome: WorkOutcome;
    try {
      outcome = await this.doWork(hook, deadline, work.signal);
    } catch (error) {
      // Work cut short because the action ended elsewhere is reported as such; anything else
      // thrown here came before any decision (finding the routes) and is the caller's to retry.
      if (!heartbeats.endedElsewhere) throw error;
      outcome = { ok: false, reason: 'the action ended at Auto Scaling meanwhile' };
    } finally {
      await heartbeats.stop();
    }
    return this.finish(hook, outcome, heartbeats);
  }

  /** The global timeout runs from when Auto Scaling sent the notification, when it said. */
  private globalDeadline(hook: LifecycleHookSettings): number {
    const sent = this.action.sentAt ? Date.parse(this.action.sentAt) : NaN;
    const start = Number.isFinite(sent) && sent <= this.clock.now() ? sent : this.clock.now();
    return start + hook.globalTimeoutSeconds * 1000;
  }

  private async doWork(hook: LifecycleHookSettings, deadline: number, signal: AbortSignal): Promise<WorkOutcome> {
    const { routes, addresses } = await this.findRoutes();
    const targets = allRoutes(routes);
    this.say('discovered', `${targets.length} route${targets.length === 1 ? '' : 's'}: ${targets.map(formatRef).join(', ') || 'none'}`, {
      attached: routes.attached.map(formatRef), found: routes.found.map(formatRef), configured: routes.configured.map(formatRef),
    });
    const boundMs = deadline - this.clock.now() - COMPLETION_MARGIN_MS;
    if (boundMs <= 0) return { ok: false, failure: 'timeout', reason: `the hook's global timeout (${hook.globalTimeoutSeconds}s) leaves no time to drain`, routes };
    const drainEvents: EventSink = (event: DrainEvent) => {
      if (event.type === 'group' && event.drainTimeoutSeconds !== undefined && event.drainTimeoutSeconds * 1000 > boundMs) {
        this.say('warning', `${event.group} drains for up to ${event.drainTimeoutSeconds}s, but the hook's global timeout leaves ${formatDuration(boundMs)}: the drain is cut short there and the action completed with the failure result`);
      }
      this.options.onEvent?.(event);
    };
    const work: RouteWork = { timeoutMs: boundMs, signal, holder: this.holder, onEvent: drainEvents, addresses };
    if (this.action.transition === LAUNCHING) return this.launch(routes, work);
    if (targets.length === 0) return { ok: true, reason: 'nothing routes to the instance', routes };
    const report = await decided(() => this.options.drain(targets, work));
    if ('refused' in report) return { ok: false, failure: report.kind, reason: report.refused, routes };
    const unfinished = report.results.filter((r) => r.outcome !== 'drained' && r.outcome !== 'unchanged' && r.outcome !== 'forced');
    if (unfinished.length > 0) return { ok: false, failure: 'timeout', reason: `not drained: ${unfinished.map((r) => `${r.target} ${r.outcome}`).join(', ')}`, routes, report };
    return { ok: true, reason: `drained from ${targets.length} route${targets.length === 1 ? '' : 's'}`, routes, report };
  }

  /**
   * A launching instance: Auto Scaling registers it with the attached load balancers itself once
   * the hook completes, so those are not waited for (they cannot turn healthy before). The
   * others (the scan's and the configuration's) are put back and waited on until healthy.
   */
  private async launch(routes: RoutesToInstance, work: RouteWork): Promise<WorkOutcome> {
    if (this.move?.destination === 'WarmPool') return { ok: true, reason: 'launching into the warm pool: nothing routes to it until it leaves the pool', routes };
    const targets = unique([...(await this.drainedEarlier()), ...routes.found, ...routes.configured]);
    if (targets.length === 0) return { ok: true, reason: 'no route outside the attached load balancers to wait for', routes };
    const report = await decided(() => this.options.restore(targets, work));
    if ('refused' in report) return { ok: false, failure: report.kind, reason: report.refused, routes };
    const unhealthy = report.results.filter((r) => r.outcome !== 'restored' && r.outcome !== 'unchanged');
    if (unhealthy.length > 0) return { ok: false, failure: 'timeout', reason: `not healthy: ${unhealthy.map((r) => `${r.target} ${r.outcome}`).join(', ')}`, routes, report };
    return { ok: true, reason: `healthy in ${targets.length} route${targets.length === 1 ? '' : 's'}`, routes, report };
  }

  /**
   * Targets drainctl drained for this instance and did not put back (an instance coming back
   * from the warm pool, or one a person drained): the scan cannot see them, they are no longer
   * registered; the ledger remembers them, with how they were registered.
   */
  private async drainedEarlier(): Promise<TargetRef[]> {
    const rows = await this.options.ledger.fleet();
    return rows
      .filter((r) => r.status === 'stopped' && r.provider !== LIFECYCLE_PROVIDER && r.provider !== 'app' && (r.target === this.action.instanceId || r.target.startsWith(`${this.action.instanceId}:`)))
      .map((r) => ({ kind: 'target', provider: r.provider, group: r.group, target: r.target }));
  }

  private async findRoutes(): Promise<{ routes: RoutesToInstance; addresses: readonly string[] }> {
    const { autoScaling, finder, configuredTargets } = this.options;
    const addresses = finder ? await finder.instanceAddresses(this.action.instanceId, this.call()) : [];
    const [attached, found] = await Promise.all([
      autoScaling.attachedRoutes(this.action.autoScalingGroupName, this.action.instanceId, this.call()),
      finder ? finder.findRoutes(this.action.instanceId, addresses, this.call(5 * 60_000)) : Promise.resolve([] as readonly TargetRef[]),
    ]);
    let configured: readonly TargetRef[] = [];
    try {
      configured = configuredTargets?.(this.action.instanceId, addresses) ?? [];
    } catch (error) {
      throw new DrainctlError('usage', error instanceof Error ? error.message : String(error), { hint: 'fix the hook targets in drainctl.yaml (docs/hook.md)' });
    }
    return { routes: routesToInstance(attached, found, configured), addresses };
  }

  private async finish(hook: LifecycleHookSettings, outcome: WorkOutcome, heartbeats: HeartbeatKeeper): Promise<LifecycleOutcome> {
    const result = outcome.ok ? 'CONTINUE' : this.options.onFailure === 'continue' ? 'CONTINUE' : 'ABANDON';
    const base = { action: this.action, routes: outcome.routes, report: outcome.report, heartbeats: heartbeats.sent, ...(outcome.failure && { failure: outcome.failure }) };
    if (heartbeats.endedElsewhere) {
      const reason = `${outcome.reason}; the action had already ended at Auto Scaling (its default result ${hook.defaultResult} or another completion applied)`;
      await recordCompletion(this.options.ledger, this.action, this.clock, { result: hook.defaultResult, completion: 'already_ended', reason });
      this.say('already_done', reason);
      return { ...base, status: 'already_done', result: hook.defaultResult, completion: 'already_ended', reason };
    }
    // Completion must go out even if the caller was interrupted meanwhile: the work is over.
    const completion = await this.options.autoScaling.complete(this.action, result, standaloneCall({ clock: this.clock, timeoutMs: COMPLETION_MARGIN_MS * 4 }));
    await recordCompletion(this.options.ledger, this.action, this.clock, { result, completion, reason: outcome.reason });
    const words = completion === 'completed' ? `completed ${result}` : `found already ended when completing ${result}`;
    this.say('completed', `${words}: ${outcome.reason}`, { result, completion, heartbeats: heartbeats.sent });
    return { ...base, status: completion === 'completed' ? 'completed' : 'already_done', result, completion, reason: outcome.reason };
  }
}

/**
 * A drain or restore that was refused by a safety check, or whose wait ran out, ended in a
 * decision: the action completes with the failure result. Anything else (a configured target
 * that does not exist, an unreachable HAProxy socket, an API that keeps failing, an interruption)
 * is thrown: no completion is sent on guesswork, and the next delivery tries again.
 */
async function decided(work: () => Promise<OperationReport>): Promise<OperationReport | { refused: string; kind: 'refused' | 'timeout' }> {
  try {
    return await work();
  } catch (error) {
    if (!isDrainctlError(error) || (error.kind !== 'refused' && error.kind !== 'timeout')) throw error;
    return { refused: `${error.message}${error.hint ? ` (${error.hint})` : ''}`, kind: error.kind };
  }
}
