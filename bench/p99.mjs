// p99 of a generated ALB access log: drainctl's streaming reader (../dist/latency/reader.js) against
// the pipeline a person would write (awk pulls and sums the three times, sort -n, pick the 99th
// percentile line), on the same file in the same run. Throughput in MB/s (file bytes / wall time
// of the whole process) and peak RSS (GNU time -v), at two sizes to show memory stays flat.
//
//   npm run build && node bench/p99.mjs
//   BENCH_P99_MB=1024 (largest size, MiB; the other is a quarter)   BENCH_P99_ROUNDS=3
//
// Part of `npm run bench` (BENCH_ONLY=p99), which puts the figures in docs/benchmarks.md. Run alone,
// it prints them and saves .bench-tmp/p99-results.json. The logs are written to a temporary
// directory and deleted as soon as each size is measured.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from './lib/common.mjs';
import { killAllChildren, runProcess } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';
import { generateAlbLog } from './p99-generate.mjs';

const MB = 1 << 20;
const TIMEOUT_MS = 15 * 60_000;

/** The largest size (MiB) from BENCH_P99_MB, default 1024 (1 GiB); the other size is a quarter of it. */
export function p99Settings(env = process.env) {
  const largestMb = Number(env.BENCH_P99_MB ?? 1024);
  const rounds = Number(env.BENCH_P99_ROUNDS ?? 3);
  if (!(largestMb >= 4) || !(rounds >= 1 && rounds <= 20)) throw new Error('BENCH_P99_MB must be ≥ 4 and BENCH_P99_ROUNDS 1-20');
  return { largestMb, rounds, sizesMb: [Math.max(1, Math.round(largestMb / 4)), largestMb] };
}

/** The pipeline a person would write; awk is whatever `awk` is here (mawk on Debian). */
function pipeline(file) {
  return `awk '$6>=0 && $7>=0 && $8>=0 {print $6+$7+$8}' '${file}' | sort -n | awk '{a[NR]=$1} END {i=int(NR*0.99); if (i<1) i=1; print a[i]}'`;
}

/** Runs a command under GNU time -v: wall ms, peak RSS (KiB, of the largest process), stdout. */
async function timed(command, args) {
  const run = await runProcess('/usr/bin/time', ['-v', command, ...args], { env: { ...process.env }, cwd: REPO, timeoutMs: TIMEOUT_MS });
  if (run.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${run.code}): ${run.stderr.slice(-500)}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr);
  return { wallMs: run.wallMs, maxRssKiB: rss ? Number(rss[1]) : undefined, stdout: run.stdout.trim() };
}

/** Reads a file once so both arms start from the page cache. */
function warm(file) {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(8 * MB);
  try {
    while (readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}

function tool(cmd) {
  try {
    return execFileSync('bash', ['-c', cmd], { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    return 'unknown';
  }
}

/**
 * Both arms at both sizes, interleaved. The logs go to a temporary directory under `tmpDir` (or a
 * new one) and are deleted as soon as each size is done. Returns the raw figures.
 */
export async function runP99({ largestMb, rounds, sizesMb, tmpDir, log }) {
  if (!existsSync(join(REPO, 'dist', 'latency', 'reader.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time (GNU time) is needed to measure peak RSS of the pipeline');
  const dir = mkdtempSync(join(tmpDir ?? tmpdir(), 'drainctl-p99-'));
  const results = {
    startedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, awk: tool('awk -W version 2>&1 || awk --version'), sort: tool('sort --version'), locale: process.env.LC_ALL ?? process.env.LANG ?? 'unset' },
    largestMb,
    rounds,
    pipelineCommand: pipeline('<file>'),
    load: { start: loadavg()[0] },
    sizes: [],
  };
  try {
    for (const sizeMb of sizesMb) {
      const file = join(dir, `alb-${sizeMb}.log`);
      const t0 = Date.now();
      const generated = generateAlbLog(file, sizeMb * MB, 42);
      log(`  p99: generated ${sizeMb} MiB (${generated.lines} lines) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      warm(file);
      const drainctl = [];
      const shell = [];
      for (let round = 0; round < rounds; round++) {
        // Interleaved, alternating which arm goes first.
        const arms = [
          async () => {
            const run = await timed(process.execPath, [join(REPO, 'bench', 'p99-child.mjs'), file, 'alb']);
            drainctl.push({ ...run, ...JSON.parse(run.stdout) });
          },
          async () => shell.push(await timed('sh', ['-c', pipeline(file)])),
        ];
        if (round % 2 === 1) arms.reverse();
        for (const arm of arms) await arm();
      }
      const mbps = (runs) => median(runs.map((r) => generated.bytes / MB / (r.wallMs / 1000)));
      const row = {
        sizeMb,
        bytes: generated.bytes,
        lines: generated.lines,
        drainctl: { mbPerS: mbps(drainctl), wallMs: median(drainctl.map((r) => r.wallMs)), inProcessMbPerS: median(drainctl.map((r) => r.bytes / MB / r.seconds)), maxRssMiB: Math.max(...drainctl.map((r) => r.maxRssKiB)) / 1024, p99: drainctl[0].p99, samples: drainctl[0].samples },
        pipeline: { mbPerS: mbps(shell), wallMs: median(shell.map((r) => r.wallMs)), maxRssMiB: Math.max(...shell.map((r) => r.maxRssKiB)) / 1024, p99: Number(shell[0].stdout) },
      };
      row.speedup = row.drainctl.mbPerS / row.pipeline.mbPerS;
      row.p99RelativeDifference = Math.abs(row.drainctl.p99 - row.pipeline.p99) / row.pipeline.p99;
      results.sizes.push(row);
      log(
        `  p99 ${sizeMb} MiB: drainctl ${row.drainctl.mbPerS.toFixed(0)} MB/s (in-process ${row.drainctl.inProcessMbPerS.toFixed(0)}), peak RSS ${row.drainctl.maxRssMiB.toFixed(1)} MiB, p99 ${row.drainctl.p99.toFixed(4)} s | ` +
          `pipeline ${row.pipeline.mbPerS.toFixed(0)} MB/s, peak RSS ${row.pipeline.maxRssMiB.toFixed(1)} MiB, p99 ${row.pipeline.p99} s | ${row.speedup.toFixed(1)}x, p99 differs by ${(100 * row.p99RelativeDifference).toFixed(2)}%`,
      );
      rmSync(file, { force: true });
    }
    results.load.end = loadavg()[0];
    const [small, large] = results.sizes;
    results.rssGrowth = { drainctlMiB: large.drainctl.maxRssMiB - small.drainctl.maxRssMiB, pipelineMiB: large.pipeline.maxRssMiB - small.pipeline.maxRssMiB };
    log(`  p99: peak RSS from ${small.sizeMb} to ${large.sizeMb} MiB: drainctl ${results.rssGrowth.drainctlMiB >= 0 ? '+' : ''}${results.rssGrowth.drainctlMiB.toFixed(1)} MiB, pipeline ${results.rssGrowth.pipelineMiB >= 0 ? '+' : ''}${results.rssGrowth.pipelineMiB.toFixed(1)} MiB`);
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Standalone: node bench/p99.mjs (after npm run build); prints the figures and saves .bench-tmp/p99-results.json.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.once('SIGINT', () => {
    killAllChildren();
    process.exit(130);
  });
  const log = (line) => process.stdout.write(`${line}\n`);
  try {
    const results = await runP99({ ...p99Settings(), log });
    mkdirSync(join(REPO, '.bench-tmp'), { recursive: true });
    writeFileSync(join(REPO, '.bench-tmp', 'p99-results.json'), `${JSON.stringify(results, null, 2)}\n`);
    log(`1-minute load average: ${results.load.start.toFixed(2)} at the start, ${results.load.end.toFixed(2)} at the end (${results.machine.cpus} CPUs)`);
    log('saved .bench-tmp/p99-results.json');
  } finally {
    killAllChildren();
  }
}
