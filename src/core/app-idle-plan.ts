import { AppIdleWatch, type AppStatusReader, AppStatusError } from './app-idle.js';
import { appStatusUrl, displayUrl } from './app-status-url.js';
import { DrainctlError, usageError } from './errors.js';
import type { Command, InspectedGroup, WaitEvidence } from './pipeline.js';
import { providerCall } from './pipeline.js';
import { formatRef, type GroupRef } from './refs.js';
import type { TargetStatus } from './state.js';

/** What `--until app-idle` asks of a drain or watch. */
export interface AppIdleRequest {
  /** The status URL (or template, see app-status-url.ts) for a group; undefined when none is configured. */
  readonly statusUrl: (group: GroupRef) => string | undefined;
  readonly read: AppStatusReader;
  /** How long nothing may have been in flight before the target is safe to stop. */
  readonly quietMs: number;
  /** Overrides how long routing takes to stop after the drain (default: the provider's). */
  readonly propagationMs?: number;
  /** How often the app is asked (default 250 ms). */
  readonly pollMs?: number;
}

/** One group's part: decided before any change. */
export interface AppIdlePlan {
  readonly urls: ReadonlyMap<string, string>;
  readonly propagationMs: number;
  readonly request: AppIdleRequest;
}

/** How long one first read of an app's status may take before drainctl goes on without it. */
const FIRST_READ_MS = 2_000;

/**
 * Fills each target's status URL, works out the propagation time, and reads every app once
 * before anything changes: what answers but is not a drainctl status endpoint is refused (exit
 * 2); an app that does not answer yet is said, and the load balancer's word stays the only one.
 */
export async function planAppIdle(cmd: Command, group: InspectedGroup, targets: readonly TargetStatus[], request: AppIdleRequest): Promise<AppIdlePlan> {
  const { work } = group;
  const template = request.statusUrl(group.canonical) ?? request.statusUrl(work.group);
  if (template === undefined) {
    throw usageError(`--until app-idle needs the status URL of the apps in ${work.groupText}`, `pass --app-status <url> (e.g. http://{ip}:9000/drain/status), or set app-status-url for this group in drainctl.yaml`);
  }
  const urls = new Map(targets.map((s) => [formatRef(s.ref), appStatusUrl(template, s)] as const));
  await Promise.all([...urls].map(([target, url]) => firstRead(cmd, target, url, request)));
  return { urls, propagationMs: await propagationOf(cmd, group, request), request };
}

/** The evidence a wait gathers from this plan: drain starts are known only once the drain call was accepted. */
export function appIdleWatch(plan: AppIdlePlan, startedAt: ReadonlyMap<string, number>, cmd: Command): WaitEvidence {
  const { request } = plan;
  return new AppIdleWatch({ urls: plan.urls, read: request.read, quietMs: request.quietMs, propagationMs: plan.propagationMs, startedAt, pollMs: request.pollMs }, cmd.clock, cmd.emit);
}

async function firstRead(cmd: Command, target: string, url: string, request: AppIdleRequest): Promise<void> {
  const bound = AbortSignal.timeout(FIRST_READ_MS);
  try {
    await request.read(url, cmd.call.signal ? AbortSignal.any([cmd.call.signal, bound]) : bound);
  } catch (error) {
    if (cmd.call.signal?.aborted) throw error;
    if (error instanceof AppStatusError && error.kind === 'not_status') {
      throw new DrainctlError('usage', `--app-status ${displayUrl(url)} is not a drainctl status endpoint: ${error.message}`, {
        hint: 'point it at the status path of an app using @drainctl/server (default /drain/status)',
      });
    }
    const reason = error instanceof Error ? error.message : String(error);
    cmd.emit({ type: 'warning', target, message: `${target}: cannot read the app's status yet (${reason}); until it answers, the drain ends on the load balancer's word` });
  }
}

/** --propagation, else what the provider says of this group (health-check interval × threshold), else its documented figure. */
async function propagationOf(cmd: Command, group: InspectedGroup, request: AppIdleRequest): Promise<number> {
  if (request.propagationMs !== undefined) return request.propagationMs;
  const { work } = group;
  const read = work.provider.routingPropagationMs;
  if (read) {
    const ms = await providerCall(cmd, work.groupText, 'read the health check of', (call) => read.call(work.provider, work.group, call));
    if (ms !== undefined) return ms;
  }
  return work.provider.descriptor.propagationSeconds * 1000;
}
