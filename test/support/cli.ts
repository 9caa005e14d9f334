/**
 * Runs the built drainctl (bin/drainctl, which imports dist/) as a child process with a clean
 * environment, for the end-to-end tests in test/cli. Build first: `npx tsc -p tsconfig.json`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from this file's location (test/support/cli.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DRAINCTL_BIN = join(REPO_ROOT, 'bin', 'drainctl');

export interface CliOptions {
  /** Added to the clean environment; AWS_* variables are passed only when given here. */
  readonly env?: Record<string, string>;
  /** Kill the child (SIGKILL) after this long and reject; default 60 s. */
  readonly timeoutMs?: number;
  /** Written to the child's stdin, which is then closed. */
  readonly input?: string;
  /** The child's working directory (where it looks for drainctl.yaml); default the repository root. */
  readonly cwd?: string;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const scratchDirs: string[] = [];
let cleanupRegistered = false;

/** A fresh temporary directory, removed when the test process exits. */
export function scratchDir(prefix = 'drainctl-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratchDirs.push(dir);
  if (!cleanupRegistered) {
    cleanupRegistered = true;
    process.once('exit', () => {
      for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

/** A path for a ledger that does not exist yet (drainctl creates it). */
export function freshLedgerPath(): string {
  return join(scratchDir('drainctl-ledger-'), 'ledger.db');
}

/**
 * The environment a child gets: PATH, a temporary HOME, NO_COLOR=1, a fresh DRAINCTL_LEDGER,
 * and nothing else from this process (no AWS_*, no CI), then `extra` on top.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const home = scratchDir('drainctl-home-');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    NO_COLOR: '1',
    DRAINCTL_LEDGER: join(home, 'ledger.db'),
  };
  return { ...env, ...extra };
}

/** Resolves when a child has exited and its stdio has closed. */
const closedOf = new WeakMap<ChildProcess, Promise<{ code: number | null; signal: NodeJS.Signals | null }>>();

/** Children still running, killed by killAllChildren (e.g. in afterEach when a test failed). */
const running = new Set<ChildProcess>();

/** Sends SIGKILL to every child this module started that has not exited. */
export function killAllChildren(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  running.clear();
}

/** Starts drainctl and returns the process (stdin, stdout, stderr piped) for signal tests. */
export function startCliProcess(args: readonly string[], opts: { env?: Record<string, string>; cwd?: string } = {}): ChildProcess {
  if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: build with `npx tsc -p tsconfig.json` before running test/cli');
  }
  const child = spawn(process.execPath, [DRAINCTL_BIN, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: cleanEnv(opts.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  closedOf.set(child, new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal }))));
  return child;
}

/** Runs drainctl to completion. Rejects (after killing it) when it outlives timeoutMs. */
export function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const child = startCliProcess(args, { env: opts.env, cwd: opts.cwd });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin!.on('error', () => {}); // the child may exit before reading its input
  child.stdin!.end(opts.input ?? '');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`drainctl ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 + signalNumber(signal) : -1), stdout, stderr });
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal as string] ?? 0;
}

/**
 * Waits until `child` has exited and its output streams have closed (so everything it wrote has
 * been read); SIGKILLs it and rejects after timeoutMs.
 */
export function waitForExit(child: ChildProcess, timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const closed = closedOf.get(child);
  if (!closed) throw new Error('waitForExit needs a process from startCliProcess');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`process ${child.pid} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    void closed.then((result) => {
      clearTimeout(timer);
      resolve(result);
    });
  });
}

/** Collects a stream's text as it arrives. */
export function collect(stream: NodeJS.ReadableStream): { text(): string } {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => (text += chunk));
  return { text: () => text };
}

/** Polls `read()` every 25 ms until it matches `pattern`; rejects after timeoutMs or when `child` exits first. */
export async function waitForOutput(read: () => string, pattern: RegExp, timeoutMs: number, child?: ChildProcess): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = read();
    if (pattern.test(text)) return text;
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`process exited (code ${child.exitCode}, signal ${child.signalCode}) before output matched ${pattern}; saw:\n${text}`);
    }
    if (Date.now() > deadline) throw new Error(`output did not match ${pattern} within ${timeoutMs} ms; saw:\n${text}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

import { freePort } from './ports.js';
export { freePort };

/** The non-empty lines of a text. */
export function nonEmptyLines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

/** The arguments that point a run at an emulator. */
export function endpointArgs(url: string): string[] {
  return ['--endpoint-url', url, '--region', 'us-east-1'];
}
