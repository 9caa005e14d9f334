import { type FleetState, fleetView } from '../../core/fleet.js';
import { isHolderGone } from '../../core/holder.js';
import type { CommandContext } from '../context.js';
import { groupFilter, type LedgerFilterFlags } from '../filters.js';
import { fleetData, fleetText } from '../render/fleet.js';
import type { CommandResult } from '../render/output.js';
import { PLAIN_STYLE } from '../render/style.js';

/** The states `--state` offers; `draining` means still draining and not abandoned, followed or not. */
export type FleetStateFlag = 'draining' | 'drained' | 'abandoned';

const STATES_OF: Record<FleetStateFlag, readonly FleetState[]> = {
  draining: ['draining', 'released'],
  abandoned: ['abandoned'],
  drained: ['drained'],
};

/** `drainctl fleet`: every drain under way or drained and not restored, across runners and providers, from the ledger. */
export async function fleetCommand(ctx: CommandContext, flags: LedgerFilterFlags & { state?: FleetStateFlag }, nowMs = Date.now()): Promise<CommandResult> {
  const group = groupFilter(ctx, flags);
  const ledger = await ctx.ledger('read');
  const entries = fleetView(await ledger.fleet(), nowMs, { provider: flags.provider, group, states: flags.state && STATES_OF[flags.state] }, isHolderGone);
  return { kind: 'fleet', data: fleetData(entries, nowMs), text: fleetText(entries, nowMs, ctx.output.style ?? PLAIN_STYLE), exitCode: 0 };
}
