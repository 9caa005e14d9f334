/** Where to point the user when the ledger location is unusable. */
export const LEDGER_FIX_HINT = 'pass --ledger <path> or set DRAINCTL_LEDGER';

/** A ledger that cannot be opened or written; the message is one line naming the path and the fix. */
export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
  }
}
