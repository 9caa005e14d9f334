// Turns raw results into goal verdicts, a stdout summary and docs/benchmarks.md.
import { ratio, summarize } from './lib/stats.mjs';

export const GOALS = {
  detectionMedianMs: 1000,
  longDescribeCalls: 15,
  fleetMarginMs: 3000,
  coldStartMedianMs: 100,
};

const ms = (v) => (v === undefined ? '–' : `${Math.round(v)}`);
const s2 = (v) => (v === undefined ? '–' : (v / 1000).toFixed(2));
const x = (v) => (v === undefined ? '–' : `${v.toFixed(v >= 10 ? 0 : 1)}×`);
const verdict = (met) => (met ? 'met' : 'MISSED');

/** Verdicts and derived figures for whatever ran. */
export function analyse(results) {
  const out = {};
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
      met: version?.median !== undefined && version.median <= GOALS.coldStartMedianMs && results.coldstart.failures['drainctl --version'] === 0,
    };
  }
  return out;
}

/** A few lines for the terminal. */
export function summaryText(results, a) {
  const lines = ['', 'drainctl benchmarks', '==================='];
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
  if (a.coldstart) {
    const c = a.coldstart.sums;
    lines.push(
      `cold start (median of ${results.coldstart.runs}): drainctl --version ${ms(c['drainctl --version'].median)} ms, --help ${ms(c['drainctl --help'].median)} ms, ` +
        `aws --version ${ms(c['aws --version'].median)} ms, control node -e 0 ${ms(c['node -e 0']?.median)} ms; aws/drainctl ${x(a.coldstart.versionRatio)} — goal ≤ ${GOALS.coldStartMedianMs} ms: ${verdict(a.coldstart.met)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function actionRows(calls) {
  return Object.entries(calls.byAction)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([action, r]) => `${action} ${r.calls}${r.throttled ? ` (${r.throttled} throttled)` : ''}${r.errors ? ` (${r.errors} errors)` : ''}`)
    .join(', ');
}

/** The whole of docs/benchmarks.md. */
export function markdown(results, a) {
  const m = results.machine;
  const date = new Date(results.startedAt);
  const L = [];
  L.push('# Benchmarks', '');
  L.push('Generated by `npm run bench` (bench/run.mjs); rewrite it by running the benchmarks again, not by hand.', '');
  L.push(`- Date: ${date.toISOString().slice(0, 10)} (run started ${date.toISOString()}, took ${Math.round((results.finishedAt - results.startedAt) / 1000)} s)`);
  L.push(`- drainctl ${results.drainctlVersion} (git ${m.git ?? 'unknown'}), ${results.awsCli.version} (\`${results.awsCli.path}\`, ${results.awsCli.note})`);
  L.push(`- Machine: Node.js ${m.node}, \`nproc\` ${m.nproc}, CPU ${m.cpuModel}, ${m.memGiB} GiB RAM, ${m.os}`);
  const load = results.load ?? {};
  const la = (v) => (v === undefined ? '–' : v.toFixed(2));
  L.push(`- 1-minute load average: ${la(load.start)} at the start, ${la(load.coldStart)} when the cold-start runs began${load.quietWait?.waitedMs > 1000 ? ` (after waiting ${Math.round(load.quietWait.waitedMs / 1000)} s for it to drop below ${m.nproc}${load.quietWait.quiet ? '' : '; it did not'})` : ''}, ${la(load.end)} at the end (other processes on the host count too; on ${m.nproc} CPUs a load near or above ${m.nproc} inflates wall times, see the \`node -e 0\` control row)`);
  L.push(`- Benchmarks in this run: ${results.selection.join(', ')}`, '');

  L.push('## Summary', '');
  L.push('| Benchmark | Goal | drainctl | AWS CLI | Ratio (AWS CLI / drainctl) | Goal met |');
  L.push('|---|---|---|---|---|---|');
  if (a.detection5) {
    L.push(`| Drain detection, 5 s delay | median lag ≤ ${GOALS.detectionMedianMs} ms | ${ms(a.detection5.drainctl.median)} ms | ${ms(a.detection5.cli.median)} ms | ${x(a.detection5.lagRatio)} | ${a.detection5.met ? 'yes' : '**no**'} |`);
  }
  if (a.detection300) {
    L.push(`| Drain detection, 300 s delay | ≤ ${GOALS.longDescribeCalls} DescribeTargetHealth | ${a.detection300.drainctl.describeCalls} calls | ${a.detection300.cli.describeCalls} calls | ${x(a.detection300.callRatio)} | ${a.detection300.met ? 'yes' : '**no**'} |`);
  }
  if (a.fleet) {
    const { drainctl, cli } = results.fleet;
    L.push(`| Fleet: 200 targets, 20 groups, 10 s delay | wall ≤ ${s2(a.fleet.budgetMs)} s, 0 failed | ${s2(drainctl?.wallMs)} s, ${drainctl?.failed ?? '–'} failed | ${s2(cli?.wallMs)} s, ${cli?.failed ?? '–'} failed | ${x(a.fleet.wallRatio)} | ${a.fleet.met ? 'yes' : '**no**'} |`);
  }
  if (a.coldstart) {
    const c = a.coldstart.sums;
    L.push(`| Cold start | \`--version\` median ≤ ${GOALS.coldStartMedianMs} ms | ${ms(c['drainctl --version'].median)} ms | ${ms(c['aws --version'].median)} ms | ${x(a.coldstart.versionRatio)} | ${a.coldstart.met ? 'yes' : '**no**'} |`);
  }
  L.push('');

  L.push('## How to reproduce', '');
  L.push('```sh');
  L.push('npm ci');
  L.push('npm run bench                                # everything, 6-7 minutes; rewrites this file');
  L.push('BENCH_ONLY=detection-5s,coldstart npm run bench   # a subset; prints the summary only');
  L.push('BENCH_ONLY=fleet BENCH_WRITE_DOCS=1 npm run bench # a subset, and rewrite this file with it');
  L.push('```', '');
  L.push('- `BENCH_ONLY`: comma-separated subset of `detection` (= `detection-5s` + `detection-300s`), `detection-5s`, `detection-300s`, `fleet`, `coldstart`. Default: all.');
  L.push('- `BENCH_WRITE_DOCS=1`: rewrite docs/benchmarks.md after a subset run (a full run always rewrites it; a subset run does not, so a partial run does not replace the full tables).');
  L.push('- `BENCH_AWS=<path>`: the AWS CLI to compare with (default: `aws` on PATH; a pyenv shim is resolved to the real script so the CLI is not charged the shim\'s ~40 ms).');
  L.push('- `BENCH_JSON=<file>`: also write the raw results as JSON.');
  L.push('- Needs: a build (`npm run bench` builds first), AWS CLI v1 on PATH, bash. Only 127.0.0.1 is used; every emulator and process the run starts is stopped at the end (or on Ctrl-C).', '');

  L.push('## Method', '');
  L.push('- Both tools run in the same bench run against the built-in AWS ELB emulator (`startAwsEmulator`, throttle `aws`: AWS\'s published ELB token buckets — describe 40 burst / 10 per s, registration 20 / 4 per s, account-wide 40 / 10 per s) on 127.0.0.1.');
  L.push('- Environment for both: `AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=dummy AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true`, every other `AWS_*`/`DRAINCTL_*` variable removed. drainctl: `node bin/drainctl --endpoint-url <url> --region us-east-1 --ledger <temp file> -o json …` (a fresh ledger file per invocation); CLI: `aws --endpoint-url <url> …`.');
  L.push('- Times are wall-clock from spawning the process to its exit, measured by the bench process, which also hosts the emulator, so emulator timestamps and exit times share one clock.');
  L.push('- **Detection lag** = the tool\'s process exit time − the moment the emulator ends the drain (`emulator.drainingEndsAt(group, target, port)`, polled every 10 ms from the moment the run starts, so it is read right after DeregisterTargets is applied; the DeregisterTargets log entry\'s `at` + delay is the fallback). Negative would mean the tool reported drained before the drain ended.');
  L.push(`- Detection, 5 s delay: one emulator; each group holds the drained target and a second healthy target (so drainctl's "last healthy target" check passes without \`--force\`). drainctl: \`drainctl drain elbv2:<group>/<target>\`, ${results.detection5?.drainctl.length ?? 5} repetitions one after another, each on a fresh group. CLI: \`aws elbv2 deregister-targets\` then \`aws elbv2 wait target-deregistered\` (the waiter polls every 15 s), ${results.detection5?.cli.length ?? 3} repetitions in parallel with each other and with drainctl's, each on its own fresh group. DescribeTargetHealth calls are counted per group from the emulator's request log (drainctl's include its pre-flight read).`);
  L.push('- Detection, 300 s delay: one drain per tool on the same emulator (own groups), started at the beginning of the run and left to overlap with the other benchmarks; DescribeTargetHealth calls counted as above.');
  L.push('- Fleet: 20 target groups × 10 healthy instance targets, 10 s delay. drainctl: one `drainctl -o json drain --force <200 refs>` (`--force` because each group is drained completely) on a fresh emulator. CLI: bench/peer-fleet.sh — the sequential bash loop a person would write, `for tg in …; do aws elbv2 deregister-targets …10 targets…; aws elbv2 wait target-deregistered …; done` — on another fresh emulator with the same seed. "Failed" = targets not reported `drained` (drainctl) / commands that exited non-zero (CLI). Calls and Throttling responses come from each emulator\'s request log.');
  L.push(`- Cold start: \`node bin/drainctl --version\`, \`node bin/drainctl --help\` and \`aws --version\`, interleaved, ${results.coldstart?.warmup ?? 2} warm-up rounds then ${results.coldstart?.runs ?? 20} measured rounds, run after every other benchmark has finished (nothing else the bench started is running) and after waiting up to 60 s for the host's 1-minute load average to fall below its CPU count. \`node -e 0\` (a bare Node.js start) is measured interleaved with them as a control: drainctl cannot start faster than it, and when it is slow the host was busy.`);
  L.push('- Ratios are AWS CLI / drainctl (how many times longer, or how many more calls, the CLI needs).', '');

  if (results.detection5) {
    const d = a.detection5;
    L.push('## 1. Drain detection', '');
    L.push(`### 5 s deregistration delay — goal: drainctl notices within ${GOALS.detectionMedianMs} ms (median): ${d.met ? '**met**' : '**missed**'}`, '');
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
    if (!results.detection5) L.push('## 1. Drain detection', '');
    L.push(`### 300 s deregistration delay — goal: at most ${GOALS.longDescribeCalls} DescribeTargetHealth calls per group: ${d.met ? '**met**' : '**missed**'}`, '');
    L.push('| Tool | Outcome | DescribeTargetHealth | All calls for the group | Lag (ms) | Wall (s) |');
    L.push('|---|---|---|---|---|---|');
    for (const r of [d.drainctl, d.cli]) L.push(`| ${r.tool} | ${r.outcome} | ${r.describeCalls} | ${actionRows(r.calls)} | ${ms(r.lagMs)} | ${s2(r.wallMs)} |`);
    L.push('', `Call ratio (AWS CLI / drainctl): ${x(d.callRatio)}.`, '');
  }
  if (results.fleet) {
    const { drainctl, cli } = results.fleet;
    L.push(`## 2. Fleet — goal: wall time ≤ delay + 3 s (${s2(a.fleet.budgetMs)} s), zero failed operations: ${a.fleet.met ? '**met**' : '**missed**'}`, '');
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
    L.push(`## 3. Cold start — goal: \`drainctl --version\` median under ${GOALS.coldStartMedianMs} ms: ${c.met ? '**met**' : '**missed**'}`, '');
    L.push('| Command | n | Median (ms) | p90 | min | max | Non-zero exits |');
    L.push('|---|---|---|---|---|---|---|');
    for (const [name, s] of Object.entries(c.sums)) L.push(`| \`${name}\` | ${s.n} | ${ms(s.median)} | ${ms(s.p90)} | ${ms(s.min)} | ${ms(s.max)} | ${results.coldstart.failures[name]} |`);
    const control = c.sums['node -e 0']?.median;
    L.push('', `Ratios (medians): \`aws --version\` / \`drainctl --version\` ${x(c.versionRatio)}; \`aws --version\` / \`drainctl --help\` ${x(c.helpRatio)}. drainctl --version above a bare \`node -e 0\`: ${ms(control === undefined ? undefined : c.sums['drainctl --version'].median - control)} ms (medians).`, '');
  }
  return `${L.join('\n')}\n`;
}
