// The @drainctl/server benchmark as markdown: verdicts, summary rows for docs/benchmarks.md and its section.
import { meanCi, median } from './lib/stats.mjs';

export const SERVER_GOALS = {
  /** drainctl's median req/s at least this share of the bare server's. */
  throughputShareOfBare: 0.98,
  /** drainctl's median time from the last response's end to the process's exit, strictly under this. */
  drainToExitMedianMs: 10,
};

const PEERS = ['terminus', 'http-terminator', 'lightship', 'stoppable'];
/** Missing figures (no sample, a ratio of missing figures) print as a dash. */
const missing = (v) => v === undefined || !Number.isFinite(v);
const int = (v) => (missing(v) ? '–' : `${Math.round(v)}`);
const one = (v) => (missing(v) ? '–' : v.toFixed(1));
const two = (v) => (missing(v) ? '–' : v.toFixed(2));
const ratioText = (v) => (missing(v) ? '–' : `${v.toFixed(3)}×`);
const timesText = (v) => (missing(v) ? '–' : `${v.toFixed(v >= 10 ? 0 : 1)}×`);
/** A same-round ratio with its interval: `0.872× (0.804–0.945)`. */
const intervalText = (r) => {
  if (missing(r.ratio)) return '–';
  return missing(r.low) ? `${r.ratio.toFixed(3)}×` : `${r.ratio.toFixed(3)}× (${r.low.toFixed(3)}–${r.high.toFixed(3)})`;
};
const pctText = (v) => (missing(v) ? '–' : `${v >= 0 ? '+' : '−'}${Math.abs(100 * v).toFixed(1)} %`);
const yes = (met) => (met ? 'yes' : '**no**');
const bold = (met) => (met ? '**met**' : '**missed**');

/**
 * Same-round comparison of two contenders on one measure: the geometric mean of a's sample over b's sample
 * in each round, with its 95 % interval (t on the log ratios). Pairing by round cancels what the rest of the
 * host did meanwhile, which on a shared machine moves every sample far more than the libraries do.
 */
export function pairedRatio(overhead, a, b, measure) {
  const bs = overhead.summary[b].samples;
  const logs = overhead.summary[a].samples.map((s, i) => Math.log(s[measure] / bs[i][measure]));
  const ci = meanCi(logs);
  return { n: ci.n, ratio: Math.exp(ci.mean), low: ci.low === undefined ? undefined : Math.exp(ci.low), high: ci.high === undefined ? undefined : Math.exp(ci.high) };
}

/** Verdicts and derived figures. */
export function analyseServer(results) {
  const { overhead, drain } = results;
  const o = overhead.summary;
  const d = drain.summary;
  const rps = pairedRatio(overhead, 'drainctl', 'bare', 'rps');
  const cpu = pairedRatio(overhead, 'drainctl', 'bare', 'cpuUsPerRequest');
  const exitMedian = d.drainctl.exitMs.median;
  const goal = SERVER_GOALS.throughputShareOfBare;
  return {
    rps,
    cpu,
    overheadMet: rps.ratio >= goal && o.drainctl.errors === 0 && o.drainctl.badResponses === 0,
    /** Whether this run can tell: the whole interval on one side of the goal. */
    overheadResolved: rps.low >= goal || rps.high < goal,
    exitMedian,
    aboveFloor: exitMedian - d.floor.exitMs.median,
    drainMet: exitMedian !== undefined && exitMedian < SERVER_GOALS.drainToExitMedianMs && d.drainctl.ok === d.drainctl.runs.length,
  };
}

/** Rows for the Summary table of docs/benchmarks.md (same columns: benchmark, goal, drainctl, peer, ratio, met). */
export function serverSummaryRows(results, a, anchor = '#drainctlserver-against-its-peers') {
  const o = results.overhead.summary;
  const d = results.drain.summary;
  const fastestPeer = PEERS.filter((p) => d[p].exitMs.median !== undefined).sort((x, y) => d[x].exitMs.median - d[y].exitMs.median)[0];
  return [
    `| [@drainctl/server overhead](${anchor}) | req/s ≥ ${SERVER_GOALS.throughputShareOfBare * 100} % of the bare server's (same-round ratio) | ${int(o.drainctl.rps)} req/s, ${one(o.drainctl.cpuUsPerRequest)} µs CPU/request (medians) | bare node:http: ${int(o.bare.rps)} req/s, ${one(o.bare.cpuUsPerRequest)} µs | req/s ${intervalText(a.rps)} of bare; CPU/request ${intervalText(a.cpu)} | ${yes(a.overheadMet)} |`,
    `| [@drainctl/server drain to exit](${anchor}) | median < ${SERVER_GOALS.drainToExitMedianMs} ms from the last response to exit | ${one(a.exitMedian)} ms (Node's own exit: ${one(d.floor.exitMs.median)} ms) | ${fastestPeer}: ${one(d[fastestPeer].exitMs.median)} ms; lightship ${int(d.lightship.exitMs.median)} ms | ${timesText(d[fastestPeer].exitMs.median / a.exitMedian)} | ${yes(a.drainMet)} |`,
  ];
}

function overheadTable(results, a) {
  const { overhead } = results;
  const o = overhead.summary;
  const L = [
    '| Server | req/s (median) | Server CPU per request, µs (median) | req/s ÷ bare, same round (95 % CI) | CPU per request ÷ bare, same round (95 % CI) | drainctl ÷ this, req/s | drainctl ÷ this, CPU per request | Server CPU busy (median) | Errors |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const name of overhead.contenders) {
    const s = o[name];
    const label = name === 'drainctl' ? '**@drainctl/server**' : name === 'bare' ? 'bare node:http' : name;
    const vsBare = (measure) => (name === 'bare' ? '–' : intervalText(pairedRatio(overhead, name, 'bare', measure)));
    const vsDrainctl = (measure) => (name === 'drainctl' ? '–' : intervalText(pairedRatio(overhead, 'drainctl', name, measure)));
    L.push(`| ${label} | ${int(s.rps)} | ${one(s.cpuUsPerRequest)} | ${vsBare('rps')} | ${vsBare('cpuUsPerRequest')} | ${vsDrainctl('rps')} | ${vsDrainctl('cpuUsPerRequest')} | ${Math.round(100 * s.serverBusy)} % | ${s.errors + s.badResponses} |`);
  }
  const goal = SERVER_GOALS.throughputShareOfBare;
  L.push(
    '',
    `@drainctl/server: req/s ${intervalText(a.rps)} the bare server's (goal ≥ ${goal}×), CPU per request ${intervalText(a.cpu)}. ${a.overheadResolved ? `The whole interval lies ${a.rps.low >= goal ? 'above' : 'below'} the goal.` : 'The interval straddles the goal: this run cannot tell.'}`,
    '',
  );
  return L;
}

const EXIT_HOW = {
  floor: 'process.exit() in the response\'s finish handler',
  bare: 'server.close() callback, then process.exit(0)',
  drainctl: 'the library exits (its SIGTERM handler)',
  terminus: 'terminus re-raises SIGTERM',
  'http-terminator': 'terminate() resolves, then process.exit(0)',
  lightship: 'none: lightship\'s 1 s fallback process.exit(1)',
  stoppable: 'stop() callback, then process.exit(0)',
};

function drainTable(results) {
  const { drain } = results;
  const d = drain.summary;
  const L = [
    '| Server | How the process ends | Exit | n | Last response → exit, median (ms) | p90 | min | max | In the server: response sent → server \'close\' (median, ms) | → process \'exit\' event | Above the floor (medians, ms) | this ÷ drainctl (medians) | Failed |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const name of drain.contenders) {
    const s = d[name];
    const label = name === 'drainctl' ? '**@drainctl/server**' : name === 'bare' ? 'bare node:http (reference)' : name === 'floor' ? 'floor (reference)' : name;
    const vs = name === 'drainctl' ? '–' : timesText(s.exitMs.median / d.drainctl.exitMs.median);
    L.push(`| ${label} | ${EXIT_HOW[name] ?? ''} | ${s.exits.join(', ') || '–'} | ${s.ok} | ${one(s.exitMs.median)} | ${one(s.exitMs.p90)} | ${one(s.exitMs.min)} | ${one(s.exitMs.max)} | ${one(s.closedMs.median)} | ${one(s.exitEventMs.median)} | ${name === 'floor' ? '–' : one(s.exitMs.median - d.floor.exitMs.median)} | ${vs} | ${s.problems.length} |`);
  }
  const problems = drain.contenders.flatMap((name) => d[name].problems.map((p) => `- ${name}: ${p}`));
  if (problems.length > 0) L.push('', 'Failed repetitions:', '', ...problems);
  L.push('');
  return L;
}

/** Lines for the run's stdout summary. */
export function serverSummaryLines(results, a) {
  const d = results.drain.summary;
  return [
    `@drainctl/server overhead: req/s ${intervalText(a.rps)} the bare server's, CPU per request ${intervalText(a.cpu)} — goal ≥ ${SERVER_GOALS.throughputShareOfBare}×: ${a.overheadMet ? 'met' : 'MISSED'}${a.overheadResolved ? '' : ' (not resolved by this run)'}`,
    `@drainctl/server drain to exit: median ${one(a.exitMedian)} ms (floor ${one(d.floor.exitMs.median)} ms, terminus ${one(d.terminus.exitMs.median)}, http-terminator ${one(d['http-terminator'].exitMs.median)}, stoppable ${one(d.stoppable.exitMs.median)}, lightship ${int(d.lightship.exitMs.median)}) — goal < ${SERVER_GOALS.drainToExitMedianMs} ms: ${a.drainMet ? 'met' : 'MISSED'}`,
  ];
}

/** The section, as lines; `heading` lets docs/benchmarks.md number it. */
export function serverSection(results, a = analyseServer(results), heading = '## @drainctl/server against its peers') {
  const { overhead, drain, machine, versions } = results;
  const L = [heading, ''];
  L.push(
    `Run ${new Date(results.startedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC, took ${Math.round(results.ms / 1000)} s; Node.js ${machine.node}, \`nproc\` ${machine.nproc}, ${machine.cpuModel}, ${machine.os}; 1-minute load ${two(results.load.before)} before, ${two(results.load.after)} after (other work on the host included).`,
    '',
    `Versions: @drainctl/server ${versions.drainctl} (packages/server/dist, git ${versions.git}); @godaddy/terminus ${versions.terminus}; http-terminator ${versions['http-terminator']}; lightship ${versions.lightship}; stoppable ${versions.stoppable}.`,
    '',
    'Method (bench/server.mjs and bench/server-*.mjs):',
    '',
    '- Every server is the same hello-world node:http server (`200`, `content-length: 11`, `hello world`) in its own child process on 127.0.0.1 (bench/server-child.mjs), bare or with one library wired as its README shows: @drainctl/server `createDrainer(server, { shutdownDelay: 0 })` with its default SIGTERM/SIGINT handling and exit; terminus `createTerminus(server, { signals: [\'SIGTERM\'], healthChecks: { \'/health\': … } })` (timeout 1000 ms, its default; no `beforeShutdown` sleep); http-terminator `createHttpTerminator({ server })` (gracefulTerminationTimeout 1000 ms, its default), with `SIGTERM → terminate() → process.exit(0)` since it handles no signal; lightship `createLightship({ detectKubernetes: false, port: 0, shutdownDelay: 0 })` and the README\'s `registerShutdownHandler(() => server.close())` (`detectKubernetes: false` because outside Kubernetes lightship installs no signal handler; `shutdownDelay` 0 instead of its 5000 ms default; its own probe listener binds 0.0.0.0, it has no host option); stoppable `stoppable(server)` (grace: its default, Infinity) with `SIGTERM → server.stop() → process.exit(0)`. No fixed wait anywhere: every library\'s delay is 0, and force deadlines stay at their defaults (they cap a drain, they do not lengthen one that ends on its own).',
    `- lightship ${versions.lightship.split(' ')[0]} as published has no dist/ (its package.json points at ./dist/index.js; the tarball holds src/*.ts only), so \`import \'lightship\'\` fails; the bench transpiles the shipped src/ with TypeScript into a temporary folder that links the dependencies npm installed for it (bench/server-lightship.mjs). 7.2.0 is the last 7.x with dist/; 8 and later need Node 22.`,
    `- **Overhead**: one load generator process (bench/server-load.mjs): ${overhead.connections} keep-alive connections over node:net, one request at a time on each, responses parsed by Content-Length — far cheaper per request than an HTTP client library, so that on a quiet host the server (one thread) is the bottleneck. All six servers stay up for the whole run; a warm-up of ${overhead.warmupRounds} × ${overhead.warmupMs / 1000} s each, then ${overhead.rounds} rounds of ${overhead.durationMs / 1000} s per server, every round in a fresh random order. req/s = responses completed in the window ÷ its length; CPU per request = the server process\'s \`process.cpuUsage()\` (user + system) across the window ÷ those responses. "Server CPU busy" is the server\'s CPU time over the wall time: near 100 % the server had a core to itself and was the bottleneck; well below, other work on the host (or the load generator, starved in turn) held it back. Because that other work moves every sample far more than any library does, ratios are **same-round**: in each round, a server\'s sample over the other\'s, then the geometric mean over the rounds with its 95 % confidence interval (t distribution on the log ratios). Short samples in many rounds keep the two samples of a pair seconds apart. The goal is judged on drainctl\'s same-round req/s ratio to the bare server.`,
    `- **Drain to exit**: a fresh server child per repetition holds one request (\`GET /slow\`, keep-alive agent) open; the parent sends SIGTERM, waits ${drain.settleMs[0]}-${drain.settleMs[1]} ms (at random, so the wait cannot fall in step with a polling interval), then tells the child over IPC to answer. **Last response → exit** = when the child\'s \'exit\' event reached the parent − when the response body ended at the client (both \`process.hrtime\` in the parent). In the child (same monotonic clock): from the response\'s \'finish\' to the server\'s \'close\' event and to the process\'s \'exit\' event (none when the process dies by a signal). ${drain.reps} rounds, every contender once per round in random order; the bare server only in the first ${drain.fewer.bare ?? drain.reps} (it waits out Node\'s keep-alive timeout, about 6 s, every time). Two references: **bare** (Node alone: \`server.close()\`) and **floor**: \`process.exit()\` called in the held response\'s \'finish\' handler — no drain logic at all, so its figure is what merely ending a Node process and noticing it costs on this machine.`,
    '',
    `### Overhead — goal: at least ${SERVER_GOALS.throughputShareOfBare * 100} % of the bare server's req/s: ${bold(a.overheadMet)}`,
    '',
    ...overheadTable(results, a),
    `### Drain to exit — goal: median under ${SERVER_GOALS.drainToExitMedianMs} ms from the last response to exit: ${bold(a.drainMet)}`,
    '',
    ...drainTable(results),
  );
  return L;
}
