import type { Ledger } from '../core/ledger.js';
import type { LedgerAccess } from './open.js';
import { isPostgresUrl } from './postgres/url.js';
import { openSqliteLedger } from './sqlite.js';

/**
 * The ledger a location names: a `postgres://` or `postgresql://` URL is a PostgreSQL server
 * (its driver loaded only then), anything else a SQLite file (`:memory:` a throwaway one).
 */
export async function openLedgerAt(location: string, options: { readonly access?: LedgerAccess; readonly env?: NodeJS.ProcessEnv } = {}): Promise<Ledger> {
  if (!isPostgresUrl(location)) return openSqliteLedger(location, { access: options.access });
  const { openPostgresLedger } = await import('./postgres/ledger.js');
  return openPostgresLedger(location, options);
}
