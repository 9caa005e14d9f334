import { drainTargets } from '../../core/drain.js';
import { usageError } from '../../core/errors.js';
import { type CommandContext, parseTargetRefs } from '../context.js';
import type { CommandResult } from '../render/output.js';
import { reportResult, waitBound } from './report-result.js';

export interface DrainFlags {
  readonly timeout?: string;
  readonly wait: boolean;
  readonly dryRun?: boolean;
  readonly force?: boolean;
  readonly onTimeout?: 'fail' | 'force';
}

/** `drainctl drain <ref...>` */
export async function drainCommand(ctx: CommandContext, texts: readonly string[], flags: DrainFlags): Promise<CommandResult> {
  const targets = parseTargetRefs(ctx, texts);
  if (!flags.wait && flags.onTimeout === 'force') throw usageError('--on-timeout force acts when the wait runs out and cannot be used with --no-wait', 'drop one of the two');
  const timeoutMs = waitBound(flags);
  const report = await drainTargets({
    targets,
    providers: ctx.providers,
    ledger: await ctx.ledger(),
    wait: flags.wait,
    timeoutMs,
    dryRun: flags.dryRun,
    force: flags.force,
    onTimeout: flags.onTimeout,
    signal: ctx.signal,
    onEvent: (e) => ctx.output.event(e),
  });
  return reportResult(report, targets);
}
