// Benchmark 11: reading a big ledger. A ledger of EVENTS events (bench/lib/ledger-fill.mjs) on each
// ledger kind; `drainctl history` (no filter, --group, --since, a target) and `drainctl fleet` timed
// as whole CLI runs and as the ledger calls alone (in-process, the same calls the commands make),
// with each statement's query plan, and what the rest of a CLI run is spent on.
import { statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { DRAINCTL_BIN, REPO, parseJson } from './lib/common.mjs';
import { EVENTS, GROUPS, INSTANCES, fillPostgres, fillSqlite, keyOf } from './lib/ledger-fill.mjs';
import { nowMs } from './lib/timed-ledger.mjs';
import { runProcess } from './lib/proc.mjs';
import { median, summarize } from './lib/stats.mjs';

/** Runs of each command (whole CLI) and of each query alone. */
export const SCALE_CLI_RUNS = 3;
export const SCALE_QUERY_RUNS = 15;
const LIMIT = 50; // `drainctl history`'s default --limit
const SINCE = '24h';
/** A group the ledger has never seen, for one more PostgreSQL plan. */
const MISSING_GROUP = 'web-99';
const OPEN_CHILD = fileURLToPath(new URL('./ledger-open-child.mjs', import.meta.url));

/** The commands timed, and the ledger calls each one makes (what "the query alone" times). */
function commands(now) {
  const key = keyOf(21); // an elbv2 group: web-21
  const since = new Date(now - 24 * 3_600_000).toISOString();
  const written = key.target.replace(/:80$/, ''); // as a person writes it: the port left to the group's
  return [
    { name: 'history', args: ['history'], calls: (l) => l.history({ limit: LIMIT }) },
    { name: 'history --group', args: ['history', '--group', `${key.provider}:${key.group}`], calls: (l) => l.history({ provider: key.provider, group: key.group, limit: LIMIT }) },
    { name: `history --since ${SINCE}`, args: ['history', '--since', SINCE], calls: (l) => l.history({ since, limit: LIMIT }) },
    {
      name: 'history <target>',
      args: ['history', `${key.provider}:${key.group}/${written}`],
      // What src/cli/commands/history.ts does for a target: the group's rows, then the target's events.
      calls: async (l) => {
        await l.instances({ provider: key.provider, group: key.group });
        return l.history({ provider: key.provider, group: key.group, target: key.target, limit: LIMIT });
      },
    },
    { name: 'fleet', args: ['fleet'], calls: (l) => l.fleet() },
  ];
}

/** Runs the benchmark on each ledger kind (bench/lib/ledgers.mjs); one result per kind. */
export async function runLedgerScaleBench({ ledgers, log }) {
  const out = [];
  for (const kind of ledgers) out.push(await scaleOnLedger(kind, log));
  return { events: EVENTS, instances: INSTANCES, groups: GROUPS, limit: LIMIT, cliRuns: SCALE_CLI_RUNS, queryRuns: SCALE_QUERY_RUNS, ledgers: out };
}

async function scaleOnLedger(kind, log) {
  const now = Date.now();
  const loadBefore = loadavg()[0];
  const place = await kind.fresh('scale');
  await (await place.open('write')).close(); // creates and migrates the schema
  const t0 = nowMs();
  await fill(kind, place, now);
  const fillMs = nowMs() - t0;
  const size = await sizeOf(kind, place);
  log(`  ledger scale [${kind.name}]: ${EVENTS} events written in ${(fillMs / 1000).toFixed(1)} s (${(size / 2 ** 20).toFixed(0)} MiB)`);
  const cmds = commands(now);
  const lib = await queriesAlone(place, cmds);
  const cli = await cliRuns(kind, place, cmds);
  const plans = kind.id === 'sqlite' ? sqlitePlans(place, lib.statements) : await postgresPlans(kind, place, now);
  const rows = cmds.map((c) => ({ name: c.name, args: c.args, query: summarize(lib.samples[c.name]), rows: lib.rows[c.name], cli: summarize(cli.samples[c.name]), cliFailures: cli.failures[c.name], listed: cli.listed[c.name] }));
  for (const r of rows) log(`    ${r.name}: query ${r.query.median.toFixed(1)} ms (${r.rows} rows), CLI ${Math.round(r.cli.median)} ms`);
  return { ledger: kind.name, fillMs, bytes: size, rows, version: summarize(cli.samples.version), steps: stepMedians(cli.steps), plans, load: { before: loadBefore, after: loadavg()[0] } };
}

async function fill(kind, place, now) {
  if (kind.id === 'sqlite') {
    const db = new Database(place.path);
    try {
      fillSqlite(db, now);
    } finally {
      db.close();
    }
    return;
  }
  const client = await kind.server.client(place.database);
  try {
    await fillPostgres(client, now);
  } finally {
    await client.end();
  }
}

async function sizeOf(kind, place) {
  if (kind.id === 'sqlite') return statSync(place.path).size;
  const [row] = await kind.server.sql('SELECT pg_database_size(current_database()) AS bytes', [], place.database);
  return Number(row.bytes);
}

/**
 * Each command's ledger calls on one ledger opened for reading, the commands interleaved, one
 * warm-up round. On SQLite also notes which statements each command prepared, for the plans.
 */
async function queriesAlone(place, cmds) {
  const ledger = await place.open('read');
  const samples = Object.fromEntries(cmds.map((c) => [c.name, []]));
  const rows = {};
  const statements = {};
  try {
    for (let round = 0; round <= SCALE_QUERY_RUNS; round++) {
      for (const c of cmds) {
        const known = new Set(ledger.statements?.keys() ?? []);
        const t0 = nowMs();
        const result = await c.calls(ledger);
        const ms = nowMs() - t0;
        if (round === 0) {
          rows[c.name] = result.length;
          statements[c.name] = [...(ledger.statements?.keys() ?? [])].filter((sql) => !known.has(sql));
        } else samples[c.name].push(ms);
      }
    }
  } finally {
    await ledger.close();
  }
  return { samples, rows, statements };
}

/**
 * Each command as a whole `node bin/drainctl` run, interleaved with `drainctl --version` (what any
 * run costs before it reads the ledger) and with bench/ledger-open-child.mjs (a read command's
 * ledger steps, timed one by one in a process of its own).
 */
async function cliRuns(kind, place, cmds) {
  const samples = Object.fromEntries([...cmds.map((c) => [c.name, []]), ['version', []]]);
  const steps = [];
  const failures = {};
  const listed = {};
  for (let round = 0; round < SCALE_CLI_RUNS; round++) {
    const v = await runProcess('node', [DRAINCTL_BIN, '--version'], { env: place.env });
    samples.version.push(v.wallMs);
    const child = await runProcess('node', [OPEN_CHILD, kind.id, place.location], { env: place.env, timeoutMs: 120_000 });
    if (child.code !== 0) throw new Error(`ledger-open-child failed (${child.code}): ${child.stderr.trim().split('\n').at(-1)}`);
    steps.push({ ...JSON.parse(child.stdout), wallMs: child.wallMs });
    for (const c of cmds) {
      const r = await runProcess('node', [DRAINCTL_BIN, '--ledger', place.location, '-o', 'json', ...c.args], { env: place.env, timeoutMs: 120_000 });
      samples[c.name].push(r.wallMs);
      const doc = parseJson(r.stdout);
      listed[c.name] = doc?.events?.length ?? doc?.targets?.length;
      if (r.code !== 0) failures[c.name] = `exit ${r.code}: ${r.stderr.trim().split('\n')[0]}`;
    }
  }
  return { samples, steps, failures, listed };
}

/** The median of each step over the child runs. */
function stepMedians(steps) {
  const keys = Object.keys(steps[0] ?? {});
  return { n: steps.length, ...Object.fromEntries(keys.map((k) => [k, median(steps.map((s) => s[k]))])) };
}

/** EXPLAIN QUERY PLAN of every statement each command prepared, with the parameters it used. */
function sqlitePlans(place, statements) {
  // Read-write (it writes nothing): a read-only handle would leave a -wal file behind, and
  // drainctl reads a ledger with a -wal beside it another way.
  const db = new Database(place.path);
  try {
    const out = {};
    for (const [name, list] of Object.entries(statements)) {
      out[name] = list.map((sql) => {
        const params = sqliteParams(name, sql);
        return { sql: oneLine(sql), plan: db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params).map((r) => r.detail) };
      });
    }
    return out;
  } finally {
    db.close();
  }
}

/** Parameters for a statement in the order of its `?`s: a plan does not depend on the values, only on which are bound. */
function sqliteParams(name, sql) {
  const key = keyOf(21);
  const values = { 'i.provider = ?': key.provider, 'i.group_ref = ?': key.group, 'i.target = ?': key.target, 'e.at >= ?': new Date().toISOString(), 'provider = ?': key.provider, 'group_ref = ?': key.group };
  const found = [...sql.matchAll(/(?:i\.)?(?:provider|group_ref|target) = \?|e\.at >= \?/g)].map((m) => values[m[0]]);
  return sql.includes('LIMIT ?') ? [...found, LIMIT] : found;
}

const oneLine = (sql) => sql.replace(/\s+/g, ' ').trim();

/** EXPLAIN (ANALYZE, BUFFERS) of the statements the PostgreSQL ledger runs for each command, with the same parameters. */
async function postgresPlans(kind, place, now) {
  const q = await import(pathToFileURL(`${REPO}dist/ledger/postgres/queries.js`).href);
  const key = keyOf(21);
  const since = new Date(now - 24 * 3_600_000).toISOString();
  const list = {
    history: [q.historyQuery({}, LIMIT)],
    'history --group': [q.historyQuery({ provider: key.provider, group: key.group }, LIMIT)],
    [`history --since ${SINCE}`]: [q.historyQuery({ since }, LIMIT)],
    'history <target>': [{ sql: q.INSTANCES_OF_GROUP, params: [key.provider, key.group] }, q.historyQuery({ provider: key.provider, group: key.group, target: key.target }, LIMIT)],
    fleet: [{ sql: q.FLEET, params: [] }],
    // PostgreSQL plans from statistics: a group with no events gets another plan than web-21.
    [`history --group ${key.provider}:${MISSING_GROUP} (no events; plan only)`]: [q.historyQuery({ provider: key.provider, group: MISSING_GROUP }, LIMIT)],
  };
  const client = await kind.server.client(place.database);
  try {
    const out = {};
    for (const [name, statements] of Object.entries(list)) {
      out[name] = [];
      for (const { sql, params } of statements) {
        const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params);
        out[name].push({ sql: oneLine(sql), plan: rows.map((r) => r['QUERY PLAN']) });
      }
    }
    return out;
  } finally {
    await client.end();
  }
}
