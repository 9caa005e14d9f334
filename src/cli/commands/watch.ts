import { MAX_WAIT_MS, parseDuration } from '../../core/duration.js';
import { watchTargets } from '../../core/status.js';
import { type CommandContext, parseTargetRefs } from '../context.js';
import type { CommandResult } from '../render/output.js';
import { type AppIdleFlags, appIdleRequest } from './app-idle-flags.js';
import { reportResult } from './report-result.js';

/** `drainctl watch <ref...>` */
export async function watchCommand(ctx: CommandContext, texts: readonly string[], flags: { timeout?: string } & AppIdleFlags): Promise<CommandResult> {
  const targets = parseTargetRefs(ctx, texts);
  const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout', MAX_WAIT_MS);
  const appIdle = appIdleRequest(ctx, flags, true);
  const report = await watchTargets({ targets, providers: ctx.providers, ledger: await ctx.ledger(), timeoutMs, appIdle, signal: ctx.signal, onEvent: (e) => ctx.output.event(e) });
  return reportResult(report, targets);
}
