import { usageError } from '../../core/errors.js';
import { GROUP_ROW_TARGET, type Ledger, type LedgerEvent } from '../../core/ledger.js';
import { formatRef, parseRef, type Ref, targetCovers, type TargetRef } from '../../core/refs.js';
import { parseSinceTime } from '../../core/since.js';
import { refSyntaxes } from '../../providers/registry.js';
import type { CommandContext } from '../context.js';
import { checkProvider, groupFilter, type LedgerFilterFlags } from '../filters.js';
import { describeDetails } from '../render/ledger-details.js';
import type { CommandResult } from '../render/output.js';
import { PLAIN_STYLE } from '../render/style.js';
import { table } from '../render/table.js';

/** The flags of `history`. */
export interface HistoryFlags extends LedgerFilterFlags {
  readonly limit?: string;
  readonly since?: string;
}

/**
 * A target's events under the provider's naming rules: `i-0a` also finds `i-0a:8080`. The rule
 * picks among the group's rows (one per target), then each picked target's events are read by
 * key: reading the group's events to filter them would read the whole group's history.
 */
async function targetHistory(ledger: Ledger, ref: TargetRef, limit: number, since: string | undefined): Promise<LedgerEvent[]> {
  const syntax = refSyntaxes.find((s) => s.provider === ref.provider)!;
  const rows = (await ledger.instances({ provider: ref.provider, group: ref.group })).filter((r) => targetCovers(syntax, ref.target, r.target));
  const events = (await Promise.all(rows.map((r) => ledger.history({ provider: r.provider, group: r.group, target: r.target, since, limit })))).flat();
  // Newest first, as one query orders them: by time, then by the order they were written.
  return events.sort((a, b) => (a.at === b.at ? b.id - a.id : a.at < b.at ? 1 : -1)).slice(0, limit);
}

/** The target (or, for a group's own row, the group) an event is about, as a reference. */
function eventRef(e: LedgerEvent): string {
  return `${e.instance.provider}:${e.instance.group}${e.instance.target === GROUP_ROW_TARGET ? '' : `/${e.instance.target}`}`;
}

/** The reference to narrow to: the positional one or `--group` (not both), checked against `--provider`. */
function narrowTo(ctx: CommandContext, text: string | undefined, flags: HistoryFlags): Ref | undefined {
  if (text !== undefined && flags.group !== undefined) {
    throw usageError(`history takes a reference or --group, not both (got "${text}" and --group ${flags.group})`, 'drop one of the two');
  }
  if (text === undefined) return groupFilter(ctx, flags);
  const ref = parseRef(text, refSyntaxes, 'any', ctx.defaults);
  checkProvider(flags.provider, ref, 'the reference');
  return ref;
}

/** `drainctl history [ref]`: what drainctl did, newest first, from the ledger. */
export async function historyCommand(ctx: CommandContext, text: string | undefined, flags: HistoryFlags, nowMs = Date.now()): Promise<CommandResult> {
  const limit = flags.limit === undefined ? 50 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw usageError(`invalid --limit "${flags.limit}": expected a whole number 1-10000`);
  const since = flags.since === undefined ? undefined : parseSinceTime(flags.since, nowMs);
  const ref = narrowTo(ctx, text, flags);
  const ledger = await ctx.ledger('read');
  const events =
    ref?.kind === 'target'
      ? await targetHistory(ledger, ref, limit, since)
      : await ledger.history({ provider: ref?.provider ?? flags.provider, group: ref?.group, since, limit });
  const style = ctx.output.style ?? PLAIN_STYLE;
  const rows = events.map((e) => [e.at, style.ref(eventRef(e)), e.type, describeDetails(e.type, e.details)]);
  return {
    kind: 'history',
    data: { events: events.map((e) => ({ at: e.at, provider: e.instance.provider, group: e.instance.group, target: e.instance.target, type: e.type, details: e.details })) },
    text: rows.length > 0 ? table(['TIME', 'TARGET', 'EVENT', 'DETAILS'], rows) : `no recorded drains${emptyScope(ref, flags.provider, since, style.ref)}`,
    exitCode: 0,
  };
}

/** What an empty answer covered, so "no recorded drains" is not read as "the ledger is empty". */
function emptyScope(ref: Ref | undefined, provider: string | undefined, since: string | undefined, show: (ref: string) => string): string {
  const scope = ref ? ` for ${show(formatRef(ref))}` : provider ? ` for provider ${provider}` : '';
  return `${scope}${since ? ` since ${since}` : ''}`;
}
