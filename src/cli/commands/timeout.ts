import { standaloneCall } from '../../core/call.js';
import { parseWholeSeconds } from '../../core/duration.js';
import { formatRef, groupOf } from '../../core/refs.js';
import type { TimeoutSetting } from '../../core/provider.js';
import { checkTimeoutInRange, setDrainTimeout } from '../../core/timeouts.js';
import { type CommandContext, parseGroupRef } from '../context.js';
import type { CommandResult } from '../render/output.js';

/** `drainctl timeout get <group-ref>` */
export async function timeoutGetCommand(ctx: CommandContext, text: string): Promise<CommandResult> {
  const group = parseGroupRef(ctx, text);
  const provider = await ctx.providers(group.provider, group);
  const setting = await provider.getTimeout(group, standaloneCall({ signal: ctx.signal }));
  return { kind: 'timeout', data: { group: formatRef(group), drain_timeout: settingData(setting), limits: provider.descriptor.timeout }, text: `${text}: ${settingText(setting)}`, exitCode: 0 };
}

/** `drainctl timeout set <group-ref> <duration>`; the range is checked before any API call. */
export async function timeoutSetCommand(ctx: CommandContext, text: string, duration: string, flags: { dryRun?: boolean }): Promise<CommandResult> {
  const group = groupOf(parseGroupRef(ctx, text));
  const seconds = parseWholeSeconds(duration, 'drain timeout');
  const provider = await ctx.providers(group.provider, group);
  const { timeout, syntax } = provider.descriptor;
  if (timeout) checkTimeoutInRange(seconds, timeout, `${syntax.groupNoun} ${group.group}`);
  const result = await setDrainTimeout({ provider, group, groupText: text, seconds, ledger: await ctx.ledger(), dryRun: flags.dryRun, signal: ctx.signal });
  const verb = result.dryRun ? 'would change' : 'changed';
  return {
    kind: 'timeout',
    data: { group: formatRef(group), dry_run: result.dryRun, previous: settingData(result.previous), current: settingData(result.current) },
    text: `${text}: ${verb} drain timeout ${result.previous.seconds ?? '-'}s -> ${result.current.seconds ?? '-'}s${result.previous.enabled ? '' : ' (and enabled draining)'}`,
    exitCode: 0,
  };
}

/** A timeout setting as json/ndjson data. */
export function settingData(s: TimeoutSetting): Record<string, unknown> {
  return { seconds: s.seconds ?? null, enabled: s.enabled, ...s.extra };
}

function settingText(s: TimeoutSetting): string {
  const base = s.seconds === undefined ? 'no drain timeout of its own (drain --timeout bounds it)' : s.enabled ? `drain timeout ${s.seconds}s` : `draining disabled (timeout ${s.seconds}s when enabled)`;
  const extras = Object.entries(s.extra).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${String(v)}`);
  return extras.length > 0 ? `${base} (${extras.join(', ')})` : base;
}
