// Verdicts, terminal lines and docs/benchmarks.md sections 9-11 for the ledger benchmarks: the
// capacity guard's cost (bench/guard.mjs), many runners on one group (bench/contention.mjs) and a
// ledger of a million events (bench/ledger-scale.mjs).
import { median } from './lib/stats.mjs';

export const LEDGER_GOALS = {
  /** Guard: the median drain with the guard at most this much longer than with --force, every ledger. */
  guardExtraMs: 20,
  /** Contention: a waiting runner's reservation at most this long after capacity appears (median and max). */
  grantMs: 1000,
  /** Scale: every command's ledger calls (the query alone) under this, median, every ledger. */
  queryMs: 200,
};

const ms2 = (v) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(2));
const ms1 = (v) => (v === undefined || Number.isNaN(v) ? '–' : `${v < 0 ? '−' : ''}${Math.abs(v).toFixed(1)}`);
const ms0 = (v) => (v === undefined || Number.isNaN(v) ? '–' : `${v < 0 ? '−' : ''}${Math.abs(Math.round(v))}`);
const s1 = (v) => (v === undefined ? '–' : (v / 1000).toFixed(1));
const x2 = (v) => (v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(2)}×`);
const yes = (met) => (met ? 'yes' : '**no**');
const bold = (met) => (met ? '**met**' : '**missed**');
const verdict = (met) => (met ? 'met' : 'MISSED');
const anchor = { guard: '#9-capacity-guard-overhead', contention: '#10-many-runners-one-group', scale: '#11-a-ledger-of-a-million-events' };

/** A plan line that reads a whole table: SQLite's bare `SCAN <table>` (no index), PostgreSQL's `Seq Scan`. */
export function isFullScan(line) {
  return /^\s*SCAN \w+\s*$/.test(line) || /Seq Scan on (instance|drain_event)\b/.test(line);
}

/** Verdicts and derived figures for the ledger benchmarks that ran. */
export function analyseLedger(results) {
  const out = {};
  if (results.guard) {
    const rows = results.guard.ledgers.map((l) => ({ ...l, met: l.extraMs < LEDGER_GOALS.guardExtraMs && l.failures.length === 0 }));
    out.guard = { rows, met: rows.length > 0 && rows.every((r) => r.met) };
  }
  if (results.contention) {
    const { runners, minHealthy } = results.contention;
    const rows = results.contention.ledgers.map((l) => {
      const correct = l.minInService >= minHealthy && (l.minSampled ?? minHealthy) >= minHealthy && l.drains === runners && l.okRunners === runners && l.negativeGrants === 0;
      const fast = l.grant.median < LEDGER_GOALS.grantMs && l.grant.max < LEDGER_GOALS.grantMs;
      return { ...l, correct, fast, met: correct && fast };
    });
    out.contention = { rows, met: rows.length > 0 && rows.every((r) => r.met) };
  }
  if (results.ledgerScale) {
    const rows = results.ledgerScale.ledgers.map((l) => {
      const slowest = l.rows.reduce((a, b) => (b.query.median > a.query.median ? b : a));
      const scans = Object.entries(l.plans).flatMap(([name, list]) => list.flatMap((s) => s.plan.filter(isFullScan).map((line) => `${name}: ${line.trim()}`)));
      const cliOk = l.rows.every((r) => !r.cliFailures);
      const fast = l.rows.every((r) => r.query.median < LEDGER_GOALS.queryMs);
      return { ...l, slowest, scans, cliOk, fast, met: fast && scans.length === 0 && cliOk };
    });
    out.scale = { rows, met: rows.length > 0 && rows.every((r) => r.met) };
  }
  return out;
}

/** Lines for the terminal summary. */
export function ledgerSummaryLines(results, a) {
  const lines = [];
  for (const r of a.guard?.rows ?? []) {
    lines.push(`capacity guard [${r.ledger}]: guarded ${ms1(r.guarded.wall.median)} ms, --force ${ms1(r.forced.wall.median)} ms (medians of ${results.guard.runs}); extra ${ms1(r.extraMs)} ms, ${x2(r.ratio)}; in the ledger ${ms1(r.ledgerExtraMs)} ms — goal < ${LEDGER_GOALS.guardExtraMs} ms: ${verdict(r.met)}`);
  }
  for (const r of a.contention?.rows ?? []) {
    lines.push(`${results.contention.runners} runners, one group [${r.ledger}]: ${r.drains} drains, lowest in service ${r.minInService} (needed ${results.contention.minHealthy}), capacity granted after median ${ms0(r.grant.median)} ms, max ${ms0(r.grant.max)} ms — goal correct and < ${LEDGER_GOALS.grantMs} ms: ${verdict(r.met)}`);
  }
  for (const r of a.scale?.rows ?? []) {
    lines.push(`ledger of ${results.ledgerScale.events} events [${r.ledger}]: slowest query ${ms1(r.slowest.query.median)} ms (${r.slowest.name}); CLI ${r.rows.map((c) => ms0(c.cli.median)).join('/')} ms; full scans ${r.scans.length} — goal < ${LEDGER_GOALS.queryMs} ms by index: ${verdict(r.met)}`);
  }
  return lines;
}

/** Rows of the summary table. */
export function ledgerSummaryRows(results, a) {
  const L = [];
  for (const r of a.guard?.rows ?? []) {
    L.push(`| [Capacity guard overhead, ${r.ledger}](${anchor.guard}) | median drain with the guard < ${LEDGER_GOALS.guardExtraMs} ms longer than with \`--force\` | ${ms1(r.guarded.wall.median)} ms (+${ms1(r.extraMs)} ms; in the ledger +${ms1(r.ledgerExtraMs)} ms) | \`--force\`: ${ms1(r.forced.wall.median)} ms | ${x2(r.ratio)} | ${yes(r.met)} |`);
  }
  for (const r of a.contention?.rows ?? []) {
    const c = results.contention;
    L.push(`| [${c.runners} runners on one group, ${r.ledger}](${anchor.contention}) | never below --min-healthy ${c.minHealthy}; capacity granted < ${LEDGER_GOALS.grantMs} ms after it appears (median, max) | lowest ${r.minInService} in service; granted after ${ms0(r.grant.median)} ms median, ${ms0(r.grant.max)} ms max | – | – | ${yes(r.met)} |`);
  }
  for (const r of a.scale?.rows ?? []) {
    L.push(`| [Ledger of ${(results.ledgerScale.events / 1e6).toFixed(0)} M events, ${r.ledger}](${anchor.scale}) | every \`history\`/\`fleet\` query < ${LEDGER_GOALS.queryMs} ms, by index | slowest query ${ms1(r.slowest.query.median)} ms (${r.slowest.name}); whole CLI run ${ms0(Math.min(...r.rows.map((c) => c.cli.median)))}-${ms0(Math.max(...r.rows.map((c) => c.cli.median)))} ms | – | – | ${yes(r.met)} |`);
  }
  return L;
}

/** Sections 9-11 of docs/benchmarks.md, as lines. */
export function ledgerSections(results, a) {
  return [...guardSection(results, a.guard), ...contentionSection(results, a.contention), ...scaleSection(results, a.scale)];
}

function ledgersLine(results) {
  const pg = results.postgres;
  const parts = ['SQLite: a new file per benchmark in the bench\'s temp directory (ext4 on the machine\'s disk; WAL, SQLite\'s default synchronous setting, so a commit waits for the disk)'];
  parts.push(pg?.version ? `PostgreSQL ${pg.version}: a private server on 127.0.0.1 started for the run (bench/lib/postgres.mjs: initdb, scram-sha-256 over TCP, fsync and synchronous_commit on as by default), a new database per benchmark; drainctl reads the password from PGPASSWORD` : `PostgreSQL: not run (${pg?.note ?? 'not selected'})`);
  return `- Ledgers: ${parts.join('; ')}. The CLI's environment is the bench's usual one with every \`PG*\` variable of the caller's removed as well.`;
}

function guardSection(results, v) {
  if (!v) return [];
  const g = results.guard;
  const L = ['## 9. Capacity guard overhead', ''];
  L.push('Method (bench/guard.mjs):', '');
  L.push(`- In-process, the library from dist/: \`drainTargets({ wait: false })\` on the built-in AWS emulator (throttling off, deregistration delay 0, a registered target healthy at once), one target group of ${g.targets} healthy instances. Arm **guarded**: the default capacity rule (never the last target in service) — the group's lock in the ledger, a describe under it, the other runners' reservations read, this drain's reservation recorded, the lock let go, and after the change a second describe. Arm **\`--force\`** (\`force: true\`): no guard; the same reservation row is still recorded.`);
  L.push(`- Each round drains the same target once per arm, the order alternating from round to round, and puts it back with \`restoreTargets\` after each drain (not timed). ${g.warmup} warm-up rounds, then ${g.runs} measured rounds. Every ledger runs in every round, side by side, each on its own emulator and a new ledger opened once for the run, as a library caller keeps it.`);
  L.push(`- drainctl paces its ELB calls at AWS's published rates (a burst of 40, then 10 describes a second, per process); drains on one emulator start at least ${g.spacingMs} ms apart so the pacing budget stays full, as it is at the start of a CLI run, and restores use a budget of their own. What is timed is then drainctl's work, not a wait for the pacer.`);
  L.push('- **In the ledger**: time spent inside the Ledger\'s calls during each drain (a wrapper around the port, bench/lib/timed-ledger.mjs). **Ledger part alone**: the guard\'s ledger steps without a drain, timed one by one, ' + `${g.ledgerCycles} times: tryLockGroup, instances (the group's rows), record (the reservation), release.`);
  L.push(ledgersLine(results), '');
  L.push(`### Goal: the median drain with the guard less than ${LEDGER_GOALS.guardExtraMs} ms longer than with \`--force\`, on every ledger: ${bold(v.met)}`, '');
  L.push('| Ledger | n | Guarded median (ms) | p90 | `--force` median (ms) | p90 | Extra: difference of medians (ms) | Ratio | Extra per round: median (min–max) | In the ledger, guarded / `--force` (ms) | Lock held (ms) | Provider calls per drain, guarded / `--force` |');
  L.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of v.rows) {
    const calls = (c) => Object.values(c).reduce((n, k) => n + k, 0);
    L.push(`| ${r.ledger} | ${r.guarded.wall.n} | ${ms1(r.guarded.wall.median)} | ${ms1(r.guarded.wall.p90)} | ${ms1(r.forced.wall.median)} | ${ms1(r.forced.wall.p90)} | **${ms1(r.extraMs)}** | ${x2(r.ratio)} | ${ms1(r.pairedExtra.median)} (${ms1(r.pairedExtra.min)} to ${ms1(r.pairedExtra.max)}) | ${ms1(r.guarded.ledger.median)} / ${ms1(r.forced.ledger.median)} | ${ms1(r.guarded.byCall.lockHeld)} | ${calls(r.guarded.callsPerDrain)} / ${calls(r.forced.callsPerDrain)} |`);
  }
  L.push('', 'The ledger part alone (median, p90 in brackets, ms):', '');
  L.push('| Ledger | tryLockGroup | instances | record | release | all four |');
  L.push('|---|---|---|---|---|---|');
  for (const r of v.rows) {
    const c = r.cycle;
    L.push(`| ${r.ledger} | ${['lock', 'read', 'write', 'release', 'total'].map((k) => `${ms2(c[k].median)} (${ms2(c[k].p90)})`).join(' | ')} |`);
  }
  const extraCalls = (r) => Object.entries(r.guarded.callsPerDrain).filter(([k, n]) => n > (r.forced.callsPerDrain[k] ?? 0)).map(([k, n]) => `${n - (r.forced.callsPerDrain[k] ?? 0)} ${k}`).join(', ');
  L.push('');
  for (const r of v.rows) {
    // Differences of medians do not add up exactly: when the ledger's share reaches the whole, say so.
    const split = r.extraMs - r.ledgerExtraMs >= 1
      ? `${ms1(r.ledgerExtraMs)} ms of that was spent in the ledger (the lock, the group's rows, letting go); the rest is`
      : `The time spent in the ledger grew by ${ms1(r.ledgerExtraMs)} ms (the lock, the group's rows, letting go): about all of it, next to`;
    L.push(`What it means (${r.ledger}): the guard made the median drain ${ms1(r.extraMs)} ms longer (${x2(r.ratio)}). ${split} the guard's extra provider calls (${extraCalls(r)} per drain: the describe under the lock and the check after the change), which cost a few ms each against this local emulator (the SDK and HTTP on the same host) and one API round trip each against AWS. The lock was held ${ms1(r.guarded.byCall.lockHeld)} ms (median): one describe, the group's rows and the reservation.${r.failures.length ? ` Failed drains: ${r.failures.slice(0, 3).join('; ')}.` : ''}`, '');
  }
  return L;
}

function contentionSection(results, v) {
  if (!v) return [];
  const c = results.contention;
  const L = ['## 10. Many runners, one group', ''];
  L.push('Method (bench/contention.mjs):', '');
  L.push(`- The built-in AWS emulator (throttling off; deregistration delay 0; a registered target turns healthy ${c.healthyAfterMs} ms after its registration), one target group of ${c.runners} healthy instances. ${c.runners} runners start at once; runner *i* is two real CLI processes one after the other: \`drainctl -o json drain --min-healthy ${c.minHealthy} --wait-for-capacity ${c.waitForCapacity} --no-wait elbv2:contended/<target i>\`, then \`drainctl -o json restore elbv2:contended/<target i>\` (which waits until the target is healthy). All share one ledger. The group can spare ${c.spare} targets, so ${c.spare} runners drain at a time and the others wait on the capacity guard.`);
  L.push(`- Why ${c.runners} targets with --min-healthy ${c.minHealthy}, not a smaller group: every runner drains a target of its own, so every drain is one runner's and can be counted. With fewer targets than runners, a runner whose target another runner has just drained finds nothing to drain.`);
  L.push(`- **Correct**: the number of targets in service at every moment, exactly, from the emulator's request log (a deregistration takes a target out at once, a registration puts it back ${c.healthyAfterMs} ms later), and as sampled from the emulator's API by the bench every ${c.sampleEveryMs} ms; never below ${c.minHealthy}. Every runner's drain and restore exit 0, and the emulator saw ${c.runners} deregistrations.`);
  L.push(`- **Grant after capacity**: after the first ${c.spare} drains, the *k*-th time a restored target turns healthy in the emulator is what lets the (*k*+${c.spare})-th reservation through (the ledger's \`drain_requested\` times, in order): the difference is how long capacity stood unused with runners waiting for it. Negative would mean a reservation without capacity. Also given from the \`restored\` event the restoring process records (which comes after it has seen the target healthy, so waiting runners may be earlier: negative).`);
  L.push(`- Waiting runners look again every 150-250 ms (each look: the group's lock, a describe, the ledger's rows); DescribeTargetHealth calls per second are all runners' together, against AWS's published 10 per second for an account (throttling here is off: a real account would slow the looks down).`);
  L.push(ledgersLine(results), '');
  L.push(`### Goal: never below the minimum, every runner done, and capacity granted within ${LEDGER_GOALS.grantMs} ms of appearing (median and max), on every ledger: ${bold(v.met)}`, '');
  L.push('| Ledger | Runners done (drain and restore exit 0) | Deregistrations | Lowest in service: exact | sampled (samples) | Needed | Grant after capacity: median (ms) | p90 | min | max | After `restored`: median (ms) | max | Wall (s) | DescribeTargetHealth per s | 1-minute load before → after |');
  L.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of v.rows) {
    L.push(`| ${r.ledger} | ${r.okRunners}/${c.runners} | ${r.drains} | ${r.minInService} | ${r.minSampled ?? '–'} (${r.samples}) | ${c.minHealthy} | **${ms0(r.grant.median)}** | ${ms0(r.grant.p90)} | ${ms0(r.grant.min)} | **${ms0(r.grant.max)}** | ${ms0(r.sinceRestored.median)} | ${ms0(r.sinceRestored.max)} | ${s1(r.wallMs)} | ${r.describesPerSecond.toFixed(1)} | ${r.load.before.toFixed(1)} → ${r.load.after.toFixed(1)} |`);
  }
  L.push('', '<details><summary>Every grant: when capacity appeared (s after the runners started) → how long until the next reservation (ms)</summary>', '');
  for (const r of v.rows) L.push(`- ${r.ledger}: ${r.grants.map((g) => `${s1(g.capacityAtMs)} s → ${ms0(g.ms)}`).join(', ')}`);
  L.push('', '</details>');
  L.push('');
  for (const r of v.rows) {
    L.push(`Verdicts (${r.ledger}): correct ${yes(r.correct)}; granted within ${LEDGER_GOALS.grantMs} ms ${yes(r.fast)}.${r.failures.length ? ` Failures: ${r.failures.join('; ')}.` : ''} Drain outcomes: ${JSON.stringify(r.drainOutcomes)}.`);
  }
  const thirds = v.rows.map((r) => {
    const third = Math.floor(r.grants.length / 3);
    const med = (list) => median(list.map((g) => g.ms));
    return `${r.ledger} ${ms0(med(r.grants.slice(0, third)))} ms over the first ${third} grants and ${ms0(med(r.grants.slice(-third)))} ms over the last ${third}`;
  });
  L.push('', `What it means: with ${c.runners} processes on ${results.machine?.nproc ?? 'a few'} CPUs most of a runner's time is process start-up and waiting its turn; the figure that matters is how long capacity stands unused while runners wait, which is the guard's own latency: a waiting runner's next look (150-250 ms apart), its lock and its describe, on a host whose CPUs the waiting runners keep busy. Every look holds the group's lock for its describe, so the looks of all waiting runners happen one at a time: when the host is slow each look takes longer, and capacity that appears just after a look began waits for that look and the next. A look costs more on PostgreSQL (round trips to the server for the lock, its row and the group's rows, and the server shares the same CPUs), so the runners look less often there (fewer describes a second) and capacity waits longer for the next look. The wait grows with the number of runners waiting: the median grant was ${thirds.join('; ')} (the first came while most runners waited, the last while few did). Several targets turning healthy together are granted one look at a time (see every grant above). The ledgers ran one after the other, not interleaved: the host's load was not the same for both.`, '');
  return L;
}

function scaleSection(results, v) {
  if (!v) return [];
  const s = results.ledgerScale;
  const L = ['## 11. A ledger of a million events', ''];
  L.push('Method (bench/ledger-scale.mjs, bench/lib/ledger-fill.mjs):', '');
  L.push(`- A ledger of ${s.events.toLocaleString('en')} events, written straight into its tables with one \`INSERT … SELECT\` per table after drainctl created and migrated them: ${s.instances.toLocaleString('en')} targets in ${s.groups} groups of three providers (elbv2, gcp-ig, haproxy; ${(s.events / s.groups).toLocaleString('en')} events a group, ~${s.events / s.instances} a target), in drain cycles of seven events (drain_requested … restored) spread evenly over the year before the run, with ELB-like details; one target in 33 not active (half draining under a live lease, half drained and not restored). PostgreSQL is ANALYZEd after the load, as autovacuum would have by then; SQLite has no statistics (drainctl never runs ANALYZE).`);
  L.push(`- Timed, each as a whole CLI run (\`node bin/drainctl --ledger <ledger> -o json …\`, ${s.cliRuns} runs, the commands interleaved) and as the ledger calls alone (in-process on a ledger opened for reading once, exactly the calls the command makes, ${s.queryRuns} runs after one warm-up, interleaved): \`history\` (newest ${s.limit}, its default --limit), \`history --group elbv2:web-21\`, \`history --since 24h\`, \`history elbv2:web-21/<instance>\` (a target written without its port, as people write it: the command picks the target's rows among the group's, then reads their events), and \`fleet\`. Medians.`);
  L.push('- Where a CLI run\'s time goes: `drainctl --version` (starting Node.js and drainctl), and a read command\'s ledger steps timed one by one in a process of its own (bench/ledger-open-child.mjs), both interleaved with the CLI runs. On SQLite, opening a ledger for reading with no write-ahead log beside it (a ledger no drainctl has open) copies the whole file into memory (src/ledger/read-only.ts) and checks every page (src/ledger/damage.ts: `integrity_check(instance)` and `quick_check`): those two are timed on their own as well.');
  L.push(ledgersLine(results), '');
  L.push(`### Goal: each command's query under ${LEDGER_GOALS.queryMs} ms (median) and served by indexes, on every ledger: ${bold(v.met)}`, '');
  for (const r of v.rows) {
    L.push(`#### ${r.ledger}: ${(r.bytes / 2 ** 20).toFixed(0)} MiB, written in ${s1(r.fillMs)} s (1-minute load ${r.load.before.toFixed(1)} → ${r.load.after.toFixed(1)})`, '');
    L.push('| Command | Query alone: median (ms) | p90 | Rows | Whole CLI run: median (ms) | min–max | Listed |');
    L.push('|---|---|---|---|---|---|---|');
    for (const c of r.rows) L.push(`| \`drainctl ${c.args.join(' ').replace(/i-0[0-9a-f]{16}/, '<instance>')}\` | **${ms1(c.query.median)}** | ${ms1(c.query.p90)} | ${c.rows} | ${ms0(c.cli.median)} | ${ms0(c.cli.min)}–${ms0(c.cli.max)} | ${c.cliFailures ?? c.listed} |`);
    const st = r.steps;
    const inside = st.readFileMs === undefined ? '' : ` (in it, reading the whole file into memory: ${ms0(st.readFileMs)} ms on its own; checking its pages: \`quick_check\` ${ms0(st.quickCheckMs)} ms and \`integrity_check(instance)\` ${ms0(st.integrityInstanceMs)} ms on their own)`;
    const parts = [
      `\`drainctl --version\` ${ms0(r.version.median)} ms (starting Node.js and drainctl)`,
      `then, in a process of its own (bench/ledger-open-child.mjs, medians of ${st.n}): loading the ledger code ${ms0(st.loadMs)} ms, opening the ledger for reading ${ms0(st.openMs)} ms${inside}, one \`history\` query ${ms1(st.queryMs)} ms`,
      `these add up to ${ms0(r.version.median + st.loadMs + st.openMs + st.queryMs)} ms; the fastest CLI run took ${ms0(Math.min(...r.rows.map((c) => c.cli.min)))} ms (the medians above it move with the host's load)`,
    ];
    L.push('', `Where a CLI run's time goes: ${parts.join('; ')}.`, '');
  }
  L.push(`Full-table scans in the plans: ${v.rows.map((r) => `${r.ledger} ${r.scans.length === 0 ? 'none' : r.scans.join('; ')}`).join('; ')}. In SQLite's plans \`SCAN e USING INDEX drain_event_at\` walks that index newest first and stops at the limit, and \`SCAN instance USING INDEX instance_not_active\` walks the partial index of rows not active: neither reads the table. \`USE TEMP B-TREE FOR ORDER BY\` sorts one group's events (found by index) to keep the newest ${s.limit}.`, '');
  for (const r of v.rows) {
    L.push(`<details><summary>Query plans, ${r.ledger} (${r.ledger === 'SQLite' ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)'}, the statements the ledger ran, same parameters)</summary>`, '');
    for (const [name, list] of Object.entries(r.plans)) {
      for (const st of list) {
        L.push(`\`${name}\`: \`${st.sql}\``, '', '```text', ...st.plan, '```', '');
      }
    }
    L.push('</details>', '');
  }
  const sqlite = v.rows.find((r) => r.ledger === 'SQLite');
  if (sqlite?.steps.quickCheckMs !== undefined) {
    L.push(`What it means: every query is served by indexes. Most read about as many rows as they list; \`--group\` reads more: SQLite finds the group's events through the instance index and sorts them to keep the newest ${s.limit}, PostgreSQL walks the newest events until ${s.limit} of the group turn up (the \`rows=\` of its plan), and plans a group with no events the other way round (the last PostgreSQL plan). A whole \`drainctl history\` or \`fleet\` run on the SQLite ledger is not: ${ms0(Math.min(...sqlite.rows.map((c) => c.cli.median)))}-${ms0(Math.max(...sqlite.rows.map((c) => c.cli.median)))} ms, whatever the query, because opening a ${(sqlite.bytes / 2 ** 20).toFixed(0)} MiB ledger for reading copies the file into memory and checks every page (see the breakdown above); both grow with the file, not with what is asked.`, '');
  }
  return L;
}
