/**
 * Ctrl-C in a real terminal while the spinner is drawn: drain, watch and restore stop with exit
 * 130, say so, and give the cursor back. Run in a pseudo-terminal (pty_ctrl_c.py), not by faking isTTY,
 * because the defect lives in the terminal's mode: a spinner that switches it to raw mode turns
 * Ctrl-C into a plain byte that never becomes SIGINT.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { AwsEmulator } from '../../src/emulators/aws/index.js';
import { cleanEnv, DRAINCTL_BIN, endpointArgs, freshLedgerPath, REPO_ROOT } from '../support/cli.js';
import { cleanupAfterEach, ID, runAgainst, startEmulator } from './helpers.js';

cleanupAfterEach();

const HELPER = join(REPO_ROOT, 'test', 'cli', 'pty_ctrl_c.py');
const SHOW_CURSOR = '\u001B[?25h';
const HIDE_CURSOR = '\u001B[?25l';

interface TtyRun {
  readonly exit: number | null;
  readonly signal: number | null;
  readonly output: string;
  /** Whether the pattern appeared and Ctrl-C was pressed. */
  readonly sent: boolean;
  /** Whether a wait ran out (the command was then killed). */
  readonly timed_out: boolean;
}

/** Runs drainctl in a pseudo-terminal and presses Ctrl-C once `pattern` is on screen. */
function ctrlCInTerminal(args: readonly string[], pattern: RegExp, env: Record<string, string>): Promise<TtyRun> {
  if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: build with `npx tsc -p tsconfig.json` first');
  // Interactive on purpose: a terminal type, and no CI variable (cleanEnv passes none).
  const childEnv = { ...cleanEnv({ TERM: 'xterm-256color', ...env }) };
  const helper = spawn('python3', ['-B', HELPER, pattern.source, '20', '10', '--', process.execPath, DRAINCTL_BIN, ...args], { cwd: REPO_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  helper.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  helper.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve, reject) => {
    // The helper bounds its own waits (20 s + 10 s); this is the backstop.
    const timer = setTimeout(() => {
      helper.kill('SIGKILL');
      reject(new Error(`pty_ctrl_c.py did not finish within 45 s; stderr: ${stderr}`));
    }, 45_000);
    helper.once('error', reject);
    helper.once('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`pty_ctrl_c.py failed (exit ${code}): ${stderr}`));
      resolve(JSON.parse(stdout) as TtyRun);
    });
  });
}

/** The end of a terminal session, enough to see why a run failed without every spinner frame. */
function tail(output: string): string {
  return output.length > 1500 ? `…${output.slice(-1500)}` : output;
}

interface Case {
  readonly command: 'drain' | 'watch' | 'restore';
  /** Puts the emulator and ledger in the state the command then waits on. */
  prepare(emulator: AwsEmulator, env: Record<string, string>): Promise<void>;
  readonly ref: string;
  readonly emulator?: { readonly healthyAfterMs: number };
}

const SLOW1 = `elbv2:slow/${ID.slow1}`;
const WEB1 = `elbv2:web/${ID.web1}`;

const cases: readonly Case[] = [
  // `slow` has a 30 s deregistration delay: the drain waits long enough to be interrupted.
  { command: 'drain', ref: SLOW1, prepare: async () => {} },
  {
    command: 'watch',
    ref: SLOW1,
    prepare: async (emulator, env) => {
      const drained = await runAgainst(emulator, ['drain', SLOW1, '--no-wait'], { env });
      expect(drained.code, drained.stderr).toBe(0);
    },
  },
  {
    // A new registration takes a minute to turn healthy here, so restore waits.
    command: 'restore',
    ref: WEB1,
    emulator: { healthyAfterMs: 60_000 },
    prepare: async (emulator, env) => {
      const drained = await runAgainst(emulator, ['drain', WEB1], { env });
      expect(drained.code, drained.stderr).toBe(0);
    },
  },
];

describe.each(cases)('Ctrl-C during $command on a terminal', ({ command, ref, prepare, emulator: emulatorOptions }) => {
  it('stops with exit 130, says it was interrupted, and shows the cursor again', async () => {
    const emulator = await startEmulator(emulatorOptions ?? {});
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    await prepare(emulator, env);

    // Ctrl-C only once the spinner is drawn (its text lists the targets still pending).
    const run = await ctrlCInTerminal([...endpointArgs(emulator.url), command, ref], /waiting on 1 target/, env);

    const screen = tail(run.output);
    expect(run.sent, screen).toBe(true);
    expect(run.timed_out, `no exit within 10 s of Ctrl-C:\n${screen}`).toBe(false);
    expect(run.exit, screen).toBe(130);
    expect(run.output).toMatch(/drainctl: interrupted by SIGINT/);
    expect(run.output).toContain(HIDE_CURSOR);
    expect(run.output.lastIndexOf(SHOW_CURSOR), 'the cursor is shown after it was last hidden').toBeGreaterThan(run.output.lastIndexOf(HIDE_CURSOR));
  });
});

describe('status colours states when colour is on', () => {
  const color = new Chalk({ level: 1 });

  it('FORCE_COLOR: active green, draining yellow; NO_COLOR alone: none', async () => {
    const emulator = await startEmulator();
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const drained = await runAgainst(emulator, ['drain', SLOW1, '--no-wait'], { env });
    expect(drained.code, drained.stderr).toBe(0);

    const coloured = await runAgainst(emulator, ['status', 'elbv2:slow'], { env: { ...env, FORCE_COLOR: '1' } });
    expect(coloured.code, coloured.stderr).toBe(0);
    expect(coloured.stdout).toContain(color.yellow('draining'));
    expect(coloured.stdout).toContain(color.green('active'));

    const plain = await runAgainst(emulator, ['status', 'elbv2:slow'], { env }); // cleanEnv sets NO_COLOR=1
    expect(plain.stdout).not.toMatch(/\u001B\[/);
    expect(plain.stdout).toMatch(/draining/);
  });
});

describe('a command is never silent while a provider loads', () => {
  it('on a terminal, says at once that the client is loading, before any result', { timeout: 60_000 }, async () => {
    const emulator = await startEmulator();
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    // Ctrl-C only once the result is on screen: the command has finished by then.
    const run = await ctrlCInTerminal([...endpointArgs(emulator.url), 'status', 'elbv2:web'], /TARGET/, env);
    const screen = tail(run.output);
    expect(run.output, screen).toContain('loading the client for AWS ALB/NLB/GWLB target groups');
    expect(run.output.indexOf('loading the client for'), screen).toBeLessThan(run.output.indexOf('TARGET'));
  });
});

describe('a terminal that reports no width', () => {
  it('gets plain lines instead of a spinner, and the command ends', { timeout: 60_000 }, async () => {
    const emulator = await startEmulator();
    // `script` runs the command in a pseudo-terminal that nobody sized (0 columns), as some CI runners do.
    const command = [process.execPath, DRAINCTL_BIN, ...endpointArgs(emulator.url), 'status', 'elbv2:web'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: REPO_ROOT, env: cleanEnv({ TERM: 'xterm-256color', DRAINCTL_LEDGER: freshLedgerPath() }), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('close', (c) => (clearTimeout(timer), resolve(c)));
    });
    expect(code, tail(output)).toBe(0);
    expect(output).toContain('TARGET');
    expect(output).not.toContain(HIDE_CURSOR);
  });
});
