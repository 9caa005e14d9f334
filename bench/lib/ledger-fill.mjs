// A ledger of a long-lived fleet, written straight into the tables with one INSERT … SELECT per
// table (a recursive CTE on SQLite, generate_series on PostgreSQL), the same rows on both:
//
// - INSTANCES targets over GROUPS groups (group = target mod GROUPS), each group one of three
//   providers (elbv2, gcp-ig, haproxy) in its canonical reference form;
// - EVENTS events in drain cycles of seven (drain_requested, drain_started, state_changed,
//   drained, restore_requested, state_changed, restored), cycle c on target (c·7919 mod
//   INSTANCES), so every target gets ~EVENTS/INSTANCES events; cycles are spread evenly over the
//   year before `now`, events within a cycle 20 s apart, ids in time order as drainctl writes them;
// - one target in 33 not active: every other one of those draining (holder, live lease), the rest
//   stopped (drained, not restored).

export const INSTANCES = 10_000;
export const EVENTS = 1_000_000;
export const GROUPS = 50;
const CYCLE = 7;
const STEP_S = 20;
const YEAR_S = 365 * 86_400;

/** The group, reference and target names the queries use (instance index i). */
export const groupOf = (i) => i % GROUPS;
export function keyOf(i) {
  const g = groupOf(i);
  if (g % 3 === 0) return { provider: 'elbv2', group: `web-${String(g).padStart(2, '0')}`, target: `i-0${i.toString(16).padStart(16, '0')}:80` };
  if (g % 3 === 1) return { provider: 'gcp-ig', group: `drainctl-bench/us-central1-a/ig-${g}`, target: `vm-${i}` };
  return { provider: 'haproxy', group: `10.0.0.${g}:9999/be_${g}`, target: `srv${i}` };
}

// Per step of a cycle: the event type and its details, as drainctl records them for an ELB target.
const STEPS = [
  ['drain_requested', '{"drainTimeoutSeconds":300,"raw":{"state":"healthy"}}'],
  ['drain_started', '{}'],
  ['state_changed', '{"from":"active","to":"draining","raw":{"state":"draining","reason":"Target.DeregistrationInProgress","description":"Target deregistration is in progress"}}'],
  ['drained', '{"raw":{"state":"unused","reason":"Target.NotRegistered","description":"Target is not registered to the target group"},"elapsedMs":301204}'],
  ['restore_requested', '{"registration":{"port":80}}'],
  ['state_changed', '{"from":"absent","to":"active","raw":{"state":"healthy"}}'],
  ['restored', '{"elapsedMs":15210}'],
];
const HOLDER = '{"runner":"ci-runner-7:4242:0a1b2c3d","host":"ci-runner-7","pid":4242,"user":"deploy","ci":"GitLab CI job 981234"}';

/** SQL for the CASE over a cycle step. */
const stepCase = (step, column) => `CASE ${step} ${STEPS.map((s, k) => `WHEN ${k} THEN '${column === 'type' ? s[0] : s[1]}'`).join(' ')} END`;

/** Fills an empty, migrated SQLite ledger (a better-sqlite3 handle) as of `now` (ms epoch). */
export function fillSqlite(db, now) {
  const start = Math.floor(now / 1000) - YEAR_S;
  const cycles = Math.ceil(EVENTS / CYCLE);
  const iso = (seconds) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${seconds}, 'unixepoch')`;
  const g = `(i % ${GROUPS})`;
  db.transaction(() => {
    db.exec(`
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${INSTANCES - 1})
      INSERT INTO instance (id, provider, group_ref, target, status, drain_started_at, drained_at, registration, holder, runner_id, lease_expires_at, updated_at)
      SELECT i + 1,
        CASE ${g} % 3 WHEN 0 THEN 'elbv2' WHEN 1 THEN 'gcp-ig' ELSE 'haproxy' END,
        CASE ${g} % 3 WHEN 0 THEN printf('web-%02d', ${g}) WHEN 1 THEN 'drainctl-bench/us-central1-a/ig-' || ${g} ELSE '10.0.0.' || ${g} || ':9999/be_' || ${g} END,
        CASE ${g} % 3 WHEN 0 THEN printf('i-0%016x:80', i) WHEN 1 THEN 'vm-' || i ELSE 'srv' || i END,
        CASE WHEN i % 66 = 0 THEN 'draining' WHEN i % 33 = 0 THEN 'stopped' ELSE 'active' END,
        CASE WHEN i % 33 = 0 THEN ${iso(`${start + YEAR_S} - 3600 - i`)} END,
        CASE WHEN i % 33 = 0 AND i % 66 <> 0 THEN ${iso(`${start + YEAR_S} - 3000 - i`)} END,
        '{"port":80}',
        CASE WHEN i % 66 = 0 THEN '${HOLDER}' END,
        CASE WHEN i % 66 = 0 THEN 'ci-runner-7:4242:0a1b2c3d' END,
        CASE WHEN i % 66 = 0 THEN ${iso(`${start + YEAR_S} + 30`)} END,
        ${iso(start + YEAR_S)}
      FROM n`);
    db.exec(`
      WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < ${EVENTS - 1})
      INSERT INTO drain_event (id, instance_id, event_type, at, details)
      SELECT k + 1, ((k / ${CYCLE}) * 7919) % ${INSTANCES} + 1, ${stepCase(`k % ${CYCLE}`, 'type')},
        ${iso(`${start} + (k / ${CYCLE}) * ${YEAR_S} / ${cycles} + (k % ${CYCLE}) * ${STEP_S}`)},
        ${stepCase(`k % ${CYCLE}`, 'details')}
      FROM n`);
  })();
}

/** Fills an empty, migrated PostgreSQL ledger (a pg client) as of `now` (ms epoch), then ANALYZEs it as autovacuum would. */
export async function fillPostgres(client, now) {
  const start = Math.floor(now / 1000) - YEAR_S;
  const cycles = Math.ceil(EVENTS / CYCLE);
  const ts = (seconds) => `to_timestamp(${seconds})`;
  const g = `(i % ${GROUPS})`;
  await client.query('BEGIN');
  await client.query(`
    INSERT INTO instance (id, provider, group_ref, target, status, drain_started_at, drained_at, registration, holder, runner_id, lease_expires_at, updated_at)
    SELECT i + 1,
      CASE ${g} % 3 WHEN 0 THEN 'elbv2' WHEN 1 THEN 'gcp-ig' ELSE 'haproxy' END,
      CASE ${g} % 3 WHEN 0 THEN 'web-' || lpad(${g}::text, 2, '0') WHEN 1 THEN 'drainctl-bench/us-central1-a/ig-' || ${g} ELSE '10.0.0.' || ${g} || ':9999/be_' || ${g} END,
      CASE ${g} % 3 WHEN 0 THEN 'i-0' || lpad(to_hex(i), 16, '0') || ':80' WHEN 1 THEN 'vm-' || i ELSE 'srv' || i END,
      CASE WHEN i % 66 = 0 THEN 'draining' WHEN i % 33 = 0 THEN 'stopped' ELSE 'active' END,
      CASE WHEN i % 33 = 0 THEN ${ts(`${start + YEAR_S} - 3600 - i`)} END,
      CASE WHEN i % 33 = 0 AND i % 66 <> 0 THEN ${ts(`${start + YEAR_S} - 3000 - i`)} END,
      '{"port":80}'::json,
      CASE WHEN i % 66 = 0 THEN '${HOLDER}'::json END,
      CASE WHEN i % 66 = 0 THEN 'ci-runner-7:4242:0a1b2c3d' END,
      CASE WHEN i % 66 = 0 THEN ${ts(`${start + YEAR_S} + 30`)} END,
      ${ts(start + YEAR_S)}
    FROM generate_series(0, ${INSTANCES - 1}) AS i`);
  await client.query(`
    INSERT INTO drain_event (id, instance_id, event_type, at, details)
    SELECT k + 1, ((k / ${CYCLE}) * 7919) % ${INSTANCES} + 1, ${stepCase(`k % ${CYCLE}`, 'type')},
      ${ts(`${start}::bigint + (k / ${CYCLE})::bigint * ${YEAR_S} / ${cycles} + (k % ${CYCLE}) * ${STEP_S}`)},
      (${stepCase(`k % ${CYCLE}`, 'details')})::json
    FROM generate_series(0::bigint, ${EVENTS - 1}) AS k`);
  // The ids were given explicitly: move the sequences past them, as inserts through drainctl would have.
  await client.query("SELECT setval(pg_get_serial_sequence('instance', 'id'), (SELECT max(id) FROM instance))");
  await client.query("SELECT setval(pg_get_serial_sequence('drain_event', 'id'), (SELECT max(id) FROM drain_event))");
  await client.query('COMMIT');
  await client.query('ANALYZE instance');
  await client.query('ANALYZE drain_event');
}
