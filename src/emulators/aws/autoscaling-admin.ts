/**
 * The Auto Scaling side of the emulator handle: the admin calls that play what AWS does on its
 * own (scale in, launch, notify), termination listeners, and the few timers that make a lifecycle
 * deadline observable when no request arrives to settle it.
 */
import type { Clock } from '../shared/clock.js';
import { AutoScalingService } from './autoscaling.js';
import { attachmentsVia } from './autoscaling-attachments.js';
import { AutoScalingGroups, type InstanceTerminated, type LifecycleState, type StartedAction } from './autoscaling-groups.js';
import { lifecycleMessage, sendToQueue, testNotificationMessage, type NotificationRecord } from './autoscaling-notifications.js';
import type { AutoScalingInstanceSeed } from './autoscaling-seed.js';
import type { AwsSeed } from './seed.js';
import type { EmulatedService, ResourceScope } from './service.js';

/** The Auto Scaling members of the AWS emulator handle. */
export interface AutoScalingAdmin {
  /** The ARN of a seeded Auto Scaling group. */
  autoScalingGroupArn(name: string): string;
  /**
   * Scales in one InService instance as AWS does: desired capacity down by one, Terminating,
   * deregistered from the group's target groups and Classic load balancers (their own draining
   * applies), then Terminating:Wait with a new LifecycleActionToken and a notification to the
   * hook's queue. Resolves with the token once the notification was sent (or failed, see
   * `notificationsSent`), or with undefined when the group has no terminating hook: the instance
   * is then Terminated at once.
   */
  scaleIn(groupName: string, instanceId: string): Promise<string | undefined>;
  /** Launches an instance into the group: Pending:Wait with a token when it has a launching hook, else InService and registered at once. */
  launch(groupName: string, instance: AutoScalingInstanceSeed): Promise<string | undefined>;
  /** Sends AWS's `autoscaling:TEST_NOTIFICATION` message to the hook's queue. */
  sendTestNotification(groupName: string, hookName: string): Promise<NotificationRecord>;
  /** The instance's LifecycleState now; Terminated once it has left its group; undefined for an id never seen. */
  instanceLifecycleState(instanceId: string): LifecycleState | undefined;
  /**
   * Calls `listener` when an instance reaches Terminated; returns the unsubscribe function.
   * Completion fires it at once; a timed-out action fires it when the emulator notices: on the
   * next request or admin call, or by a timer set for the deadline on the real clock (so with a
   * fake clock, make a call after moving it).
   */
  onInstanceTerminated(listener: (event: InstanceTerminated) => void): () => void;
  /** Every notification the emulator has tried to send, oldest first. */
  notificationsSent(): NotificationRecord[];
}

export interface AutoScalingParts {
  readonly service: EmulatedService;
  readonly admin: AutoScalingAdmin;
  /** Clears the deadline timers. */
  dispose(): void;
}

export interface AutoScalingDeps {
  readonly seed: AwsSeed;
  readonly scope: ResourceScope;
  readonly startedAt: number;
  readonly clock: Clock;
  readonly elbv2: EmulatedService;
  readonly elb: EmulatedService;
  /** Where hooks without their own queue send notifications. */
  readonly notificationQueueUrl: string | undefined;
}

// setTimeout cannot wait longer than this; a later deadline is settled by the next call instead.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Builds the Auto Scaling API and its admin calls over the given ELB services. */
export function autoScalingParts(deps: AutoScalingDeps): AutoScalingParts {
  const { clock, scope } = deps;
  const listeners = new Set<(event: InstanceTerminated) => void>();
  const timers = new Set<NodeJS.Timeout>();
  const sent: NotificationRecord[] = [];

  const groups: AutoScalingGroups = new AutoScalingGroups(
    {
      seed: deps.seed.autoScalingGroups ?? [],
      scope,
      startedAt: deps.startedAt,
      attachments: attachmentsVia(deps.elbv2, deps.elb),
      onDeadline: (at) => {
        const delay = at - clock.now();
        if (delay > MAX_TIMER_MS) return;
        const timer = setTimeout(() => {
          timers.delete(timer);
          groups.settle(clock.now());
        }, Math.max(0, delay));
        timer.unref();
        timers.add(timer);
      },
      // A microtask, so a listener's error cannot break the request that settled the action.
      onTerminated: (event) => {
        for (const listener of listeners) queueMicrotask(() => listener(event));
      },
    },
    deps.notificationQueueUrl,
  );

  async function notify(queueUrl: string | undefined, body: string, what: string): Promise<NotificationRecord> {
    const record = queueUrl
      ? await sendToQueue(queueUrl, body, scope)
      : { queueUrl: '', body, delivered: false, error: `${what} has no notificationQueueUrl (set it on the hook or as the emulator option)` };
    sent.push(record);
    return record;
  }

  async function notifyStarted(started: StartedAction | undefined): Promise<string | undefined> {
    if (!started) return undefined;
    const hook = started.action.hook;
    await notify(hook.notificationQueueUrl, lifecycleMessage(started, scope.accountId, clock.now()), `lifecycle hook "${hook.name}"`);
    return started.action.token;
  }

  const admin: AutoScalingAdmin = {
    autoScalingGroupArn: (name) => groups.get(name, clock.now()).arn,
    scaleIn: async (groupName, instanceId) => notifyStarted(groups.scaleIn(groupName, instanceId, clock.now())),
    launch: async (groupName, instance) => notifyStarted(groups.launch(groupName, instance, clock.now())),
    async sendTestNotification(groupName, hookName) {
      const group = groups.get(groupName, clock.now());
      const hook = group.hooks.find((h) => h.name === hookName);
      if (!hook) throw new Error(`Auto Scaling group "${groupName}" has no lifecycle hook "${hookName}" (hooks: ${group.hooks.map((h) => h.name).join(', ') || 'none'})`);
      return notify(hook.notificationQueueUrl, testNotificationMessage(group, scope.accountId, clock.now()), `lifecycle hook "${hookName}"`);
    },
    instanceLifecycleState: (instanceId) => groups.stateOf(instanceId, clock.now()),
    onInstanceTerminated(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    notificationsSent: () => [...sent],
  };

  return {
    service: new AutoScalingService(groups, scope),
    admin,
    dispose() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
