/** Where to point the user when the ledger location is unusable. */
export const LEDGER_FIX_HINT = 'pass --ledger <path> or set DRAINCTL_LEDGER';

/**
 * Why a ledger cannot be used: `unusable` is the path or its permissions (the user points
 * elsewhere or fixes the mode), `damaged` is the file's content (it has to be moved aside),
 * `unreachable` is a PostgreSQL server that did not answer or went away (the location may be
 * right: retrying later can work).
 */
export type LedgerProblem = 'unusable' | 'damaged' | 'unreachable';

/** A ledger that cannot be opened, read or written; the message is one line naming the path (a URL without its password) and the fix. */
export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  readonly path: string;
  readonly problem: LedgerProblem;

  constructor(path: string, message: string, options?: { cause?: unknown; problem?: LedgerProblem }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.path = path;
    this.problem = options?.problem ?? 'unusable';
  }
}
