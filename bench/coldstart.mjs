// Benchmark 3: how long a bare start takes, the commands interleaved so drift hits all alike.
import { DRAINCTL_BIN } from './lib/common.mjs';
import { runProcess } from './lib/proc.mjs';

export const RUNS = 20;
const WARMUP = 2;

export async function runColdStart({ aws, log }) {
  const commands = [
    { name: 'drainctl --version', command: 'node', args: [DRAINCTL_BIN, '--version'] },
    { name: 'drainctl --help', command: 'node', args: [DRAINCTL_BIN, '--help'] },
    { name: 'aws --version', command: aws, args: ['--version'] },
    // A control, not a contender: a bare Node.js start, the floor under drainctl's figures and a gauge of host noise.
    { name: 'node -e 0', command: 'node', args: ['-e', '0'] },
  ];
  const samples = Object.fromEntries(commands.map((c) => [c.name, []]));
  const failures = Object.fromEntries(commands.map((c) => [c.name, 0]));
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const c of commands) {
      const r = await runProcess(c.command, c.args, { timeoutMs: 30_000 });
      if (r.code !== 0) failures[c.name] += 1;
      if (round >= WARMUP) samples[c.name].push(r.wallMs);
    }
  }
  log(`  cold start: ${RUNS} runs each (+${WARMUP} warm-up rounds not counted)`);
  return { runs: RUNS, warmup: WARMUP, samples, failures };
}
