import { DrainctlError, type ErrorKind } from '../core/errors.js';
import type { Ledger } from '../core/ledger.js';
import { LedgerError } from './errors.js';
import { openLedgerAt } from './location.js';
import type { LedgerAccess } from './open.js';

/** A ledger opened for one command, with what it was opened for. */
export interface CommandLedger extends Ledger {
  readonly access: LedgerAccess;
}

/**
 * The ledger a command asked for: `current` when it already allows `access`, else a new one
 * (closing `current`). Commands open it before touching any target, so a path or URL that cannot
 * be used is exit 2 with nothing changed; a damaged file, or a PostgreSQL server that cannot be
 * reached (the URL may well be right), is exit 1 at open and at any later call. `env` gives the
 * libpq variables (PGPASSWORD, PGSSLMODE…) for a PostgreSQL URL.
 */
export async function openCommandLedger(location: string, access: LedgerAccess, current?: CommandLedger, env: NodeJS.ProcessEnv = process.env): Promise<CommandLedger> {
  if (current && (current.access === 'write' || access === 'read')) return current;
  await current?.close();
  let ledger: Ledger;
  try {
    ledger = await openLedgerAt(location, { access, env });
  } catch (error) {
    throw toCommandError(error, 'usage');
  }
  return withCommandErrors(ledger, access);
}

// Once the command has started, a ledger failure may come after a change at the load balancer,
// so it is never reported as "invalid input, nothing changed".
function withCommandErrors(ledger: Ledger, access: LedgerAccess): CommandLedger {
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw toCommandError(error, 'provider');
    }
  };
  return {
    access,
    location: ledger.location,
    shared: ledger.shared,
    record: (key, update, event) => guard(() => ledger.record(key, update, event)),
    find: (key) => guard(() => ledger.find(key)),
    instances: (query) => guard(() => ledger.instances(query)),
    history: (query) => guard(() => ledger.history(query)),
    fleet: () => guard(() => ledger.fleet()),
    tryLockGroup: (group, holder, options) => guard(() => ledger.tryLockGroup(group, holder, options)),
    renewLeases: (runner, until) => guard(() => ledger.renewLeases(runner, until)),
    close: () => ledger.close(),
  };
}

function toCommandError(error: unknown, unusable: ErrorKind): unknown {
  if (!(error instanceof LedgerError)) return error;
  const kind = error.problem === 'unusable' ? unusable : 'provider';
  return new DrainctlError(kind, error.message, { cause: error, details: { ledger: error.path } });
}
