import { usageError } from '../core/errors.js';
import { formatRef, type GroupRef, type Ref } from '../core/refs.js';
import { type CommandContext, parseGroupRef } from './context.js';

/**
 * The `--provider` and `--group` filters that the ledger readers (`fleet`, `history`) share.
 * Commander checks `--provider` against the registry's names; this checks that the filters and a
 * reference, when given together, can name the same rows, since a mismatch would list nothing.
 */
export interface LedgerFilterFlags {
  readonly provider?: string;
  readonly group?: string;
}

/** The group of `--group`, or undefined; a group whose provider differs from `--provider` is a usage error. */
export function groupFilter(ctx: Pick<CommandContext, 'defaults' | 'aliases'>, flags: LedgerFilterFlags): GroupRef | undefined {
  if (flags.group === undefined) return undefined;
  const group = parseGroupRef(ctx, flags.group);
  checkProvider(flags.provider, group, '--group');
  return group;
}

/** Refuses `--provider` naming another provider than the reference does. */
export function checkProvider(provider: string | undefined, ref: Ref, what: string): void {
  if (provider !== undefined && provider !== ref.provider) {
    throw usageError(`--provider ${provider} and ${what} ${formatRef(ref)} name different providers`, `drop --provider: ${what} already names one`);
  }
}
