import { HOOK_AWS_SETTINGS } from '../../providers/aws-asg/settings.js';
import { readFileSync } from 'node:fs';
import { drainTargets } from '../../core/drain.js';
import { parseDuration } from '../../core/duration.js';
import { DrainctlError, usageError } from '../../core/errors.js';
import { handleLifecycleAction, type LifecycleHookOptions, type LifecycleOutcome } from '../../core/lifecycle/handle.js';
import { fillTemplate } from '../../core/lifecycle/targets.js';
import type { AutoScalingPort, LifecycleAction } from '../../core/lifecycle/ports.js';
import { parseMinHealthy } from '../../core/min-healthy.js';
import type { GroupRef, TargetRef } from '../../core/refs.js';
import { formatRef } from '../../core/refs.js';
import { restoreTargets } from '../../core/restore.js';
import { type CallContext, standaloneCall } from '../../core/call.js';
import { type CommandContext, parseTargetRefs } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CommandResult } from '../render/output.js';
import { checkAppStatusTemplate } from '../../core/app-status-url.js';
import { readAppStatus } from '../../app-status/read.js';
import { askAppToDrain } from '../../app-status/drain-request.js';

/** The flags of `drainctl hook aws-asg` (docs/hook.md). */
export interface HookFlags {
  readonly event?: string;
  readonly queueUrl?: string;
  readonly asg?: string;
  readonly hook?: string;
  readonly instance?: string;
  readonly token?: string;
  readonly onFailure?: 'continue' | 'abandon';
  readonly scan?: boolean;
  readonly scanCache?: string;
  readonly appStatus?: string;
  readonly appDrain?: boolean;
  readonly propagation?: string;
  readonly concurrency?: string;
  readonly minHealthy?: string;
  readonly waitForCapacity?: string;
  readonly visibilityTimeout?: string;
  readonly waitTime?: string;
}

/**
 * Actions handled at once by one consumer. An action waiting on the queue gets no heartbeat, so a
 * scale-in of more instances than this can see its last ones end by the heartbeat timeout; handling
 * is mostly waiting, so the default is high.
 */
const DEFAULT_CONCURRENCY = 50;
/**
 * How long an action's drain waits for the group's capacity or its lock before the action fails:
 * many actions of one scale-in drain the same groups at once, one reservation at a time.
 */
const DEFAULT_CAPACITY_WAIT = '5m';

/** The environment variable holding the secret an app's remote drain endpoint wants (never a flag: flags show in `ps`). */
export const APP_DRAIN_SECRET_ENV = 'DRAINCTL_APP_DRAIN_SECRET';

/** `drainctl hook aws-asg`: one notification (--event), an action named by flags, or a queue consumer (--queue-url). */
export async function hookAwsAsgCommand(ctx: CommandContext, flags: HookFlags): Promise<CommandResult> {
  const mode = modeOf(flags);
  const settings = hookSettings(ctx, flags);
  // Everything the flags and the file say is checked before the first API call.
  const notification = mode === 'event' ? readEvent(flags.event!) : undefined;
  const aws = ctx.providerSettings(HOOK_AWS_SETTINGS);
  const { createAutoScalingPort } = await import('../../providers/aws-asg/autoscaling.js');
  const autoScaling = await createAutoScalingPort(aws);
  const addresses = await addressReader(ctx, aws);
  const finder = settings.scan
    ? (await import('../../providers/aws-asg/finder.js')).createInstanceFinder(aws, { cacheTtlMs: settings.scanCacheMs, readAddresses: addresses.read })
    : { instanceAddresses: addresses.read, findRoutes: async () => [], close: () => {} };
  const ledger = await ctx.ledger();
  const options: LifecycleHookOptions = {
    autoScaling,
    finder,
    configuredTargets: (id, addresses) => parseTargetRefs(ctx, settings.targets.map((t) => fillTemplate(t, id, addresses))),
    drain: async (targets, work) => {
      if (settings.appDrain && settings.appStatus) await askAppsToDrain(ctx, withAddress(settings.appStatus, work.addresses), targets, work.signal);
      return drainTargets({
        targets, providers: ctx.providers, ledger, wait: true, timeoutMs: work.timeoutMs, minHealthy: settings.minHealthy, waitForCapacityMs: settings.waitForCapacityMs, absentIsDrained: true,
        holder: work.holder, env: ctx.env, signal: work.signal, onEvent: work.onEvent,
        appIdle: settings.appStatus === undefined ? undefined : { statusUrl: () => withAddress(settings.appStatus!, work.addresses), read: readAppStatus, quietMs: 500, propagationMs: settings.propagationMs },
      });
    },
    restore: (targets, work) => restoreTargets({ targets, providers: ctx.providers, ledger, wait: true, timeoutMs: work.timeoutMs, signal: work.signal, onEvent: work.onEvent }),
    ledger,
    onFailure: settings.onFailure,
    signal: ctx.signal,
    env: ctx.env,
    onEvent: (e) => ctx.output.event(e),
  };
  try {
    if (mode === 'queue') {
      const { consumeLifecycleQueue } = await import('./hook-queue.js');
      return await consumeLifecycleQueue(ctx, flags.queueUrl!, options, { concurrency: settings.concurrency, visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds, waitTimeSeconds: settings.waitTimeSeconds });
    }
    const input = notification ?? (await actionFromFlags(flags, autoScaling, ctx));
    return outcomeResult(await handleLifecycleAction(input, options));
  } finally {
    autoScaling.close();
    finder.close();
    addresses.close();
  }
}

type Mode = 'event' | 'queue' | 'flags';

function modeOf(flags: HookFlags): Mode {
  const named = [flags.event !== undefined && '--event', flags.queueUrl !== undefined && '--queue-url', (flags.asg ?? flags.hook ?? flags.instance ?? flags.token) !== undefined && '--asg/--hook/--instance'].filter(Boolean);
  if (named.length === 0) throw usageError('say which lifecycle action to handle: --event <file|->, --queue-url <url>, or --asg, --hook and --instance', 'e.g. drainctl hook aws-asg --queue-url https://sqs.us-east-1.amazonaws.com/123456789012/drain-hooks');
  if (named.length > 1) throw usageError(`${named.join(' and ')} cannot be used together`, 'use one way in: one notification, a queue, or an action named by flags');
  if (flags.event !== undefined) return 'event';
  if (flags.queueUrl !== undefined) {
    if (!/^https?:\/\/\S+$/.test(flags.queueUrl)) throw usageError(`invalid --queue-url "${flags.queueUrl}": not an SQS queue URL`, 'e.g. https://sqs.us-east-1.amazonaws.com/123456789012/drain-hooks');
    return 'queue';
  }
  const missing = (['asg', 'hook', 'instance'] as const).filter((k) => flags[k] === undefined).map((k) => `--${k}`);
  if (missing.length > 0) throw usageError(`an action named by flags needs ${missing.join(', ')} too`, 'e.g. drainctl hook aws-asg --asg web-asg --hook drain-on-scale-in --instance i-0abc1234def567890 --token <LifecycleActionToken>');
  if (!/^i-[0-9a-f]{8,17}$/.test(flags.instance!)) throw usageError(`invalid --instance "${flags.instance}": not an EC2 instance ID`, 'e.g. i-0abc1234def567890');
  return 'flags';
}

interface HookSettings {
  readonly targets: readonly string[];
  readonly scan: boolean;
  readonly scanCacheMs: number;
  readonly appStatus: string | undefined;
  readonly appDrain: boolean;
  readonly propagationMs: number | undefined;
  readonly onFailure: 'continue' | 'abandon';
  readonly concurrency: number;
  readonly minHealthy: ReturnType<typeof parseMinHealthy> | ((group: GroupRef) => ReturnType<typeof parseMinHealthy> | undefined) | undefined;
  readonly waitForCapacityMs: number | undefined;
  readonly visibilityTimeoutSeconds: number;
  readonly waitTimeSeconds: number;
}

/** Flags first, then the hook section of drainctl.yaml, then the defaults. */
function hookSettings(ctx: CommandContext, flags: HookFlags): HookSettings {
  const file = ctx.configuration?.().hook();
  const value = (key: string): string | undefined => file?.values.get(key)?.value;
  const appStatus = flags.appStatus ?? value('app-status-url');
  if (flags.appStatus !== undefined) checkAppStatusTemplate(flags.appStatus);
  const appDrain = flags.appDrain ?? value('app-drain') === 'true';
  if (appDrain && appStatus === undefined) throw usageError('--app-drain asks the app to drain through its status URL, and none is set', 'add --app-status <url> or app-status-url in the hook section of drainctl.yaml');
  if (appDrain && !ctx.env[APP_DRAIN_SECRET_ENV]) throw usageError(`--app-drain needs the app's remote-drain secret in ${APP_DRAIN_SECRET_ENV}`, "set it to the secret the app's createDrainer({ remoteDrainSecret }) was given (docs/server.md)");
  if (flags.propagation !== undefined && appStatus === undefined) throw usageError('--propagation is read only with an app status URL', 'add --app-status <url> (or app-status-url in the hook section), or drop it');
  const concurrency = Number(flags.concurrency ?? value('concurrency') ?? DEFAULT_CONCURRENCY);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 100) throw usageError(`invalid --concurrency "${flags.concurrency}": expected a whole number from 1 to 100`, 'e.g. --concurrency 10');
  const visibility = parseDuration(flags.visibilityTimeout ?? '60s', '--visibility-timeout', 12 * 3600_000);
  const waitTime = parseDuration(flags.waitTime ?? '20s', '--wait-time', 20_000);
  return {
    targets: file?.targets.map((t) => t.value) ?? [],
    scan: flags.scan !== false && value('scan') !== 'false',
    scanCacheMs: parseDuration(flags.scanCache ?? value('scan-cache') ?? '5m', '--scan-cache'),
    appStatus,
    appDrain,
    propagationMs: flags.propagation === undefined ? undefined : parseDuration(flags.propagation, '--propagation'),
    onFailure: flags.onFailure ?? (value('on-failure') as 'continue' | 'abandon' | undefined) ?? 'abandon',
    concurrency,
    minHealthy: minHealthyFor(ctx, flags),
    waitForCapacityMs: parseDuration(flags.waitForCapacity ?? DEFAULT_CAPACITY_WAIT, '--wait-for-capacity'),
    visibilityTimeoutSeconds: Math.max(1, Math.round(visibility / 1000)),
    waitTimeSeconds: Math.round(waitTime / 1000),
  };
}

function minHealthyFor(ctx: CommandContext, flags: HookFlags): HookSettings['minHealthy'] {
  if (flags.minHealthy !== undefined) return parseMinHealthy(flags.minHealthy);
  const config = ctx.configuration?.();
  if (!config) return undefined;
  return (group) => {
    const value = config.minHealthyFor(group).value;
    return value === undefined ? undefined : parseMinHealthy(value, 'min-healthy');
  };
}

/**
 * The instance's private addresses, for `ip` target groups and `{ip}` in templates. Without
 * ec2:DescribeInstances they cannot be read: said once, and the hook goes on without them (an
 * `{ip}` template then fails its action rather than guess).
 */
async function addressReader(ctx: CommandContext, aws: ReturnType<CommandContext['providerSettings']>): Promise<{ read: (id: string, call: CallContext) => Promise<string[]>; close(): void }> {
  const reader = await (await import('../../providers/aws-asg/addresses.js')).createAddressReader(aws);
  let warned = false;
  return {
    close: () => reader.close(),
    read: async (id, call) => {
      try {
        return await reader.read(id, call);
      } catch (error) {
        if (!(error instanceof DrainctlError) || error.kind !== 'provider' || !/ec2:DescribeInstances/.test(error.message)) throw error;
        if (!warned) ctx.output.event({ type: 'warning', target: undefined, message: `${error.message}; going on without the instances' addresses` });
        warned = true;
        return [];
      }
    },
  };
}

/** The notification from a file or standard input (`-`). */
function readEvent(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw usageError(`cannot read --event ${path === '-' ? 'from standard input' : path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'pass a file holding the notification, or - to read it from standard input');
  }
}

/** An action named by --asg, --hook, --instance (and --token): the transition is the hook's own. */
async function actionFromFlags(flags: HookFlags, autoScaling: AutoScalingPort, ctx: CommandContext): Promise<LifecycleAction> {
  const hook = await autoScaling.describeHook(flags.asg!, flags.hook!, standaloneCall({ signal: ctx.signal, timeoutMs: 60_000 }));
  return { autoScalingGroupName: flags.asg!, lifecycleHookName: flags.hook!, instanceId: flags.instance!, token: flags.token, transition: hook.transition };
}

/** Asks each app behind the routes to start its own drain (POST to its status URL), before the load balancers are drained. */
async function askAppsToDrain(ctx: CommandContext, template: string, targets: readonly TargetRef[], signal: AbortSignal | undefined): Promise<void> {
  const secret = ctx.env[APP_DRAIN_SECRET_ENV]!;
  const urls = new Set(targets.map((t) => template.replaceAll('{id}', t.target.split(':')[0]!)).filter((u) => !/\{[a-z]+\}/.test(u)));
  for (const url of urls) {
    const answer = await askAppToDrain(url, secret, signal);
    ctx.output.event({ type: 'lifecycle', phase: answer.ok ? 'discovered' : 'warning', subject: 'app', message: answer.message });
  }
}

/** The command's result: exit 0 when the action ended as it should, 4 or 5 when it was completed with the failure result. */
export function outcomeResult(outcome: LifecycleOutcome): CommandResult {
  const action = outcome.action;
  const subject = action ? `${action.autoScalingGroupName}/${action.instanceId}` : 'test notification';
  const data = {
    status: outcome.status,
    ...(action && { auto_scaling_group: action.autoScalingGroupName, hook: action.lifecycleHookName, instance: action.instanceId, transition: action.transition }),
    result: outcome.result ?? null,
    completion: outcome.completion ?? null,
    reason: outcome.reason,
    heartbeats: outcome.heartbeats,
    routes: outcome.routes ? { attached: outcome.routes.attached.map(formatRef), found: outcome.routes.found.map(formatRef), configured: outcome.routes.configured.map(formatRef) } : null,
    results: outcome.report?.results.map((r) => ({ target: r.target, outcome: r.outcome, state: r.state, elapsed_ms: r.elapsedMs })) ?? [],
  };
  const text = `${subject}: ${outcome.status.replace('_', ' ')}${outcome.result ? ` (${outcome.result})` : ''}: ${outcome.reason}`;
  if (outcome.status === 'busy') return { kind: 'hook', data, text, exitCode: EXIT.refused, problem: { message: `${subject} is being handled by another consumer: ${outcome.reason}`, hint: 'let it finish; drainctl fleet does not list actions, drainctl history --provider aws-asg does' } };
  if (outcome.failure) {
    const exitCode = outcome.failure === 'timeout' ? EXIT.timeout : EXIT.refused;
    return { kind: 'hook', data, text, exitCode, problem: { message: `${subject}: completed ${outcome.result} because the drain failed: ${outcome.reason}`, hint: 'see drainctl history --provider aws-asg, and the drain events above' } };
  }
  return { kind: 'hook', data, text, exitCode: EXIT.ok };
}

/** `{ip}` in an app status URL is the instance's private address, which the hook knows even for instance-ID targets. */
function withAddress(template: string, addresses: readonly string[]): string {
  return addresses[0] === undefined ? template : template.replaceAll('{ip}', addresses[0].includes(':') ? `[${addresses[0]}]` : addresses[0]);
}
