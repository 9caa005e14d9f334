import { LedgerError } from '../errors.js';
import { VERSION_TABLE } from './schema.js';
import type { Query } from './session.js';

/**
 * The table privileges each kind of use needs, the same list docs/ledger.md grants. Writers get
 * no UPDATE or DELETE on drain_event: the history stays append-only even for them.
 */
const NEEDED: Record<'read' | 'write', readonly (readonly [string, string])[]> = {
  read: [VERSION_TABLE, 'instance', 'drain_event', 'capacity_lock'].map((table) => [table, 'SELECT'] as const),
  write: [
    [VERSION_TABLE, 'SELECT'],
    ['instance', 'SELECT'],
    ['instance', 'INSERT'],
    ['instance', 'UPDATE'],
    ['drain_event', 'SELECT'],
    ['drain_event', 'INSERT'],
    ['capacity_lock', 'SELECT'],
    ['capacity_lock', 'INSERT'],
    ['capacity_lock', 'UPDATE'],
    ['capacity_lock', 'DELETE'],
  ],
};

/**
 * Refuses at open, before a command touches any target, a ledger this user could not use: a
 * missing grant, or (for writing) a session that is read-only. Found later, at the first write,
 * either would stop a drain halfway.
 */
export async function refuseUnusable(query: Query, location: string, access: 'read' | 'write'): Promise<void> {
  const needed = NEEDED[access];
  const { rows } = await query<{ user: string; missing: string[] | null; sequences: boolean; read_only: string }>(
    `SELECT current_user AS user,
            (SELECT array_agg(p || ' on ' || t ORDER BY n) FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(t, p, n) WHERE NOT has_table_privilege(t, p)) AS missing,
            has_sequence_privilege(pg_get_serial_sequence('instance', 'id'), 'USAGE') AND has_sequence_privilege(pg_get_serial_sequence('drain_event', 'id'), 'USAGE') AS sequences,
            current_setting('transaction_read_only') AS read_only`,
    [needed.map(([table]) => table), needed.map(([, privilege]) => privilege)],
  );
  const row = rows[0]!;
  const missing = [...(row.missing ?? []), ...(access === 'write' && !row.sequences ? ['USAGE on the id sequences'] : [])];
  if (missing.length > 0) {
    const fix = access === 'write' ? 'grant them as docs/ledger.md#postgresql shows, or use a command that only reads' : 'grant them as docs/ledger.md#postgresql shows';
    throw new LedgerError(location, `ledger ${location}: user "${row.user}" lacks ${missing.join(', ')}; ${fix}`);
  }
  if (access === 'write' && row.read_only === 'on') {
    throw new LedgerError(
      location,
      `ledger ${location} is read-only (transaction_read_only is on): the database or user has default_transaction_read_only on, or the server is a standby; point the URL at the primary, or turn default_transaction_read_only off for drainctl's user`,
    );
  }
}
