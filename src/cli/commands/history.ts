import { usageError } from '../../core/errors.js';
import { GROUP_ROW_TARGET, type Ledger, type LedgerEvent } from '../../core/ledger.js';
import { parseRef, targetCovers, type TargetRef } from '../../core/refs.js';
import { refSyntaxes } from '../../providers/registry.js';
import type { CommandContext } from '../context.js';
import { describeDetails } from '../render/ledger-details.js';
import type { CommandResult } from '../render/output.js';
import { PLAIN_STYLE } from '../render/style.js';
import { table } from '../render/table.js';

/** A target's events under the provider's naming rules: `i-0a` also finds `i-0a:8080`. */
async function targetHistory(ledger: Ledger, ref: TargetRef, limit: number): Promise<LedgerEvent[]> {
  const syntax = refSyntaxes.find((s) => s.provider === ref.provider)!;
  return (await ledger.history({ provider: ref.provider, group: ref.group, limit: 100_000 }))
    .filter((e) => targetCovers(syntax, ref.target, e.instance.target))
    .slice(0, limit);
}

/** The target (or, for a group's own row, the group) an event is about, as a reference. */
function eventRef(e: LedgerEvent): string {
  return `${e.instance.provider}:${e.instance.group}${e.instance.target === GROUP_ROW_TARGET ? '' : `/${e.instance.target}`}`;
}

/** `drainctl history [ref]`: what drainctl did, newest first, from the ledger. */
export async function historyCommand(ctx: CommandContext, text: string | undefined, flags: { limit?: string }): Promise<CommandResult> {
  const limit = flags.limit === undefined ? 50 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw usageError(`invalid --limit "${flags.limit}": expected a whole number 1-10000`);
  const ref = text === undefined ? undefined : parseRef(text, refSyntaxes, 'any', ctx.defaults);
  const ledger = await ctx.ledger('read');
  const events = ref?.kind === 'target' ? await targetHistory(ledger, ref, limit) : await ledger.history({ provider: ref?.provider, group: ref?.group, limit });
  const style = ctx.output.style ?? PLAIN_STYLE;
  const rows = events.map((e) => [e.at, style.ref(eventRef(e)), e.type, describeDetails(e.type, e.details)]);
  return {
    kind: 'history',
    data: { events: events.map((e) => ({ at: e.at, provider: e.instance.provider, group: e.instance.group, target: e.instance.target, type: e.type, details: e.details })) },
    text: rows.length > 0 ? table(['TIME', 'TARGET', 'EVENT', 'DETAILS'], rows) : 'no recorded drains',
    exitCode: 0,
  };
}
