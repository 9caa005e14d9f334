/**
 * The ledger's statements. Each is index-friendly: the unique (provider, group_ref, target) key,
 * the event indexes on (instance_id, at) and (at), the partial index of rows not active, and the
 * runner index. Parameters carry explicit types so no statement depends on inference.
 */

/**
 * Upserts the instance and appends its event in one statement, so the two are atomic without a
 * transaction. Each `set` flag tells "leave as is" (field absent) from "set to NULL".
 */
export const RECORD = `
  WITH up AS (
    INSERT INTO instance AS i (provider, group_ref, target, status, in_flight, drain_started_at, drained_at, registration, holder, runner_id, lease_expires_at, updated_at)
    VALUES ($1::text, $2::text, $3::text, coalesce($4::text, 'active'), $5::bigint, $6::timestamptz, $7::timestamptz, $8::json, $9::json, $10::text, $11::timestamptz, $12::timestamptz)
    ON CONFLICT (provider, group_ref, target) DO UPDATE SET
      status           = CASE WHEN $13::boolean THEN excluded.status           ELSE i.status           END,
      in_flight        = CASE WHEN $14::boolean THEN excluded.in_flight        ELSE i.in_flight        END,
      drain_started_at = CASE WHEN $15::boolean THEN excluded.drain_started_at ELSE i.drain_started_at END,
      drained_at       = CASE WHEN $16::boolean THEN excluded.drained_at       ELSE i.drained_at       END,
      registration     = CASE WHEN $17::boolean THEN excluded.registration     ELSE i.registration     END,
      holder           = CASE WHEN $18::boolean THEN excluded.holder           ELSE i.holder           END,
      runner_id        = CASE WHEN $18::boolean THEN excluded.runner_id        ELSE i.runner_id        END,
      lease_expires_at = CASE WHEN $19::boolean THEN excluded.lease_expires_at ELSE i.lease_expires_at END,
      updated_at       = excluded.updated_at
    RETURNING i.*
  ), event AS (
    INSERT INTO drain_event (instance_id, event_type, at, details)
    SELECT id, $20::text, $12::timestamptz, $21::json FROM up
  )
  SELECT * FROM up`;

export const FIND = 'SELECT * FROM instance WHERE provider = $1::text AND group_ref = $2::text AND target = $3::text';

export const INSTANCES_OF_PROVIDER = 'SELECT * FROM instance WHERE provider = $1::text ORDER BY id';
export const INSTANCES_OF_GROUP = 'SELECT * FROM instance WHERE provider = $1::text AND group_ref = $2::text ORDER BY id';

/** Events newest first, with only the filters given; `at` ties are broken by insertion order. */
export function historyQuery(filters: { provider?: string; group?: string; target?: string; since?: string }, limit: number): { sql: string; params: unknown[] } {
  const conditions: [string, string | undefined][] = [
    ['i.provider = $%::text', filters.provider],
    ['i.group_ref = $%::text', filters.group],
    ['i.target = $%::text', filters.target],
    ['e.at >= $%::timestamptz', filters.since],
  ];
  const params: unknown[] = [];
  const where: string[] = [];
  for (const [condition, value] of conditions) {
    if (value === undefined) continue;
    params.push(value);
    where.push(condition.replace('$%', `$${params.length}`));
  }
  params.push(limit);
  const sql = `
    SELECT e.id, i.provider, i.group_ref, i.target, e.event_type, e.at, e.details
    FROM drain_event e JOIN instance i ON i.id = e.instance_id
    ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
    ORDER BY e.at DESC, e.id DESC
    LIMIT $${params.length}::bigint`;
  return { sql, params };
}

/** Served by the partial index instance_not_active, in its order: few rows even in a ledger of millions of events. */
export const FLEET = "SELECT * FROM instance WHERE status <> 'active' ORDER BY drain_started_at NULLS FIRST, id";

export const RENEW = "UPDATE instance SET lease_expires_at = $1::timestamptz WHERE runner_id = $2::text AND status = 'draining' AND lease_expires_at IS NOT NULL";

/** Never waits: a held lock answers false at once. */
export const TRY_LOCK = 'SELECT pg_try_advisory_lock($1::integer, $2::integer) AS got';
export const UNLOCK = 'SELECT pg_advisory_unlock($1::integer, $2::integer) AS released';

export const LOCK_ROW = 'SELECT holder, since FROM capacity_lock WHERE provider = $1::text AND group_ref = $2::text';
export const TAKE_LOCK_ROW = `
  INSERT INTO capacity_lock (provider, group_ref, runner_id, holder, since, expires_at, backend_pid)
  VALUES ($1::text, $2::text, $3::text, $4::json, $5::timestamptz, $6::timestamptz, pg_backend_pid())
  ON CONFLICT (provider, group_ref) DO UPDATE SET
    runner_id = excluded.runner_id, holder = excluded.holder, since = excluded.since,
    expires_at = excluded.expires_at, backend_pid = excluded.backend_pid`;
export const FREE_LOCK_ROW = 'DELETE FROM capacity_lock WHERE provider = $1::text AND group_ref = $2::text AND runner_id = $3::text';
