import { restoreTargets } from '../../core/restore.js';
import { type CommandContext, parseTargetRefs } from '../context.js';
import type { CommandResult } from '../render/output.js';
import { reportResult, waitBound } from './report-result.js';

export interface RestoreFlags {
  readonly timeout?: string;
  readonly wait: boolean;
  readonly dryRun?: boolean;
}

/** `drainctl restore <ref...>` */
export async function restoreCommand(ctx: CommandContext, texts: readonly string[], flags: RestoreFlags): Promise<CommandResult> {
  const targets = parseTargetRefs(ctx, texts);
  const timeoutMs = waitBound(flags);
  const report = await restoreTargets({
    targets,
    providers: ctx.providers,
    ledger: await ctx.ledger(),
    wait: flags.wait,
    timeoutMs,
    dryRun: flags.dryRun,
    signal: ctx.signal,
    onEvent: (e) => ctx.output.event(e),
  });
  return reportResult(report, targets);
}
