// Benchmark: time to first API call. `drainctl status` of one group on each cloud's built-in
// emulator, the three interleaved so host drift hits all alike: from the process start to the
// first request the emulator receives (the SDK or client load is most of it), and to the first
// byte drainctl writes. The goal: Google Cloud within 2x AWS.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DRAINCTL_BIN, REPO } from './lib/common.mjs';
import { toolEnv } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';

export const FIRST_CALL_RUNS = 10;
const WARMUP = 1;
/** The goal: GCP's time to first API call at most this many times AWS's. */
export const GCP_AWS_GOAL = 2;

const dist = (path) => import(pathToFileURL(join(REPO, 'dist', path)).href);

/** One emulator per cloud, each with its demo seed, and the `status` reference drainctl is asked about. */
async function startEmulators() {
  const [aws, gcp, azure] = await Promise.all([dist('emulators/aws/index.js'), dist('emulators/gcp/index.js'), dist('emulators/azure/index.js')]);
  const { DEMO_SUBSCRIPTION } = await dist('emulators/azure/demo-seed.js');
  return [
    { name: 'aws', emulator: await aws.startAwsEmulator({ seed: aws.demoSeed() }), ref: 'elbv2:web', extra: ['--region', 'us-east-1'] },
    { name: 'gcp', emulator: await gcp.startGcpEmulator({ seed: gcp.demoSeed() }), ref: 'gcp-ig:demo-project/us-central1-a/web-ig', extra: [] },
    { name: 'azure', emulator: await azure.startAzureEmulator({ seed: azure.demoSeed() }), ref: `azure-lb:${DEMO_SUBSCRIPTION}/demo-rg/demo-lb/web-pool`, extra: [] },
  ];
}

/** Runs `drainctl status <ref>` once; resolves with ms from spawn to first stdout/stderr byte and to the emulator's first request. */
function runOnce(target, ledgerPath) {
  return new Promise((resolve, reject) => {
    const before = target.emulator.requestLog.length;
    const startedAt = Date.now();
    const child = spawn('node', [DRAINCTL_BIN, '--endpoint-url', target.emulator.url, '--ledger', ledgerPath, ...target.extra, 'status', target.ref], { env: toolEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let firstOutputAt;
    let stderr = '';
    const onData = (chunk) => (firstOutputAt ??= Date.now());
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => {
      onData(chunk);
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const first = target.emulator.requestLog[before];
      if (code !== 0 || !first) return reject(new Error(`${target.name}: drainctl status exited ${code}${first ? '' : ' without calling the emulator'}: ${stderr.trim()}`));
      resolve({ firstCallMs: first.at - startedAt, firstOutputMs: firstOutputAt - startedAt });
    });
  });
}

/** Runs the three providers interleaved; returns per-provider samples and medians, and the GCP/AWS ratio of the medians. */
export async function runFirstCall({ log = (line) => process.stdout.write(`${line}\n`), runs = FIRST_CALL_RUNS } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'drainctl-first-call-'));
  const targets = await startEmulators();
  try {
    const samples = Object.fromEntries(targets.map((t) => [t.name, { firstCallMs: [], firstOutputMs: [] }]));
    for (let round = 0; round < WARMUP + runs; round++) {
      for (const target of targets) {
        const r = await runOnce(target, join(dir, `${target.name}.db`));
        if (round < WARMUP) continue;
        samples[target.name].firstCallMs.push(r.firstCallMs);
        samples[target.name].firstOutputMs.push(r.firstOutputMs);
      }
    }
    const medians = Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, { firstCallMs: median(s.firstCallMs), firstOutputMs: median(s.firstOutputMs) }]));
    const ratio = medians.gcp.firstCallMs / medians.aws.firstCallMs;
    log(`  time to first API call (median of ${runs}): ${Object.entries(medians).map(([n, m]) => `${n} ${Math.round(m.firstCallMs)} ms`).join(', ')}; gcp/aws ${ratio.toFixed(2)} (goal <= ${GCP_AWS_GOAL}: ${ratio <= GCP_AWS_GOAL ? 'yes' : 'no'})`);
    log(`  time to first output (median of ${runs}): ${Object.entries(medians).map(([n, m]) => `${n} ${Math.round(m.firstOutputMs)} ms`).join(', ')}`);
    return { runs, warmup: WARMUP, samples, medians, gcpAwsRatio: ratio, goal: GCP_AWS_GOAL };
  } finally {
    await Promise.all(targets.map((t) => t.emulator.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run on its own: `node bench/first-call.mjs` (after `npx tsc`).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const runs = Number(process.env.FIRST_CALL_RUNS ?? FIRST_CALL_RUNS);
  const result = await runFirstCall({ runs });
  process.stdout.write(`${JSON.stringify(result.medians)}\n`);
}
