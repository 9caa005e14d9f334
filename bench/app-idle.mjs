// Scale-in with app-idle evidence: how soon `drain --until app-idle` calls a target safe to stop
// when its last requests end within 2 s, behind an ELBv2 target group with a 300 s deregistration
// delay, against waiting for the load balancer (`drain` without it) in the same run.
// Run alone with `node bench/app-idle.mjs` (after `npm run build`); prints the markdown section.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { REPO, drainctlArgs, sleep } from './lib/common.mjs';
import { killAllChildren, runProcess } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';

export const APP_IDLE_REPS = 5;
const DELAY_S = 300;
/** --propagation for the app-idle runs: the emulator's target group says 30 s × 2 (AWS's defaults). */
const PROPAGATION_MS = 1000;
const QUIET = '500ms';
const ids = (n) => Array.from({ length: n }, (_, i) => `i-0a1b2c3d4e5f7${String(i).padStart(4, '0')}`);

async function startBackend() {
  const child = spawn(process.execPath, [join(REPO, 'bench', 'app-idle-backend.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  return { child, port: JSON.parse(line).port };
}

/** Requests that end within 2 s (0.5 to 2 s), started together; resolves with when the last one ended. */
async function requestsEndingWithin2s(port) {
  const ends = await Promise.all([500, 900, 1300, 1700, 2000].map((ms) => fetch(`http://127.0.0.1:${port}/work?ms=${ms}`).then(async (r) => (await r.text(), Date.now()))));
  return Math.max(...ends);
}

/** Waits (bounded) until the app reports `n` requests in flight. */
async function untilInFlight(port, n) {
  for (let i = 0; i < 200; i++) {
    const s = await (await fetch(`http://127.0.0.1:${port}/drain/status`)).json();
    if (s.in_flight.requests >= n) return;
    await sleep(10);
  }
  throw new Error('the app never had its requests in flight');
}

export async function runAppIdleBench({ reps = APP_IDLE_REPS, log = console.log } = {}) {
  const { startAwsEmulator } = await import(join(REPO, 'dist', 'emulators', 'aws', 'index.js'));
  // Two more targets than drains, so the default guard (never the last one in service) never refuses one.
  const targets = ids(reps + 3);
  const emulator = await startAwsEmulator({
    throttle: 'off',
    healthyAfterMs: 100,
    host: '127.0.0.1',
    seed: { targetGroups: [{ name: 'web', protocol: 'HTTP', port: 80, targetType: 'instance', attributes: { 'deregistration_delay.timeout_seconds': String(DELAY_S) }, targets: targets.map((id) => ({ id, port: 8080, health: 'healthy' })) }] },
  });
  const dir = mkdtempSync(join(tmpdir(), 'drainctl-app-idle-'));
  const backend = await startBackend();
  try {
    // The load balancer's own word, on a target of the same group, in the background meanwhile.
    const lbTarget = targets.at(-1);
    const lbRun = runProcess(process.execPath, drainctlArgs(emulator.url, join(dir, 'lb.db'), ['-o', 'json', 'drain', `elbv2:web/${lbTarget}`]), { timeoutMs: (DELAY_S + 120) * 1000 });
    const runs = [];
    for (let i = 0; i < reps; i++) {
      const work = requestsEndingWithin2s(backend.port);
      await untilInFlight(backend.port, 5);
      const args = ['-o', 'json', 'drain', `elbv2:web/${targets[i]}`, '--until', 'app-idle', '--app-status', `http://127.0.0.1:${backend.port}/drain/status`, '--propagation', `${PROPAGATION_MS}ms`, '--quiet-period', QUIET];
      const [lastEnd, run] = await Promise.all([work, runProcess(process.execPath, drainctlArgs(emulator.url, join(dir, `app-${i}.db`), args), { timeoutMs: 120_000 })]);
      if (run.code !== 0) throw new Error(`drain --until app-idle exited ${run.code}: ${run.stderr}`);
      const evidence = JSON.parse(run.stdout).results[0].evidence;
      if (evidence !== 'app-idle') throw new Error(`the drain ended on ${evidence ?? 'the load balancer'}'s word, not the app's`);
      // "Safe to stop" can come no sooner than the later of the last request's end and the propagation time.
      const floor = Math.max(lastEnd, run.startedAt + PROPAGATION_MS);
      runs.push({ totalMs: run.exitedAt - run.startedAt, afterLastMs: run.exitedAt - lastEnd, beyondFloorMs: run.exitedAt - floor });
      log(`  app-idle ${i + 1}/${reps}: safe to stop ${Math.round(run.exitedAt - lastEnd)} ms after the last request ended (${Math.round(run.exitedAt - floor)} ms beyond max(last request, propagation))`);
    }
    log(`  waiting for the load balancer's own drain (${DELAY_S} s delay)`);
    const lb = await lbRun;
    if (lb.code !== 0) throw new Error(`drain exited ${lb.code}: ${lb.stderr}`);
    return { delaySeconds: DELAY_S, propagationMs: PROPAGATION_MS, quiet: QUIET, runs, lbMs: lb.exitedAt - lb.startedAt };
  } finally {
    backend.child.kill('SIGKILL');
    killAllChildren();
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function appIdleFigures(r) {
  const total = median(r.runs.map((x) => x.totalMs));
  const beyond = median(r.runs.map((x) => x.beyondFloorMs));
  const worst = Math.max(...r.runs.map((x) => x.beyondFloorMs));
  return { total, beyond, worst, met: worst < 1000 };
}

/** The summary table's row. */
export function appIdleSummaryRow(r) {
  const f = appIdleFigures(r);
  return `| [Scale-in with app-idle, ${r.delaySeconds} s delay](#12-scale-in-with-app-idle-evidence) | "safe to stop" < 1 s after the last request (or the propagation time) | ${(f.total / 1000).toFixed(2)} s; ${Math.round(f.beyond)} ms after (worst ${Math.round(f.worst)} ms) | drain on the load balancer's word: ${(r.lbMs / 1000).toFixed(1)} s | ${(r.lbMs / f.total).toFixed(0)}× | ${f.met ? 'yes' : '**no**'} |`;
}

/** Section 12 of docs/benchmarks.md, as lines. */
export function appIdleSection(r) {
  return ['## 12. Scale-in with app-idle evidence', '', `Method: bench/app-idle.mjs. ${appIdleMarkdown(r)}`, ''];
}

export function appIdleMarkdown(r) {
  const total = median(r.runs.map((x) => x.totalMs));
  const beyond = median(r.runs.map((x) => x.beyondFloorMs));
  const worst = Math.max(...r.runs.map((x) => x.beyondFloorMs));
  const L = [];
  L.push(`A target group with a ${r.delaySeconds} s deregistration delay on the built-in AWS emulator, and a backend process using @drainctl/server with five requests in flight that end 0.5 to 2 s after the drain starts. \`drain --until app-idle\` (quiet period ${r.quiet}, \`--propagation ${r.propagationMs / 1000}s\`) against \`drain\` waiting for the load balancer, on another target of the same group in the same run (in the background). ${r.runs.length} app-idle drains, one after another.`, '');
  L.push('| | drainctl `--until app-idle` (median) | drainctl, load balancer\'s word | Ratio |');
  L.push('|---|---|---|---|');
  L.push(`| Time to "safe to stop" | ${(total / 1000).toFixed(2)} s | ${(r.lbMs / 1000).toFixed(1)} s | ${(r.lbMs / total).toFixed(0)}× sooner |`);
  L.push('', `After the last request ended, or the propagation time if later: median ${Math.round(beyond)} ms, worst ${Math.round(worst)} ms (goal: under 1 s; it is the quiet period, the 250 ms between reads, and the exit).`);
  L.push(`Goal met: ${worst < 1000 ? 'yes' : 'no'}.`);
  return L.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await runAppIdleBench();
  console.log(`\n${appIdleMarkdown(r)}`);
}
