// Facts about the machine a run happened on.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

function tryRun(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return undefined;
  }
}

export function machineFacts(awsCliPath) {
  let cpuModel;
  try {
    cpuModel = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1]?.trim();
  } catch {
    // not Linux
  }
  const awsVersion = tryRun(awsCliPath, ['--version']);
  const commit = tryRun('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = tryRun('git', ['status', '--porcelain', '--', 'src', 'bin', 'package.json']);
  return {
    node: process.version,
    nproc: tryRun('nproc', []) ?? String(os.availableParallelism?.() ?? os.cpus().length),
    cpuModel: cpuModel ?? os.cpus()[0]?.model ?? 'unknown',
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    awsCli: awsVersion ?? 'unknown',
    git: commit === undefined ? 'unknown' : `${commit}${dirty ? ' with uncommitted changes in src/' : ''}`,
  };
}
