/**
 * The ledger's failure modes through the CLI. A damaged ledger, or a file that is not a
 * database, stops every command that opens the ledger before it touches a target; it is never
 * read as "nothing recorded". A read-only ledger serves the commands that only read it and
 * stops the ones that write it, again before any change at the load balancer.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AwsEmulator } from '../../src/emulators/aws/index.js';
import { damagePage } from '../ledger/helpers.js';
import { cleanEnv, DRAINCTL_BIN, endpointArgs, freshLedgerPath, REPO_ROOT, type CliResult } from '../support/cli.js';
import { callsOf, cleanupAfterEach, ID, runAgainst, startEmulator } from './helpers.js';

cleanupAfterEach();

const W1 = `elbv2:web/${ID.web1}`;
const W2 = `elbv2:web/${ID.web2}`;
const HINT = 'pass --ledger <path> or set DRAINCTL_LEDGER';
/** What drain adds: it does not start without a record, and names the emergency way out. */
const NO_LEDGER = '; a drain that cannot be recorded does not start; in an emergency, drain --no-ledger drains without a record';
const tail = (args: readonly string[]): string => (args[0] === 'drain' ? NO_LEDGER : '');

/** Every command that opens the ledger, and whether it writes it. */
const COMMANDS: readonly { args: readonly string[]; writes: boolean }[] = [
  { args: ['history'], writes: false },
  { args: ['history', W1], writes: false },
  { args: ['status', 'elbv2:web'], writes: false },
  { args: ['timeout', 'recommend', '--from-history', 'elbv2:web'], writes: false },
  { args: ['drain', W2], writes: true },
  { args: ['restore', W1], writes: true },
  { args: ['watch', W1, '--timeout', '5s'], writes: true },
  { args: ['timeout', 'set', 'elbv2:web', '60s'], writes: true },
];

/** The calls that change something at the load balancer. */
const CHANGES = ['DeregisterTargets', 'RegisterTargets', 'ModifyTargetGroupAttributes'];

function changeCount(emulator: AwsEmulator): number {
  return CHANGES.reduce((n, action) => n + callsOf(emulator, action).length, 0);
}

/** A ledger holding one finished drain of web1, made by drainctl itself. */
async function ledgerWithADrain(emulator: AwsEmulator): Promise<string> {
  const ledger = freshLedgerPath();
  const drain = await runAgainst(emulator, ['drain', W1], { env: { DRAINCTL_LEDGER: ledger } });
  expect(drain.code, drain.stderr).toBe(0);
  return ledger;
}

describe('a damaged ledger', () => {
  for (const btree of ['instance', 'drain_event']) {
    it(`with a damaged ${btree} page stops every command, naming the file and how to move it aside`, { timeout: 90_000 }, async () => {
      const emulator = await startEmulator();
      const ledger = await ledgerWithADrain(emulator);
      damagePage(ledger, btree);
      const damaged = fs.readFileSync(ledger);
      const changesBefore = changeCount(emulator);
      const line = (args: readonly string[]): RegExp => new RegExp(`^drainctl: the ledger ${escape(ledger)} is damaged \\(database disk image is malformed[^;]*\\); move it aside \\(mv ${escape(ledger)} ${escape(ledger)}\\.damaged\\) and drainctl starts a new one${escape(tail(args))}\\n$`);
      for (const { args } of COMMANDS) {
        const result = await runAgainst(emulator, args, { env: { DRAINCTL_LEDGER: ledger } });
        expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 1, stdout: '' });
        expect(result.stderr, args.join(' ')).toMatch(line(args));
      }
      expect(changeCount(emulator)).toBe(changesBefore);
      expect(fs.readFileSync(ledger).equals(damaged)).toBe(true);
    });
  }

  it('that is not a database at all stops every command before it changes anything', { timeout: 90_000 }, async () => {
    const emulator = await startEmulator();
    const ledger = freshLedgerPath();
    const content = 'these are not the drains you are looking for\n'.repeat(100);
    fs.writeFileSync(ledger, content);
    for (const { args } of COMMANDS) {
      const result = await runAgainst(emulator, args, { env: { DRAINCTL_LEDGER: ledger } });
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(result.stderr).toBe(`drainctl: ledger ${ledger} is not a drainctl ledger (file is not a database); ${HINT}${tail(args)}\n`);
    }
    expect(changeCount(emulator)).toBe(0);
    expect(fs.readFileSync(ledger, 'utf8')).toBe(content);
  });
});

// Root writes whatever the mode bits say; without CAP_DAC_OVERRIDE it obeys them like any owner,
// and still reads this checkout however private its directory is.
const AS_ROOT = process.getuid?.() === 0;
const CAN_DROP_OVERRIDE = !AS_ROOT || spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;
const DROPPED = '-dac_override,-dac_read_search,-fowner';

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

/** Runs drainctl against the emulator as a user who can write only what the mode bits allow. */
function runBoundByModes(emulator: AwsEmulator, args: readonly string[], ledger: string): Promise<CliResult> {
  const argv = [process.execPath, DRAINCTL_BIN, ...endpointArgs(emulator.url), ...args];
  const [command, ...rest] = AS_ROOT ? ['setpriv', '--inh-caps', DROPPED, '--bounding-set', DROPPED, '--', ...argv] : argv;
  const child = spawn(command!, rest, { cwd: REPO_ROOT, env: cleanEnv({ DRAINCTL_LEDGER: ledger }), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`drainctl ${args.join(' ')} did not exit within 30 s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

describe.skipIf(!CAN_DROP_OVERRIDE)('a read-only ledger (file 0444 in a 0555 directory)', () => {
  it('serves history, status and timeout recommend, and refuses drain, restore, watch and timeout set before any change', { timeout: 90_000 }, async () => {
    const emulator = await startEmulator();
    const made = await ledgerWithADrain(emulator);
    const locked = path.join(path.dirname(made), 'locked');
    const ledger = path.join(locked, 'ledger.db');
    fs.mkdirSync(locked);
    fs.renameSync(made, ledger);
    fs.chmodSync(ledger, 0o444);
    fs.chmodSync(locked, 0o555);
    const before = fs.readFileSync(ledger);
    const changesBefore = changeCount(emulator);
    try {
      const history = await runBoundByModes(emulator, ['history'], ledger);
      expect(history.code, history.stderr).toBe(0);
      expect(history.stdout).toMatch(new RegExp(`${W1}:8080 +drained`));

      const status = await runBoundByModes(emulator, ['status', 'elbv2:web'], ledger);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toMatch(new RegExp(`${ID.web1}:8080 +absent .* drained 20`));

      const recommend = await runBoundByModes(emulator, ['timeout', 'recommend', '--from-history', 'elbv2:web'], ledger);
      expect(recommend.code, recommend.stderr).toBe(0);

      for (const { args } of COMMANDS.filter((c) => c.writes)) {
        const result = await runBoundByModes(emulator, args, ledger);
        expect({ args, code: result.code }).toEqual({ args, code: 2 });
        expect(result.stderr).toBe(`drainctl: ledger ${ledger} is read-only, and commands that record what they do must write it (EACCES); check its permissions or ${HINT}${tail(args)}\n`);
      }
      expect(changeCount(emulator)).toBe(changesBefore);
      expect(fs.readdirSync(locked)).toEqual(['ledger.db']);
      expect(fs.readFileSync(ledger).equals(before)).toBe(true);
    } finally {
      fs.chmodSync(locked, 0o755);
    }
  });

  it('reads as empty where there is no ledger yet, and creates none', { timeout: 60_000 }, async () => {
    const emulator = await startEmulator();
    const locked = path.join(path.dirname(freshLedgerPath()), 'locked');
    fs.mkdirSync(locked);
    fs.chmodSync(locked, 0o555);
    try {
      const history = await runBoundByModes(emulator, ['history'], path.join(locked, 'ledger.db'));
      expect(history).toEqual({ code: 0, stdout: 'no recorded drains\n', stderr: '' });
      expect(fs.readdirSync(locked)).toEqual([]);
    } finally {
      fs.chmodSync(locked, 0o755);
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
