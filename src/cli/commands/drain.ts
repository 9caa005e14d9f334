import { drainTargets } from '../../core/drain.js';
import { parseDuration } from '../../core/duration.js';
import { DrainctlError, usageError } from '../../core/errors.js';
import type { Ledger } from '../../core/ledger.js';
import { MAX_LEASE_MS, MIN_LEASE_MS } from '../../core/lease.js';
import { type MinHealthy, parseMinHealthy } from '../../core/min-healthy.js';
import { formatRef, type GroupRef } from '../../core/refs.js';
import { type CommandContext, parseTargetRefs } from '../context.js';
import type { CommandResult } from '../render/output.js';
import { type AppIdleFlags, appIdleRequest } from './app-idle-flags.js';
import { reportResult, waitBound } from './report-result.js';

export interface DrainFlags extends AppIdleFlags {
  readonly timeout?: string;
  readonly wait: boolean;
  readonly dryRun?: boolean;
  readonly force?: boolean;
  readonly onTimeout?: 'fail' | 'force';
  readonly minHealthy?: string;
  readonly waitForCapacity?: string;
  readonly lease?: string;
  /** False with --no-ledger. */
  readonly ledger?: boolean;
}

/** `drainctl drain <ref...>` */
export async function drainCommand(ctx: CommandContext, texts: readonly string[], flags: DrainFlags): Promise<CommandResult> {
  const targets = parseTargetRefs(ctx, texts);
  if (!flags.wait && flags.onTimeout === 'force') throw usageError('--on-timeout force acts when the wait runs out and cannot be used with --no-wait', 'drop one of the two');
  const timeoutMs = waitBound(flags);
  const minHealthy = minHealthyFor(ctx, flags, targets.map((t) => ({ kind: 'group', provider: t.provider, group: t.group })));
  const waitForCapacityMs = flags.waitForCapacity === undefined ? undefined : parseDuration(flags.waitForCapacity, '--wait-for-capacity');
  const leaseMs = flags.lease === undefined ? undefined : parseLease(flags.lease);
  const appIdle = appIdleRequest(ctx, flags, flags.wait);
  const report = await drainTargets({
    targets,
    providers: ctx.providers,
    ledger: await drainLedger(ctx, flags),
    wait: flags.wait,
    timeoutMs,
    dryRun: flags.dryRun,
    force: flags.force,
    onTimeout: flags.onTimeout,
    minHealthy,
    waitForCapacityMs,
    leaseMs,
    appIdle,
    env: ctx.env,
    signal: ctx.signal,
    onEvent: (e) => ctx.output.event(e),
  });
  return reportResult(report, targets);
}

/** --min-healthy for every group, else each group's `min-healthy` from drainctl.yaml. */
function minHealthyFor(ctx: CommandContext, flags: DrainFlags, groups: readonly GroupRef[]): MinHealthy | ((group: GroupRef) => MinHealthy | undefined) | undefined {
  if (flags.minHealthy !== undefined) return parseMinHealthy(flags.minHealthy);
  if (!ctx.configuration) return undefined;
  const config = ctx.configuration();
  const byGroup = new Map<string, MinHealthy>();
  for (const group of groups) {
    const value = config.minHealthyFor(group).value;
    if (value !== undefined) byGroup.set(formatRef(group), parseMinHealthy(value, 'min-healthy'));
  }
  return byGroup.size === 0 ? undefined : (group) => byGroup.get(formatRef(group));
}

function parseLease(text: string): number {
  const ms = parseDuration(text, '--lease', MAX_LEASE_MS);
  if (ms < MIN_LEASE_MS) throw usageError(`invalid --lease "${text}": at least ${MIN_LEASE_MS / 1000}s, so renewals keep up`, 'e.g. --lease 30s');
  return ms;
}

/**
 * The ledger a drain records in. A drain that cannot be recorded does not start: the message
 * says so and names the emergency way out. With --no-ledger nothing is recorded at all.
 */
async function drainLedger(ctx: CommandContext, flags: DrainFlags): Promise<Ledger> {
  if (flags.ledger === false) {
    ctx.output.event({ type: 'warning', target: undefined, message: '--no-ledger: nothing is recorded; restore will register targets as their references name them, and other runners cannot see this drain' });
    const { createMemoryLedger } = await import('../../ledger/index.js');
    return createMemoryLedger();
  }
  try {
    return await ctx.ledger();
  } catch (error) {
    if (!(error instanceof DrainctlError) || error.details.ledger === undefined) throw error;
    throw new DrainctlError(error.kind, error.message, {
      hint: [error.hint, 'a drain that cannot be recorded does not start; in an emergency, drain --no-ledger drains without a record'].filter(Boolean).join('; '),
      details: error.details,
      cause: error,
    });
  }
}
