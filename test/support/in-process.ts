import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

/** Runs drainctl's main() in this process with captured output: fast, and the same code path as bin/drainctl. */
export async function runInProcess(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        append(String(chunk));
        done();
      },
    });
  const ledger = env.DRAINCTL_LEDGER ?? join(mkdtempSync(join(tmpdir(), 'drainctl-test-')), 'ledger.db');
  const code = await main({
    argv: ['node', 'drainctl', ...args],
    env: { NO_COLOR: '1', DRAINCTL_LEDGER: ledger, ...env },
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    signals: new EventEmitter(),
  });
  return { code, stdout, stderr };
}
