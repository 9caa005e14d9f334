import { standaloneCall } from '../../core/call.js';
import { DAY_MS, parseDuration } from '../../core/duration.js';
import { AppStatusError } from '../../core/app-idle.js';
import { checkUrl, displayUrl } from '../../core/app-status-url.js';
import { DrainctlError, usageError } from '../../core/errors.js';
import { readAppStatus } from '../../app-status/read.js';
import type { GroupRef } from '../../core/refs.js';
import { type PodTimers, readK8sManifest } from '../../audit/manifest.js';
import { type AuditInputs, type LoadBalancerTimers, runAudit } from '../../audit/rules.js';
import { type InsightsFactory, readHealthCheck } from '../../providers/aws/group-facts.js';
import { consistentTimers, describeTimers } from '../../audit/consistent.js';
import { type CommandContext, parseGroupRef } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CommandResult } from '../render/output.js';
import { table } from '../render/table.js';

export interface AuditFlags {
  readonly k8s?: string;
  readonly lb?: string;
  readonly lbTimeout?: string;
  readonly healthInterval?: string;
  readonly unhealthyThreshold?: string;
  readonly nlb?: boolean;
  readonly appTimeout?: string;
  /** Read the app's drain timeout and shutdown delay from its @drainctl/server status endpoint. */
  readonly appStatus?: string;
  /** Warnings fail the audit too. */
  readonly strict?: boolean;
}

/** Test seams: how AWS health-check facts are read. */
export interface AuditDeps {
  readonly insights?: InsightsFactory<'facts'>;
}

/** The longest drain timeout any provider allows (1h); also bounds --health-interval, which no provider lets exceed it. */
const LONGEST_LB_TIMEOUT_MS = 3_600_000;

/**
 * `drainctl audit [--k8s <file>] [--lb <group-ref>] [--lb-timeout <d>] [--health-interval <d>]
 * [--unhealthy-threshold <n>] [--nlb] [--app-timeout <d>] [--strict]`: do the shutdown timers fit
 * together? Exits 5 when any rule fails (or warns, with --strict), so CI can gate a deploy on it.
 */
export async function auditCommand(ctx: CommandContext, flags: AuditFlags, deps: AuditDeps = {}): Promise<CommandResult> {
  const given = {
    lbTimeout: optionalSeconds(flags.lbTimeout, '--lb-timeout', LONGEST_LB_TIMEOUT_MS),
    healthInterval: optionalSeconds(flags.healthInterval, '--health-interval', LONGEST_LB_TIMEOUT_MS),
    unhealthyThreshold: optionalCount(flags.unhealthyThreshold, '--unhealthy-threshold'),
    appTimeout: optionalSeconds(flags.appTimeout, '--app-timeout', DAY_MS),
  };
  if (flags.appStatus !== undefined && given.appTimeout !== undefined) throw usageError('--app-status reads the app\'s drain timeout, so --app-timeout is not needed with it', 'drop one of the two');
  if (flags.appStatus !== undefined) checkUrl(flags.appStatus);
  const group = flags.lb === undefined ? undefined : parseGroupRef(ctx, flags.lb);
  const anyLbFlag = given.lbTimeout !== undefined || given.healthInterval !== undefined || given.unhealthyThreshold !== undefined || flags.nlb === true;
  if (flags.k8s === undefined && group === undefined && !anyLbFlag && given.appTimeout === undefined && flags.appStatus === undefined) {
    throw usageError('nothing to audit: give --k8s <file>, --lb <group-ref> (or --lb-timeout, --health-interval, --unhealthy-threshold) and --app-timeout', 'e.g. drainctl audit --k8s deploy.yaml --lb elbv2:web --app-timeout 20s');
  }
  const pods = flags.k8s === undefined ? [] : await readK8sManifest(flags.k8s);
  const lb = group || anyLbFlag ? await loadBalancerTimers(ctx, group, flags, given, deps) : undefined;
  const app = flags.appStatus === undefined ? undefined : await appTimers(flags.appStatus);
  const appTimeout = app?.drainTimeoutSeconds ?? given.appTimeout;
  const inputs: AuditInputs = { pods, lb, appTimeoutSeconds: appTimeout, appShutdownDelaySeconds: app?.shutdownDelaySeconds };
  const report = runAudit(inputs);
  const { pass, warn, fail, skipped } = report.counts;
  const failing = fail > 0 || (flags.strict === true && warn > 0);
  const fixes = report.checks.filter((c) => c.fix !== undefined).map((c) => `    ${c.verdict} ${c.rule} ${c.subject}: ${c.fix}`);
  // Each rule's fix on its own can break another rule: the whole set, worked out together, is the advice.
  const set = fixes.length > 0 ? consistentTimers(inputs) : undefined;
  const advice = set ? ['', 'to fix:', `  a set that passes every rule: ${describeTimers(set, lb?.source)}`, '  each rule on its own (one value changed alone can break another rule):', ...fixes] : [];
  const summary = `${pass} passed, ${warn} warning${warn === 1 ? '' : 's'}, ${fail} failed, ${skipped} skipped`;
  return {
    kind: 'audit',
    data: {
      inputs: { ...inputsData(pods, lb, appTimeout), app_shutdown_delay_seconds: app?.shutdownDelaySeconds ?? null, app_status: app ? displayUrl(flags.appStatus!) : null },
      checks: report.checks.map((c) => ({ rule: c.rule, subject: c.subject, result: c.verdict, detail: c.detail, fix: c.fix ?? null })),
      counts: report.counts,
      passing_set: set
        ? { pre_stop_seconds: set.preStopSeconds ?? null, termination_grace_period_seconds: set.terminationGracePeriodSeconds ?? null, app_timeout_seconds: set.appTimeoutSeconds ?? null, lb_drain_timeout_seconds: set.lbDrainTimeoutSeconds ?? null }
        : null,
      strict: flags.strict === true,
    },
    text: [
      table(['RULE', 'SUBJECT', 'RESULT', 'DETAIL'], report.checks.map((c) => [c.rule, c.subject, c.verdict, c.detail])),
      ...advice,
      '',
      summary,
    ].join('\n'),
    exitCode: failing ? EXIT.refused : EXIT.ok,
    ...(failing && {
      problem: {
        message: `the shutdown timers do not fit: ${fail > 0 ? `${fail} check${fail === 1 ? '' : 's'} failed` : `${warn} warning${warn === 1 ? '' : 's'} (--strict)`}`,
        hint: 'see "to fix" above and docs/timeouts.md#audit-rules',
      },
    }),
  };
}

/** The app's own timers, from its status endpoint: what it will really do, not what a flag says. */
async function appTimers(url: string): Promise<{ drainTimeoutSeconds: number | undefined; shutdownDelaySeconds: number | undefined }> {
  try {
    const status = await readAppStatus(url, AbortSignal.timeout(5_000));
    // The library's drain timeout runs from the drain's start, its shutdown delay included; the
    // rules count the delay where a preStop sleep would be, and the app's drain after it.
    const delay = status.shutdownDelayMs ?? 0;
    const work = status.drainTimeoutMs === undefined ? undefined : Math.max(0, status.drainTimeoutMs - delay);
    return { drainTimeoutSeconds: msToSeconds(work), shutdownDelaySeconds: msToSeconds(status.shutdownDelayMs) };
  } catch (error) {
    if (!(error instanceof AppStatusError)) throw error;
    if (error.kind === 'not_status') throw usageError(`--app-status ${displayUrl(url)} is not a drainctl status endpoint: ${error.message}`, 'point it at the status path of an app using @drainctl/server (default /drain/status)');
    throw new DrainctlError('provider', `cannot read the app's status at ${displayUrl(url)} (${error.message})`, { hint: 'check that the app runs and the URL is reachable from here, or give --app-timeout instead' });
  }
}

function msToSeconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

async function loadBalancerTimers(
  ctx: CommandContext,
  group: GroupRef | undefined,
  flags: AuditFlags,
  given: { lbTimeout: number | undefined; healthInterval: number | undefined; unhealthyThreshold: number | undefined },
  deps: AuditDeps,
): Promise<LoadBalancerTimers> {
  let drainTimeoutSeconds: number | undefined;
  let healthIntervalSeconds: number | undefined;
  let unhealthyThreshold: number | undefined;
  let loadBalancerType: LoadBalancerTimers['loadBalancerType'];
  if (group) {
    const provider = await ctx.providers(group.provider, group);
    const setting = await provider.getTimeout(group, standaloneCall({ signal: ctx.signal }));
    // Draining switched off (Classic ELB) means connections are cut at once: a drain timeout of zero.
    drainTimeoutSeconds = setting.enabled ? setting.seconds : 0;
    const facts = await readHealthCheck(ctx.providerSettings(group), group, ctx.signal, deps.insights);
    healthIntervalSeconds = facts?.healthCheckIntervalSeconds;
    unhealthyThreshold = facts?.unhealthyThresholdCount;
    loadBalancerType = facts?.loadBalancerType;
  }
  // Flags fill what the provider does not say, and override what it does ("what if" audits).
  return {
    source: flags.lb ?? '<group-ref>',
    drainTimeoutSeconds: given.lbTimeout ?? drainTimeoutSeconds,
    healthIntervalSeconds: given.healthInterval ?? healthIntervalSeconds,
    unhealthyThreshold: given.unhealthyThreshold ?? unhealthyThreshold,
    loadBalancerType: flags.nlb ? 'network' : loadBalancerType,
  };
}

function inputsData(pods: readonly PodTimers[], lb: LoadBalancerTimers | undefined, appTimeout: number | undefined): Record<string, unknown> {
  return {
    pods: pods.map((p) => ({
      name: p.name,
      termination_grace_period_seconds: p.terminationGracePeriodSeconds,
      grace_defaulted: p.graceDefaulted,
      containers: p.containers.map((c) => ({ name: c.name, pre_stop: c.preStop, pre_stop_seconds: c.preStopSeconds ?? null, readiness_detection_seconds: c.readinessDetectionSeconds ?? null })),
    })),
    lb: lb
      ? { group: lb.source, drain_timeout_seconds: lb.drainTimeoutSeconds ?? null, health_interval_seconds: lb.healthIntervalSeconds ?? null, unhealthy_threshold: lb.unhealthyThreshold ?? null, load_balancer_type: lb.loadBalancerType ?? null }
      : null,
    app_timeout_seconds: appTimeout ?? null,
  };
}

function optionalSeconds(text: string | undefined, flag: string, maxMs: number): number | undefined {
  return text === undefined ? undefined : parseDuration(text, flag, maxMs) / 1000;
}

function optionalCount(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= 100)) throw usageError(`invalid ${flag} "${text}": expected a whole number 1-100`, 'ELB health checks use 2-10');
  return n;
}
