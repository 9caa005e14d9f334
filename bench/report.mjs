// Turns raw results into goal verdicts, a stdout summary and docs/benchmarks.md.
import { meanCi, ratio, summarize } from './lib/stats.mjs';
import { analyseLedger, ledgerSections, ledgerSummaryLines, ledgerSummaryRows } from './report-ledger.mjs';
import { appIdleSection, appIdleSummaryRow } from './app-idle.mjs';
import { analyseHook, hookSection, hookSummaryRows } from './hook-report.mjs';
import { analyseServer, serverSection, serverSummaryLines, serverSummaryRows } from './server-report.mjs';

export const GOALS = {
  detectionMedianMs: 1000,
  longDescribeCalls: 15,
  fleetMarginMs: 3000,
  /** `drainctl --version` median strictly under this. */
  coldStartMedianMs: 100,
  /** GCP and Azure: wall time at most the drain timeout plus this. */
  cloudMarginMs: 5000,
  /** p99: drainctl's throughput at least this many times the pipeline's, at every size. */
  p99Speedup: 2,
  /** p99: drainctl's p99 within this relative difference of the pipeline's exact one, at every size. */
  p99RelativeError: 0.01,
  /** p99: "memory flat": peak RSS at the full size at most this much above the quarter size's. */
  p99RssGrowth: 0.1,
  /** HAProxy: the core's detection lag median strictly under this, every workload. */
  haproxyLagMedianMs: 250,
  /** Time to first API call: Google Cloud's median at most this many times AWS's. */
  firstCallGcpAwsRatio: 2,
};

const ms = (v) => (v === undefined || v === null || Number.isNaN(v) ? '–' : `${Math.round(v)}`);
const s2 = (v) => (v === undefined ? '–' : (v / 1000).toFixed(2));
const x = (v) => (v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(v >= 10 ? 0 : 1)}×`);
const pct = (v, d = 2) => (v === undefined ? '–' : `${(100 * v).toFixed(d)} %`);
const mib = (v) => (v === undefined ? '–' : v.toFixed(1));
const sp = (v, d = 1) => (v === undefined ? '–' : `${v >= 0 ? '+' : '−'}${Math.abs(100 * v).toFixed(d)} %`);
/** A change with its 95 % interval: `−3.1 % (−9.0 to +2.8 %)`. */
const change = (ci) => (ci.mean === undefined ? '–' : `${sp(ci.mean)}${ci.low === undefined ? '' : ` (${sp(ci.low)} to ${sp(ci.high)})`}`);
const la = (v) => (v === undefined ? '–' : v.toFixed(2));
const verdict = (met) => (met ? 'met' : 'MISSED');
const yes = (met) => (met ? 'yes' : '**no**');
const bold = (met) => (met ? '**met**' : '**missed**');

/** Verdicts and derived figures for whatever ran. */
export function analyse(results) {
  const out = {};
  if (results.server) out.server = analyseServer(results.server);
  if (results.hook || results.hookDiscovery) out.hook = analyseHook(results.hook, results.hookDiscovery);
  if (results.detection5) {
    const { drainctl, cli } = results.detection5;
    const lags = (runs) => runs.map((r) => r.lagMs).filter((v) => v !== undefined);
    const d = summarize(lags(drainctl));
    const c = summarize(lags(cli));
    const dCalls = summarize(drainctl.map((r) => r.describeCalls));
    const cCalls = summarize(cli.map((r) => r.describeCalls));
    const allOk = drainctl.every((r) => r.ok) && cli.every((r) => r.ok);
    const early = drainctl.filter((r) => r.lagMs !== undefined && r.lagMs < 0).length;
    out.detection5 = {
      drainctl: d, cli: c, drainctlCalls: dCalls, cliCalls: cCalls, allOk, early,
      lagRatio: ratio(c.median, d.median),
      met: d.median !== undefined && d.median <= GOALS.detectionMedianMs && drainctl.every((r) => r.ok) && early === 0,
    };
  }
  if (results.detection300) {
    const { drainctl, cli } = results.detection300;
    out.detection300 = {
      drainctl, cli,
      callRatio: ratio(cli.describeCalls, drainctl.describeCalls),
      met: drainctl.ok && drainctl.describeCalls <= GOALS.longDescribeCalls,
    };
  }
  if (results.fleet) {
    const { drainctl, cli } = results.fleet;
    const budget = results.fleet.delaySeconds * 1000 + GOALS.fleetMarginMs;
    out.fleet = {
      budgetMs: budget,
      wallRatio: ratio(cli?.wallMs, drainctl?.wallMs),
      met: drainctl !== undefined && drainctl.wallMs <= budget && drainctl.failed === 0 && drainctl.exitCode === 0,
    };
  }
  if (results.coldstart) {
    const sums = Object.fromEntries(Object.entries(results.coldstart.samples).map(([k, v]) => [k, summarize(v)]));
    const version = sums['drainctl --version'];
    out.coldstart = {
      sums,
      versionRatio: ratio(sums['aws --version']?.median, version?.median),
      helpRatio: ratio(sums['aws --version']?.median, sums['drainctl --help']?.median),
      met: version?.median !== undefined && version.median < GOALS.coldStartMedianMs && results.coldstart.failures['drainctl --version'] === 0,
    };
  }
  if (results.firstCall) {
    const sums = Object.fromEntries(Object.entries(results.firstCall.samples).map(([k, v]) => [k, { call: summarize(v.firstCallMs), output: summarize(v.firstOutputMs) }]));
    const gcpAws = ratio(sums.gcp?.call.median, sums.aws?.call.median);
    out.firstCall = { sums, gcpAws, met: gcpAws !== undefined && gcpAws <= GOALS.firstCallGcpAwsRatio };
  }
  if (results.gcp) {
    const g = results.gcp;
    const budgetMs = 10_000 + GOALS.cloudMarginMs;
    const oneCallPerGroup = g.removeCalls === g.groups && g.groupsWithOneRemoval === g.groups;
    const inTime = g.wallMs <= budgetMs;
    const allDrained = g.failed === 0 && g.exitCode === 0;
    out.gcp = { budgetMs, oneCallPerGroup, inTime, allDrained, callRatio: ratio(g.targets, g.removeCalls), met: oneCallPerGroup && inTime && allDrained };
  }
  if (results.azure) {
    const a = results.azure;
    const budgetMs = 10_000 + GOALS.cloudMarginMs;
    const onePutPerGateway = a.putCalls === a.gateways && a.gatewaysWithOnePut === a.gateways;
    const inTime = a.wallMs <= budgetMs;
    const allDrained = a.failed === 0 && a.exitCode === 0;
    out.azure = { budgetMs, onePutPerGateway, inTime, allDrained, callRatio: ratio(a.targets, a.putCalls), met: onePutPerGateway && inTime && allDrained };
  }
  if (results.p99) {
    const sizes = results.p99.sizes;
    const [small, large] = sizes;
    const fastEnough = sizes.every((s) => s.speedup >= GOALS.p99Speedup);
    const accurate = sizes.every((s) => s.p99RelativeDifference <= GOALS.p99RelativeError);
    const rssGrowth = small && large ? (large.drainctl.maxRssMiB - small.drainctl.maxRssMiB) / small.drainctl.maxRssMiB : undefined;
    const flat = rssGrowth !== undefined && rssGrowth <= GOALS.p99RssGrowth;
    const fullSize = results.p99.largestMb >= 1024;
    out.p99 = { fastEnough, accurate, rssGrowth, flat, fullSize, met: fastEnough && accurate && flat };
  }
  if (results.haproxy) {
    const rows = results.haproxy.results.map((r) => {
      const pairs = r.rpsPairs ?? [];
      // Paired differences (during − before, req/s), as a share of the mean rate before.
      const base = pairs.reduce((n, [before]) => n + before, 0) / Math.max(1, pairs.length);
      const diff = meanCi(pairs.map(([before, during]) => during - before));
      const rel = (v) => (v === undefined || base === 0 ? undefined : v / base);
      const ci = { n: diff.n, mean: rel(diff.mean), low: rel(diff.low), high: rel(diff.high) };
      // A dip is measurable when the whole 95 % interval of the change lies below zero.
      const dip = ci.high !== undefined && ci.high < 0;
      return { ...r, ci, dip, allDrained: r.drained === r.repetitions };
    });
    const core = rows.filter((r) => r.arm === 'core');
    const fastEnough = core.length > 0 && core.every((r) => r.lagMs.median !== undefined && r.lagMs.median < GOALS.haproxyLagMedianMs);
    const noDip = core.length > 0 && core.every((r) => r.ci.high !== undefined && !r.dip);
    const allDrained = core.every((r) => r.allDrained);
    out.haproxy = { rows, fastEnough, noDip, allDrained, met: fastEnough && noDip && allDrained };
  }
  return { ...out, ...analyseLedger(results) };
}

/** A few lines for the terminal. */
export function summaryText(results, a) {
  const lines = ['', 'drainctl benchmarks', '==================='];
  if (a.server) lines.push(...serverSummaryLines(results.server, a.server));
  if (a.detection5) {
    const d = a.detection5;
    lines.push(
      `detection (5 s delay): drainctl median lag ${ms(d.drainctl.median)} ms (n=${d.drainctl.n}), aws cli ${ms(d.cli.median)} ms (n=${d.cli.n}); ` +
        `aws/drainctl ${x(d.lagRatio)}; describe calls ${d.drainctlCalls.median} vs ${d.cliCalls.median} — goal ≤ ${GOALS.detectionMedianMs} ms: ${verdict(d.met)}`,
    );
  }
  if (a.detection300) {
    const d = a.detection300;
    lines.push(
      `detection (300 s delay): DescribeTargetHealth drainctl ${d.drainctl.describeCalls}, aws cli ${d.cli.describeCalls} (aws/drainctl ${x(d.callRatio)}); ` +
        `lag ${ms(d.drainctl.lagMs)} vs ${ms(d.cli.lagMs)} ms — goal ≤ ${GOALS.longDescribeCalls} calls: ${verdict(d.met)}`,
    );
  }
  if (a.fleet) {
    const { drainctl, cli } = results.fleet;
    lines.push(
      `fleet (200 targets, 20 groups, 10 s): drainctl ${s2(drainctl?.wallMs)} s (${drainctl?.failed ?? '–'} failed, ${drainctl?.calls.total ?? '–'} calls, ${drainctl?.calls.throttled ?? '–'} throttled), ` +
        `aws cli loop ${s2(cli?.wallMs)} s (${cli?.failed ?? '–'} failed, ${cli?.calls.total ?? '–'} calls); aws/drainctl ${x(a.fleet.wallRatio)} — goal ≤ ${s2(a.fleet.budgetMs)} s, 0 failed: ${verdict(a.fleet.met)}`,
    );
  }
  if (a.gcp) {
    const g = results.gcp;
    lines.push(
      `gcp (100 VMs, 10 instance groups, 10 s): ${s2(g.wallMs)} s, ${g.drained}/${g.targets} drained, ${g.removeCalls} removeInstances (one call per VM would be ${g.targets}), ${g.calls.total} calls (${g.calls.throttled} throttled) — ` +
        `goal 1 removeInstances per group, ≤ ${s2(a.gcp.budgetMs)} s: ${verdict(a.gcp.met)}`,
    );
  }
  if (a.azure) {
    const z = results.azure;
    lines.push(
      `azure (100 addresses, 10 pools, 5 gateways, 10 s): ${s2(z.wallMs)} s, ${z.drained}/${z.targets} drained, ${z.putCalls} gateway PUTs (one per address would be ${z.targets}), ${z.calls.total} calls (${z.calls.throttled} throttled) — ` +
        `goal 1 PUT per gateway, ≤ ${s2(a.azure.budgetMs)} s: ${verdict(a.azure.met)}`,
    );
  }
  if (a.p99) {
    for (const s of results.p99.sizes) {
      lines.push(
        `p99 (${s.sizeMb} MiB ALB log): drainctl ${s.drainctl.mbPerS.toFixed(0)} MB/s, ${mib(s.drainctl.maxRssMiB)} MiB peak; awk|sort ${s.pipeline.mbPerS.toFixed(0)} MB/s, ${mib(s.pipeline.maxRssMiB)} MiB peak; ${x(s.speedup)}; p99 differs by ${pct(s.p99RelativeDifference)}`,
      );
    }
    lines.push(`p99 goal (≥ ${GOALS.p99Speedup}× throughput, memory flat, ≤ ${pct(GOALS.p99RelativeError, 0)} error): ${verdict(a.p99.met)}${a.p99.fullSize ? '' : ` (BENCH_P99_MB=${results.p99.largestMb}: a quick run, not the 1 GiB the goal is stated for)`}`);
  }
  if (a.haproxy) {
    for (const r of a.haproxy.rows) {
      lines.push(
        `haproxy [${r.arm}, ${r.workload}]: lag median ${ms(r.lagMs.median)} ms (p90 ${ms(r.lagMs.p90)}), ${r.rpsBefore} req/s before vs ${r.rpsDuring} during (change ${change(r.ci)}, 95 % CI), ${r.drained}/${r.repetitions} drained, ${r.failedRequests} failed requests`,
      );
    }
    lines.push(`haproxy goal (core: median lag < ${GOALS.haproxyLagMedianMs} ms, no measurable req/s dip): ${verdict(a.haproxy.met)}`);
  }
  if (a.coldstart) {
    const c = a.coldstart.sums;
    lines.push(
      `cold start (median of ${results.coldstart.runs}): drainctl --version ${ms(c['drainctl --version'].median)} ms, --help ${ms(c['drainctl --help'].median)} ms, ` +
        `aws --version ${ms(c['aws --version'].median)} ms, control node -e 0 ${ms(c['node -e 0']?.median)} ms; aws/drainctl ${x(a.coldstart.versionRatio)} — goal < ${GOALS.coldStartMedianMs} ms: ${verdict(a.coldstart.met)}`,
    );
  }
  if (a.firstCall) {
    const s = a.firstCall.sums;
    lines.push(`time to first API call (median of ${results.firstCall.runs}): ${Object.entries(s).map(([n, v]) => `${n} ${ms(v.call.median)} ms`).join(', ')}; gcp/aws ${x(a.firstCall.gcpAws)} — goal ≤ ${GOALS.firstCallGcpAwsRatio}×: ${verdict(a.firstCall.met)}`);
  }
  lines.push(...ledgerSummaryLines(results, a));
  // The hook's lines are its summary rows without the table's pipes.
  if (a.hook) lines.push(...hookSummaryRows(results, a.hook).map((row) => row.replace(/^\| |\s\|$/g, '').replace(/\[([^\]]+)\]\([^)]+\)/, '$1').replaceAll(' | ', ' — ')));
  return `${lines.join('\n')}\n`;
}

/** `Action n (k throttled) (k refused)`, sorted by action. */
function actionRows(calls, refusedLabel = 'errors') {
  return Object.entries(calls.byAction)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([action, r]) => `${action} ${r.calls}${r.throttled ? ` (${r.throttled} throttled)` : ''}${r.errors ? ` (${r.errors} ${refusedLabel})` : ''}`)
    .join(', ');
}

/** One table row per action: calls, 2xx, throttled, other refusals. */
function actionTable(L, calls) {
  L.push('| API method | Calls | Answered 2xx | Throttled | Other refusals |');
  L.push('|---|---|---|---|---|');
  for (const [action, r] of Object.entries(calls.byAction).sort(([a], [b]) => a.localeCompare(b))) L.push(`| \`${action}\` | ${r.calls} | ${r.ok} | ${r.throttled} | ${r.errors} |`);
  L.push(`| **total** | **${calls.total}** | ${calls.total - calls.throttled - calls.errors} | ${calls.throttled} | ${calls.errors} |`);
}

const PHASE_NAMES = {
  'detection-5s': 'Drain detection, 5 s delay',
  'detection-300s': 'Drain detection, 300 s delay (in the background)',
  fleet: 'Fleet (drainctl, then the AWS CLI loop)',
  gcp: 'Google Cloud, 100 VMs',
  azure: 'Azure, 100 addresses',
  p99: 'p99 of an ALB log',
  haproxy: 'HAProxy drains under load',
  coldstart: 'Cold start',
  'first-call': 'Time to first API call',
  guard: 'Capacity guard overhead',
  contention: 'Fifty runners, one group',
  'ledger-scale': 'A ledger of a million events',
  'app-idle': 'Scale-in with app-idle evidence',
  'hook-discovery': 'Hook discovery, 500 target groups',
  hook: 'Lifecycle hook: latency, app-idle, throughput',
  server: '@drainctl/server against its peers',
};

/** The whole of docs/benchmarks.md. */
export function markdown(results, a) {
  const m = results.machine;
  const date = new Date(results.startedAt);
  const L = [];
  const ran = (key) => results.selection.includes(key);
  L.push('# Benchmarks', '');
  L.push('Generated by `npm run bench` (bench/run.mjs, bench/report.mjs) from one run; rewrite it by running the benchmarks again, not by hand.', '');
  L.push(`- Date: ${date.toISOString().slice(0, 10)} (run started ${date.toISOString()}, took ${Math.round((results.finishedAt - results.startedAt) / 1000)} s)`);
  L.push(`- drainctl ${results.drainctlVersion} (git ${m.git ?? 'unknown'})`);
  const peers = [];
  if (['detection-5s', 'detection-300s', 'fleet', 'coldstart'].some(ran)) peers.push(`${results.awsCli.version} (\`${results.awsCli.path}\`, ${results.awsCli.note})`);
  if (results.p99) peers.push(`${results.p99.machine.awk} and ${results.p99.machine.sort} (locale ${results.p99.machine.locale})`);
  if (results.haproxy) peers.push(`HAProxy ${results.haproxy.haproxy}`);
  if (peers.length) L.push(`- Peers: ${peers.join('; ')}`);
  L.push(`- Machine: Node.js ${m.node}, \`nproc\` ${m.nproc}, CPU ${m.cpuModel}, ${m.memGiB} GiB RAM, ${m.os}`);
  L.push(`- Benchmarks in this run: ${results.selection.join(', ')}`, '');
  L.push(`1-minute load average (\`/proc/loadavg\`; other processes on the host count too — on ${m.nproc} CPUs a load near or above ${m.nproc} inflates wall times):`, '');
  L.push('| Benchmark | Load before | Load after | Took (s) |');
  L.push('|---|---|---|---|');
  L.push(`| (start of the run) | ${la(results.load.start)} | | |`);
  for (const p of results.phases ?? []) L.push(`| ${PHASE_NAMES[p.name] ?? p.name} | ${la(p.loadBefore)} | ${la(p.loadAfter)} | ${p.ms === undefined ? '–' : Math.round(p.ms / 1000)} |`);
  L.push(`| (end of the run) | | ${la(results.load.end)} | |`);
  const qw = results.load.quietWait;
  if (qw) L.push('', `Before the cold-start runs the bench waited ${Math.round(qw.waitedMs / 1000)} s for the load to drop below ${m.nproc}${qw.quiet ? '' : ' (it did not)'}; it was ${la(results.load.coldStart)} when they began.`);
  L.push('');

  // ---------------------------------------------------------------------------------------------
  L.push('## Summary', '');
  L.push('| Benchmark | Goal | drainctl | Peer or reference | Ratio | Goal met |');
  L.push('|---|---|---|---|---|---|');
  if (a.detection5) {
    L.push(`| [Drain detection, 5 s delay](#1-drain-detection-aws-elb) | median lag ≤ ${GOALS.detectionMedianMs} ms | ${ms(a.detection5.drainctl.median)} ms | AWS CLI waiter: ${ms(a.detection5.cli.median)} ms | ${x(a.detection5.lagRatio)} | ${yes(a.detection5.met)} |`);
  }
  if (a.detection300) {
    L.push(`| [Drain detection, 300 s delay](#1-drain-detection-aws-elb) | ≤ ${GOALS.longDescribeCalls} DescribeTargetHealth | ${a.detection300.drainctl.describeCalls} calls | AWS CLI waiter: ${a.detection300.cli.describeCalls} calls | ${x(a.detection300.callRatio)} | ${yes(a.detection300.met)} |`);
  }
  if (a.fleet) {
    const { drainctl, cli } = results.fleet;
    L.push(`| [Fleet: 200 targets, 20 groups, 10 s delay](#2-fleet-aws-elb) | wall ≤ ${s2(a.fleet.budgetMs)} s, 0 failed | ${s2(drainctl?.wallMs)} s, ${drainctl?.failed ?? '–'} failed | AWS CLI loop: ${s2(cli?.wallMs)} s, ${cli?.failed ?? '–'} failed | ${x(a.fleet.wallRatio)} | ${yes(a.fleet.met)} |`);
  }
  if (a.coldstart) {
    const c = a.coldstart.sums;
    L.push(`| [Cold start](#3-cold-start) | \`--version\` median < ${GOALS.coldStartMedianMs} ms | ${ms(c['drainctl --version'].median)} ms | \`aws --version\`: ${ms(c['aws --version'].median)} ms | ${x(a.coldstart.versionRatio)} | ${yes(a.coldstart.met)} |`);
  }
  if (a.firstCall) L.push(firstCallSummaryRow(a.firstCall));
  if (a.gcp) {
    const g = results.gcp;
    L.push(`| [Google Cloud: 100 VMs, 10 instance groups, 10 s](#4-google-cloud-100-vms-in-10-instance-groups) | 1 \`removeInstances\` per group (10), wall ≤ ${s2(a.gcp.budgetMs)} s | ${g.removeCalls} calls, ${s2(g.wallMs)} s, ${g.failed} failed | one call per VM: ${g.targets} calls | ${x(a.gcp.callRatio)} fewer calls | ${yes(a.gcp.met)} |`);
  }
  if (a.azure) {
    const z = results.azure;
    L.push(`| [Azure: 100 addresses, 10 pools, 5 gateways, 10 s](#5-azure-100-addresses-in-10-pools-on-5-application-gateways) | 1 gateway PUT per gateway (5), wall ≤ ${s2(a.azure.budgetMs)} s | ${z.putCalls} PUTs, ${s2(z.wallMs)} s, ${z.failed} failed | one PUT per address: ${z.targets} PUTs | ${x(a.azure.callRatio)} fewer PUTs | ${yes(a.azure.met)} |`);
  }
  if (a.p99) {
    const large = results.p99.sizes[results.p99.sizes.length - 1];
    L.push(`| [p99 of a ${large.sizeMb} MiB ALB log](#6-p99-of-an-alb-access-log) | ≥ ${GOALS.p99Speedup}× the pipeline's throughput, memory flat, ≤ ${pct(GOALS.p99RelativeError, 0)} error | ${large.drainctl.mbPerS.toFixed(0)} MB/s, ${mib(large.drainctl.maxRssMiB)} MiB (${sp(a.p99.rssGrowth)} vs the ¼-size log), error ${pct(large.p99RelativeDifference)} | awk \\| sort: ${large.pipeline.mbPerS.toFixed(0)} MB/s, ${mib(large.pipeline.maxRssMiB)} MiB | ${x(large.speedup)} | ${yes(a.p99.met)}${a.p99.fullSize ? '' : ' (quick run)'} |`);
  }
  if (a.haproxy) {
    for (const r of a.haproxy.rows.filter((row) => row.arm === 'core')) {
      L.push(`| [HAProxy drain under load, 10 % ${r.workload}](#7-haproxy-drains-under-load) | median detection lag < ${GOALS.haproxyLagMedianMs} ms, no measurable req/s dip | lag ${ms(r.lagMs.median)} ms; ${r.rpsDuring} req/s during drains | HAProxy ${r.rpsBefore} req/s just before | req/s change during drains ${change(r.ci)} (95 % CI) | ${yes(r.lagMs.median < GOALS.haproxyLagMedianMs && !r.dip && r.ci.high !== undefined && r.allDrained)} |`);
    }
  }
  L.push(...ledgerSummaryRows(results, a));
  if (results.appIdle) L.push(appIdleSummaryRow(results.appIdle));
  if (a.server) L.push(...serverSummaryRows(results.server, a.server, '#13-drainctlserver-against-its-peers'));
  if (a.hook) L.push(...hookSummaryRows(results, a.hook));
  L.push('');

  // ---------------------------------------------------------------------------------------------
  L.push('## How to reproduce', '');
  L.push('```sh');
  L.push('npm ci');
  L.push('npm run bench                                    # everything (about 10 minutes, 5 of them the AWS CLI fleet loop); rewrites this file');
  L.push('BENCH_ONLY=gcp,azure npm run bench               # a subset; prints the summary only');
  L.push('BENCH_ONLY=p99 BENCH_P99_MB=64 npm run bench     # a quick p99 run on a 64 MiB log');
  L.push('BENCH_ONLY=fleet BENCH_WRITE_DOCS=1 npm run bench # a subset, and rewrite this file with it');
  L.push('```', '');
  L.push('- `BENCH_ONLY`: comma-separated subset of `detection-5s`, `detection-300s`, `fleet`, `gcp`, `azure`, `p99`, `haproxy`, `guard`, `contention`, `ledger-scale`, `coldstart`, `first-call`, or the groups `detection` (both detection cases), `cloud` (`gcp` + `azure`) and `ledger` (`guard` + `contention` + `ledger-scale`, about 6 minutes on 2 CPUs). Default: all. They run in that order; the 300 s detection drain runs in the background from the start until it ends.');
  L.push('- `BENCH_WRITE_DOCS=1`: rewrite docs/benchmarks.md after a subset run (a full run always rewrites it; a subset run does not, so a partial run does not replace the full tables).');
  L.push('- `BENCH_P99_MB=<MiB>`: size of the larger p99 log (default 1024 = 1 GiB; the smaller is a quarter of it; at least 4). `BENCH_P99_ROUNDS` (default 3): measured rounds per arm and size.');
  L.push('- `BENCH_HAPROXY_REPS` (default 10): drains per arm and workload in the HAProxy benchmark.');
  L.push('- `BENCH_AWS=<path>`: the AWS CLI to compare with (default: `aws` on PATH; a pyenv shim is resolved to the real script so the CLI is not charged the shim\'s ~40 ms).');
  L.push('- `BENCH_JSON=<file>`: also write the raw results as JSON.');
  L.push('- Needs: a build (`npm run bench` builds first); for the ELB benchmarks AWS CLI v1 on PATH and bash; for p99 GNU time (`/usr/bin/time`), awk and sort, and `BENCH_P99_MB` + 64 MiB free in `$TMPDIR`; for HAProxy `haproxy` on PATH; for the ledger benchmarks, once the build has a PostgreSQL ledger, PostgreSQL\'s server programs (`initdb`, `postgres`; Debian: `apt-get install postgresql`, which also creates the `postgres` user they run as under root). Missing tools are reported before anything runs.');
  L.push('- Only 127.0.0.1 is used. Every emulator, HAProxy, PostgreSQL server, backend and child process the run starts is stopped at the end (or on Ctrl-C), and the temporary files are deleted.', '');

  L.push('## Method common to all', '');
  L.push('- Every emulator is drainctl\'s own (src/emulators), started in the bench process on 127.0.0.1, with a fresh one per benchmark arm; API calls are counted from its request log. drainctl runs as `node bin/drainctl --endpoint-url <url> --ledger <fresh temp file> -o json …`.');
  L.push('- Environment of every tool: the caller\'s, with every `AWS_*`, `DRAINCTL_*`, `GOOGLE_*`, `CLOUDSDK_*` and `AZURE_*` variable removed, then `AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=dummy AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true`. Over `http://` drainctl sends no credentials to the GCP and Azure emulators.');
  L.push('- Times are wall-clock from spawning a process to its exit, measured by the bench process, which also hosts the emulators, so emulator timestamps and exit times share one clock.');
  L.push('- Ratios are peer / drainctl (how many times longer, or how many more calls, the peer needs), except p99 (drainctl\'s throughput / the pipeline\'s); for HAProxy the change in req/s during drains is given instead.', '');

  // ---------------------------------------------------------------------------------------------
  if (results.detection5 || results.detection300) {
    L.push('## 1. Drain detection (AWS ELB)', '');
    L.push('Method:', '');
    L.push('- The AWS ELB emulator (`startAwsEmulator`, throttle `aws`: AWS\'s published ELB token buckets — describe 40 burst / 10 per s, registration 20 / 4 per s, account-wide 40 / 10 per s). Peer: the AWS CLI, `aws --endpoint-url <url> …`.');
    L.push('- **Detection lag** = the tool\'s process exit time − the moment the emulator ends the drain (`emulator.drainingEndsAt(group, target, port)`, polled every 10 ms from the moment the run starts, so it is read right after DeregisterTargets is applied; the DeregisterTargets log entry\'s `at` + delay is the fallback). Negative would mean the tool reported drained before the drain ended.');
    L.push(`- 5 s delay: one emulator; each group holds the drained target and a second healthy target (so drainctl's "last healthy target" check passes without \`--force\`). drainctl: \`drainctl drain elbv2:<group>/<target>\`, ${results.detection5?.drainctl.length ?? 5} repetitions one after another, each on a fresh group. AWS CLI: \`aws elbv2 deregister-targets\` then \`aws elbv2 wait target-deregistered\` (the waiter polls every 15 s), ${results.detection5?.cli.length ?? 3} repetitions in parallel with each other and with drainctl's, each on its own fresh group. DescribeTargetHealth calls are counted per group from the request log (drainctl's include its pre-flight read).`);
    L.push('- 300 s delay: one drain per tool on the same emulator (own groups), started at the beginning of the run and left to overlap with the benchmarks that follow; DescribeTargetHealth calls counted as above.', '');
  }
  if (results.detection5) {
    const d = a.detection5;
    L.push(`### 5 s deregistration delay — goal: drainctl notices within ${GOALS.detectionMedianMs} ms (median): ${bold(d.met)}`, '');
    L.push('| Tool | n | Lag median (ms) | p90 | min | max | DescribeTargetHealth per drain (median, min–max) | Wall per drain (median, s) |');
    L.push('|---|---|---|---|---|---|---|---|');
    const wall = (runs) => summarize(runs.map((r) => r.wallMs)).median;
    L.push(`| drainctl | ${d.drainctl.n} | ${ms(d.drainctl.median)} | ${ms(d.drainctl.p90)} | ${ms(d.drainctl.min)} | ${ms(d.drainctl.max)} | ${d.drainctlCalls.median} (${d.drainctlCalls.min}–${d.drainctlCalls.max}) | ${s2(wall(results.detection5.drainctl))} |`);
    L.push(`| AWS CLI waiter | ${d.cli.n} | ${ms(d.cli.median)} | ${ms(d.cli.p90)} | ${ms(d.cli.min)} | ${ms(d.cli.max)} | ${d.cliCalls.median} (${d.cliCalls.min}–${d.cliCalls.max}) | ${s2(wall(results.detection5.cli))} |`);
    L.push('', `Lag ratio (AWS CLI / drainctl, medians): ${x(d.lagRatio)}.`, '');
    L.push('<details><summary>Every run</summary>', '');
    L.push('| Tool | Group | Outcome | Lag (ms) | DescribeTargetHealth | All calls for the group | Drain end from |');
    L.push('|---|---|---|---|---|---|---|');
    for (const r of [...results.detection5.drainctl, ...results.detection5.cli]) {
      L.push(`| ${r.tool} | ${r.group} | ${r.outcome} | ${ms(r.lagMs)} | ${r.describeCalls} | ${actionRows(r.calls)} | ${r.endsAtSource} |`);
    }
    L.push('', '</details>', '');
    if (!d.allOk) L.push(`Failed runs: ${[...results.detection5.drainctl, ...results.detection5.cli].filter((r) => !r.ok).map((r) => `${r.tool} ${r.group}: ${r.outcome} ${r.stderr}`).join('; ')}`, '');
  }
  if (results.detection300) {
    const d = a.detection300;
    L.push(`### 300 s deregistration delay — goal: at most ${GOALS.longDescribeCalls} DescribeTargetHealth calls per group: ${bold(d.met)}`, '');
    L.push('| Tool | Outcome | DescribeTargetHealth | All calls for the group | Lag (ms) | Wall (s) |');
    L.push('|---|---|---|---|---|---|');
    for (const r of [d.drainctl, d.cli]) L.push(`| ${r.tool} | ${r.outcome} | ${r.describeCalls} | ${actionRows(r.calls)} | ${ms(r.lagMs)} | ${s2(r.wallMs)} |`);
    L.push('', `Call ratio (AWS CLI / drainctl): ${x(d.callRatio)}.`, '');
  }

  if (results.fleet) {
    const { drainctl, cli } = results.fleet;
    L.push('## 2. Fleet (AWS ELB)', '');
    L.push('Method: 20 target groups × 10 healthy instance targets, 10 s deregistration delay, the ELB emulator with AWS-rate throttling as above. drainctl: one `drainctl -o json drain --force <200 refs>` (`--force` because each group is drained completely) on a fresh emulator. AWS CLI: bench/peer-fleet.sh — the sequential bash loop a person would write, `for tg in …; do aws elbv2 deregister-targets …10 targets…; aws elbv2 wait target-deregistered …; done` — on another fresh emulator with the same seed. "Failed" = targets not reported `drained` (drainctl) / commands that exited non-zero (AWS CLI). Calls and Throttling responses come from each emulator\'s request log; a throttled call that was retried is not a failed operation.', '');
    L.push(`### Goal: wall time ≤ delay + 3 s (${s2(a.fleet.budgetMs)} s), zero failed operations: ${bold(a.fleet.met)}`, '');
    L.push('| Tool | Wall (s) | Exit | Failed | Targets deregistered (emulator) | API calls | Throttling responses | Calls by action | Exit − last drain end (ms) |');
    L.push('|---|---|---|---|---|---|---|---|---|');
    for (const r of [drainctl, cli].filter(Boolean)) {
      L.push(`| ${r.tool === 'drainctl' ? 'drainctl (one invocation)' : 'AWS CLI (sequential loop)'} | ${s2(r.wallMs)} | ${r.exitCode} | ${r.failed} | ${r.targetsDeregistered} | ${r.calls.total} | ${r.calls.throttled} | ${actionRows(r.calls)} | ${ms(r.tailMs)} |`);
    }
    L.push('', `Wall-time ratio (AWS CLI / drainctl): ${x(a.fleet.wallRatio)}.`);
    if (drainctl) {
      L.push(`drainctl outcomes: ${JSON.stringify(drainctl.outcomes)}; first API call ${ms(drainctl.startupMs)} ms after spawn; last DeregisterTargets ${ms(drainctl.lastDeregisterAfterMs)} ms after spawn.`);
      if (drainctl.error || drainctl.exitCode !== 0) L.push(`drainctl error: ${drainctl.error ?? ''} ${drainctl.stderr}`);
    }
    L.push('');
  }

  if (results.coldstart) {
    const c = a.coldstart;
    L.push('## 3. Cold start', '');
    L.push(`Method: \`node bin/drainctl --version\`, \`node bin/drainctl --help\` and \`aws --version\`, interleaved, ${results.coldstart.warmup} warm-up rounds then ${results.coldstart.runs} measured rounds, run last, after every other benchmark has finished (nothing else the bench started is running) and after waiting up to 60 s for the host's 1-minute load average to fall below its CPU count. \`node -e 0\` (a bare Node.js start) is measured interleaved with them as a control: drainctl cannot start faster than it, and when it is slow the host was busy.`, '');
    L.push(`### Goal: \`drainctl --version\` median under ${GOALS.coldStartMedianMs} ms: ${bold(c.met)}`, '');
    L.push('| Command | n | Median (ms) | p90 | min | max | Non-zero exits |');
    L.push('|---|---|---|---|---|---|---|');
    for (const [name, s] of Object.entries(c.sums)) L.push(`| \`${name}\` | ${s.n} | ${ms(s.median)} | ${ms(s.p90)} | ${ms(s.min)} | ${ms(s.max)} | ${results.coldstart.failures[name]} |`);
    const control = c.sums['node -e 0']?.median;
    L.push('', `Ratios (medians): \`aws --version\` / \`drainctl --version\` ${x(c.versionRatio)}; \`aws --version\` / \`drainctl --help\` ${x(c.helpRatio)}. drainctl --version above a bare \`node -e 0\`: ${ms(control === undefined ? undefined : c.sums['drainctl --version'].median - control)} ms (medians).`, '');
  }

  if (results.gcp) {
    const g = results.gcp;
    const v = a.gcp;
    L.push('## 4. Google Cloud: 100 VMs in 10 instance groups', '');
    L.push('Method:', '');
    L.push('- The Compute Engine emulator (`startGcpEmulator`) with its defaults: 5 ms latency per request, no other faults, Compute Engine\'s rate quotas (1,500 reads and 1,500 writes a minute per project), operations DONE 200 ms after they are created, seeded VMs healthy.');
    L.push('- Seed (bench/cloud.mjs `gcpSeed`): project `drainctl-bench`; 10 unmanaged instance groups `bench-ig-01`…`10` spread over `us-central1-a`, `-b`, `-c`, each with 10 RUNNING VMs; all ten are backends of one global backend service `bench-bs` (EXTERNAL_MANAGED, HTTP, UTILIZATION, `connectionDraining.drainingTimeoutSec` 10).');
    L.push(`- One invocation: \`drainctl --project drainctl-bench -o json drain --force gcp-ig:drainctl-bench/<zone>/<group>/<vm> ×100\`. \`--force\` because each group is drained of every member, which the last-healthy-target check refuses otherwise.`);
    L.push('- No third-party peer drives this emulator; the reference is what one `removeInstances` call per VM (e.g. a `gcloud compute instance-groups unmanaged remove-instances` per VM) would cost: 100 calls.', '');
    L.push(`### Goal: one \`instanceGroups.removeInstances\` per group (10 in all) and wall time ≤ drain timeout + 5 s (${s2(v.budgetMs)} s): ${bold(v.met)}`, '');
    L.push('| Wall (s) | Exit | Outcomes | removeInstances (groups with exactly one) | Reference: one call per VM | API calls | Throttled | First API call after spawn (ms) | Last removal after spawn (ms) | Exit − last drain end (ms) |');
    L.push('|---|---|---|---|---|---|---|---|---|---|');
    L.push(`| ${s2(g.wallMs)} | ${g.exitCode} | ${JSON.stringify(g.outcomes)} | ${g.removeCalls} (${g.groupsWithOneRemoval} of ${g.groups}) | ${g.targets} (${x(v.callRatio)} more) | ${g.calls.total} | ${g.calls.throttled} | ${ms(g.firstCallAfterMs)} | ${ms(g.lastRemovalAfterMs)} | ${ms(g.exitAfterLastDrainEndMs)} |`);
    L.push('', `Verdicts: one removal per group ${yes(v.oneCallPerGroup)}; within ${s2(v.budgetMs)} s ${yes(v.inTime)}; all ${g.targets} drained, exit 0 ${yes(v.allDrained)}.`, '');
    L.push('API calls by method (from the emulator\'s request log; `instanceGroupManagers.get` answers 404 for an unmanaged group, which is how drainctl tells it is not a MIG):', '');
    actionTable(L, g.calls);
    L.push('');
    if (g.error || g.exitCode !== 0) L.push(`drainctl error: ${g.error ?? ''} ${g.stderr}`, '');
  }

  if (results.azure) {
    const z = results.azure;
    const v = a.azure;
    L.push('## 5. Azure: 100 addresses in 10 pools on 5 Application Gateways', '');
    L.push('Method:', '');
    L.push('- The ARM emulator (`startAzureEmulator`) with its defaults: 1 ms latency per request, no other faults, ARM\'s subscription token buckets (reads 250 / 25 per s, writes 200 / 10 per s), asynchronous operations InProgress for 200 ms, every address healthy (`Up`).');
    L.push('- Seed (bench/cloud.mjs `azureSeed`): subscription `00000000-0000-0000-0000-0000000000b1`, resource group `bench-rg`, gateways `bench-agw-1`…`5` (Standard_v2). Each has pools `pool-a` and `pool-b` of 10 IP addresses, and per pool its own backend settings (`http-a`, `http-b`, `connectionDraining` enabled, 10 s), listener (ports 80, 8080) and basic request routing rule, so each pool\'s drain timeout is 10 s.');
    L.push('- One invocation: `drainctl --subscription <id> -o json drain --force azure-agw:<subscription>/bench-rg/<gateway>/<pool>/<address> ×100`. `--force` because each pool is drained of every address.');
    L.push('- No third-party peer drives this emulator; the reference is what one read-modify-write per address (e.g. an `az network application-gateway address-pool update` per address) would cost: 100 gateway PUTs, each a whole-gateway write that must wait for the previous one\'s operation.', '');
    L.push(`### Goal: one read-modify-write per gateway (5 gateway PUTs) and wall time ≤ drain timeout + 5 s (${s2(v.budgetMs)} s): ${bold(v.met)}`, '');
    L.push('| Wall (s) | Exit | Outcomes | Gateway PUTs (gateways with exactly one) | Reference: one PUT per address | API calls | Throttled | First API call after spawn (ms) | Last PUT after spawn (ms) | Exit − last drain end (ms) |');
    L.push('|---|---|---|---|---|---|---|---|---|---|');
    L.push(`| ${s2(z.wallMs)} | ${z.exitCode} | ${JSON.stringify(z.outcomes)} | ${z.putCalls} (${z.gatewaysWithOnePut} of ${z.gateways}) | ${z.targets} (${x(v.callRatio)} more) | ${z.calls.total} | ${z.calls.throttled} | ${ms(z.firstCallAfterMs)} | ${ms(z.lastPutAfterMs)} | ${ms(z.exitAfterLastDrainEndMs)} |`);
    L.push('', `Verdicts: one PUT per gateway ${yes(v.onePutPerGateway)}; within ${s2(v.budgetMs)} s ${yes(v.inTime)}; all ${z.targets} drained, exit 0 ${yes(v.allDrained)}. "Last drain end" = the last PUT + its 200 ms operation + 10 s.`, '');
    L.push('API calls by method (`applicationGateways.createOrUpdate` is the gateway PUT; `operations.get` polls its operation; `applicationGateways.backendHealth` starts a health report whose result `operationResults.get` polls):', '');
    actionTable(L, z.calls);
    L.push('');
    if (z.error || z.exitCode !== 0) L.push(`drainctl error: ${z.error ?? ''} ${z.stderr}`, '');
  }

  if (results.p99) {
    const p = results.p99;
    const v = a.p99;
    L.push('## 6. p99 of an ALB access log', '');
    L.push('Method:', '');
    L.push(`- Two synthetic ALB access logs (bench/p99-generate.mjs, seed 42: the AWS documentation's field layout; target times log-normal around 40 ms with 1 % of requests 5-200× slower; 0.1 % of lines with \`-1\`) of ${p.sizes.map((s) => `${s.sizeMb} MiB`).join(' and ')}${v.fullSize ? '' : ` — **shrunk by BENCH_P99_MB=${p.largestMb}; the goal is stated for 1 GiB**`}, read once beforehand so both arms start from the page cache.`);
    L.push('- drainctl: its streaming reader (`readLatencyLog` from dist/latency/reader.js, the code behind `drainctl timeout recommend --from-log <file> --format alb`) in a child process of its own (bench/p99-child.mjs).');
    L.push(`- Peer: the pipeline a person would write, \`${p.pipelineCommand ?? "awk '$6>=0 && $7>=0 && $8>=0 {print $6+$7+$8}' <file> | sort -n | awk '{a[NR]=$1} END {i=int(NR*0.99); if (i<1) i=1; print a[i]}'"}\` — the exact p99 of the same samples.`);
    L.push(`- Each arm runs under GNU \`time -v\`: throughput = file bytes / wall time of the whole process (start-up included), peak RSS = its largest process's maximum resident set. ${p.rounds} round${p.rounds === 1 ? '' : 's'} per size, the arms interleaved with alternating order; medians. "Memory flat" = drainctl's peak RSS at the larger size at most ${pct(GOALS.p99RssGrowth, 0)} above the smaller one's. Error = |drainctl p99 − pipeline p99| / pipeline p99.`, '');
    L.push(`### Goal: ≥ ${GOALS.p99Speedup}× the pipeline's throughput, memory flat as the file grows, ≤ ${pct(GOALS.p99RelativeError, 0)} relative error at p99: ${bold(v.met)}${v.fullSize ? '' : ' (quick run)'}`, '');
    L.push('| Log | Lines | drainctl MB/s (in-process) | awk \\| sort MB/s | Ratio | drainctl peak RSS (MiB) | awk \\| sort peak RSS (MiB) | drainctl p99 (s) | Exact p99 (s) | Error |');
    L.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const s of p.sizes) {
      L.push(`| ${s.sizeMb} MiB | ${s.lines} | ${s.drainctl.mbPerS.toFixed(0)} (${s.drainctl.inProcessMbPerS.toFixed(0)}) | ${s.pipeline.mbPerS.toFixed(0)} | ${x(s.speedup)} | ${mib(s.drainctl.maxRssMiB)} | ${mib(s.pipeline.maxRssMiB)} | ${s.drainctl.p99.toFixed(4)} | ${s.pipeline.p99} | ${pct(s.p99RelativeDifference)} |`);
    }
    L.push('', `Peak RSS from the smaller to the larger log: drainctl ${p.rssGrowth.drainctlMiB >= 0 ? '+' : '−'}${mib(Math.abs(p.rssGrowth.drainctlMiB))} MiB (${sp(v.rssGrowth)}), pipeline ${p.rssGrowth.pipelineMiB >= 0 ? '+' : '−'}${mib(Math.abs(p.rssGrowth.pipelineMiB))} MiB. Verdicts: ≥ ${GOALS.p99Speedup}× at every size ${yes(v.fastEnough)}; memory flat ${yes(v.flat)}; error ≤ ${pct(GOALS.p99RelativeError, 0)} at every size ${yes(v.accurate)}. (MB/s here is MiB per second.)`, '');
  }

  if (results.haproxy) {
    const h = results.haproxy;
    const v = a.haproxy;
    L.push('## 7. HAProxy drains under load', '');
    L.push('Method:', '');
    L.push(`- A lab on 127.0.0.1 (bench/haproxy-lab.mjs): HAProxy ${h.haproxy} in front of three Node.js backends (round robin, keep-alive, health checks every 200 ms), its runtime API on a loopback port, and a closed-loop load generator in the bench process: ${h.concurrency} keep-alive clients each sending one request after another, 90 % answered at once and 10 % slow (streamed over a uniform ${h.workloads.map((w) => `${w.slowMs[0]}-${w.slowMs[1]}`).join(' or ')} ms).`);
    L.push(`- ${h.repetitions} drain${h.repetitions === 1 ? '' : 's'} per arm and workload, one backend at a time in turn; after each, the backend is restored (\`restoreTargets\`) and the load runs 1 s before the next drain.`);
    L.push('- Arm `core` (drainctl): `drainTargets` from dist/ with the HAProxy provider — what `drainctl drain haproxy:…` runs, on the core\'s own poll schedule. Arm `poll-250` (a reference, not drainctl): the same provider\'s drain, then `describe` every 250 ms.');
    L.push('- Reading a throughput change: both arms take the same backend out of rotation and differ only in how they poll. A change that both arms show comes from the drain itself (one backend fewer for new requests under this closed-loop load), not from drainctl\'s polling; only a change the `core` arm shows and `poll-250` does not would point at drainctl.');
    L.push('- **Detection lag** = when the drain is reported drained − when the drained backend finished its last response (recorded by the backend itself; health checks excluded).');
    L.push('- **Throughput**: completed requests per second through HAProxy during each drain (drain call to drained) against the same length of time just before it. The table gives both rates (weighted by drain duration) and the change: the mean of the per-drain differences (during − before) as a share of the mean rate before, with its 95 % confidence interval (paired t). A dip counts as **measurable** when the whole interval lies below zero; the interval\'s width is how large a dip this run could have missed.', '');
    L.push(`### Goal (arm \`core\`): median detection lag under ${GOALS.haproxyLagMedianMs} ms and no measurable req/s dip, in every workload: ${bold(v.met)}`, '');
    L.push('| Arm | Slow requests | Drains completed | Lag median (ms) | p90 | min | max | Drain duration median (ms) | req/s just before | req/s during | Change during drains: mean (95 % CI) | Dip measurable | Failed requests |');
    L.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of v.rows) {
      L.push(`| ${r.arm === 'core' ? '`core` (drainctl)' : '`poll-250` (reference)'} | 10 % ${r.workload.replace(/^slow /, '')} | ${r.drained}/${r.repetitions} | ${ms(r.lagMs.median)} | ${ms(r.lagMs.p90)} | ${ms(r.lagMs.min)} | ${ms(r.lagMs.max)} | ${ms(r.drainMs.median)} | ${r.rpsBefore} | ${r.rpsDuring} | ${change(r.ci)} | ${r.ci.high === undefined ? '–' : r.dip ? '**yes**' : 'no'} | ${r.failedRequests} |`);
    }
    L.push('', `Verdicts for \`core\`: median lag < ${GOALS.haproxyLagMedianMs} ms ${yes(v.fastEnough)}; no measurable dip ${yes(v.noDip)}; every drain completed ${yes(v.allDrained)}.`, '');
    L.push('<details><summary>Every drain: req/s just before → during</summary>', '');
    for (const r of v.rows) L.push(`- ${r.arm}, ${r.workload}: ${(r.rpsPairs ?? []).map(([b, d]) => `${Math.round(b)} → ${Math.round(d)}`).join(', ')}`);
    L.push('', '</details>', '');
  }
  if (results.firstCall) L.push(...firstCallSection(results.firstCall, a.firstCall));
  L.push(...ledgerSections(results, a));
  if (results.appIdle) L.push(...appIdleSection(results.appIdle));
  if (a.server) L.push(...serverSection(results.server, a.server, '## 13. @drainctl/server against its peers'));
  if (a.hook) L.push(...hookSection(results, a.hook, new Date(results.startedAt).toISOString().slice(0, 10)));
  return `${L.join('\n')}\n`;
}

/** The summary table's row for the time-to-first-API-call benchmark. */
export function firstCallSummaryRow(f) {
  return `| [Time to first API call](#8-time-to-first-api-call) | Google Cloud ≤ ${GOALS.firstCallGcpAwsRatio}× AWS (medians) | GCP ${ms(f.sums.gcp?.call.median)} ms | AWS ${ms(f.sums.aws?.call.median)} ms, Azure ${ms(f.sums.azure?.call.median)} ms | ${x(f.gcpAws)} | ${yes(f.met)} |`;
}

/** Section 8 of docs/benchmarks.md, as lines. */
export function firstCallSection(raw, f) {
  const L = ['## 8. Time to first API call', ''];
  L.push(`Method (bench/first-call.mjs): \`drainctl status\` of one group on each cloud's built-in emulator with its demo seed (\`elbv2:web\`, \`gcp-ig:demo-project/us-central1-a/web-ig\`, \`azure-lb:…/demo-rg/demo-lb/web-pool\`), the three interleaved, ${raw.warmup} warm-up round then ${raw.runs} measured rounds. Time to first API call: from just before the process is spawned to the arrival time of the first request in the emulator's log (both read from the same wall clock). Time to first output: to the first byte drainctl writes on stdout or stderr.`, '');
  L.push(`### Goal: Google Cloud's median at most ${GOALS.firstCallGcpAwsRatio}× AWS's: ${bold(f.met)}`, '');
  L.push('| Provider | n | First API call, median (ms) | p90 | min | max | First output, median (ms) |');
  L.push('|---|---|---|---|---|---|---|');
  for (const [name, s] of Object.entries(f.sums)) L.push(`| ${name} | ${s.call.n} | ${ms(s.call.median)} | ${ms(s.call.p90)} | ${ms(s.call.min)} | ${ms(s.call.max)} | ${ms(s.output.median)} |`);
  L.push('', `GCP / AWS (medians): ${x(f.gcpAws)}.`, '');
  return L;
}
