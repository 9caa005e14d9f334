/**
 * drainctl as a library: the same drain, restore, status and watch the CLI runs.
 *
 *   import { drainTargets, parseTargetRef, createProviderResolver, openSqliteLedger } from 'drainctl';
 *   const report = await drainTargets({
 *     targets: [parseTargetRef('elbv2:web/i-0abc1234def567890')],
 *     providers: createProviderResolver({ region: 'us-east-1' }),
 *     ledger: openSqliteLedger(defaultLedgerPath()),
 *     onEvent: (event) => console.log(event),
 *   });
 */
export { drainTargets, type DrainRequest } from './core/drain.js';
export { restoreTargets, type RestoreTargetsRequest } from './core/restore.js';
export { describeTargets, watchTargets, type GroupView, type TargetView } from './core/status.js';
export { setDrainTimeout, checkTimeoutInRange } from './core/timeouts.js';
export { DrainctlError, type ErrorKind } from './core/errors.js';
export { parseDuration, formatDuration } from './core/duration.js';
export { formatRef, type GroupRef, type Ref, type TargetRef, type RefSyntax } from './core/refs.js';
export type { DrainEvent, Outcome } from './core/events.js';
export type { OperationReport, TargetResult } from './core/report.js';
export type { DrainState, Health, TargetStatus } from './core/state.js';
export type { Completion, DrainProvider, ProviderDescriptor, ProviderResolver, ProviderSettings, TimeoutLimits, TimeoutSetting } from './core/provider.js';
export type { CallContext } from './core/call.js';
export type { Ledger, Holder, InstanceRecord, LedgerEvent } from './core/ledger.js';
export { type MinHealthy, parseMinHealthy } from './core/min-healthy.js';
export { currentHolder } from './core/holder.js';
export { type AppStatus, AppStatusError, type AppStatusReader } from './core/app-idle.js';
export type { AppIdleRequest } from './core/app-idle-plan.js';
export { readAppStatus, STATUS_SCHEMA } from './app-status/read.js';
export { appInstanceKey, createLedgerRecorder, type AppLedgerRecorder, type AppStateChange } from './app-status/ledger-recorder.js';
export { classifyDrain, type FleetState } from './core/fleet.js';
export { createProviderResolver, refSyntaxes, PROVIDERS } from './providers/registry.js';
export type { ProviderOptions } from './providers/options.js';
export { openSqliteLedger, openPostgresLedger, openLedgerAt, createMemoryLedger, defaultLedgerPath } from './ledger/index.js';

import { parseRef, type GroupRef, type Ref, type TargetRef } from './core/refs.js';
import { refSyntaxes } from './providers/registry.js';

/** Parses a target reference (`elbv2:web/i-0abc1234def567890`) with every known provider's syntax. */
export function parseTargetRef(text: string): TargetRef {
  return parseRef(text, refSyntaxes, 'target') as TargetRef;
}

/** Parses a group reference (`elbv2:web`). */
export function parseGroupRef(text: string): GroupRef {
  return parseRef(text, refSyntaxes, 'group') as GroupRef;
}

/** Parses either kind. */
export function parseAnyRef(text: string): Ref {
  return parseRef(text, refSyntaxes, 'any');
}

export { handleLifecycleAction, type LifecycleHookOptions, type LifecycleOutcome, type RouteWork } from './core/lifecycle/handle.js';
export { parseNotification, type Notification } from './core/lifecycle/notification.js';
export type { AutoScalingPort, InstanceFinder, LifecycleAction, LifecycleHookSettings } from './core/lifecycle/ports.js';

/**
 * The lifecycle hook's Auto Scaling calls over the AWS SDK (docs/hook.md). Loaded on first use, so
 * importing drainctl does not load the Auto Scaling SDK for callers that never run a hook.
 */
export async function createAutoScalingPort(settings: import('./core/provider.js').ProviderSettings = {}): Promise<import('./core/lifecycle/ports.js').AutoScalingPort & { close(): void }> {
  return (await import('./providers/aws-asg/autoscaling.js')).createAutoScalingPort(settings);
}

/** Finds every ELBv2 target group that holds an instance; keep one across a Lambda's invocations so its cache stays warm. */
export async function createInstanceFinder(settings: import('./core/provider.js').ProviderSettings = {}, options: { readonly cacheTtlMs?: number } = {}): Promise<import('./core/lifecycle/ports.js').InstanceFinder & { close(): void }> {
  return (await import('./providers/aws-asg/finder.js')).createInstanceFinder(settings, options);
}

export { readLatencyLog, type LogReadOptions, type LogReadResult } from './latency/reader.js';
export { recommendDrainTimeout, type Recommendation, type RecommendOptions } from './latency/recommend.js';
export { QuantileSketch } from './latency/sketch.js';
