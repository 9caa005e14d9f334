import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startAwsEmulator } from '../../src/emulators/aws/index.js';
import type { AwsSeed } from '../../src/emulators/aws/seed.js';
import { REPO_ROOT } from '../support/cli.js';

/** One error line quoted in the docs, with the command line shown right before it in the same block. */
interface QuotedError {
  readonly file: string;
  readonly command: string | undefined;
  readonly comment: string;
  readonly message: string;
}

function documentationFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
  return ['README.md', ...walk('docs')];
}

/** Every `drainctl: …` line inside a fenced block, paired with the `$ drainctl …` line above it. */
function quotedErrors(file: string): QuotedError[] {
  const found: QuotedError[] = [];
  let inFence = false;
  let command: string | undefined;
  let comment = '';
  for (const line of readFileSync(join(REPO_ROOT, file), 'utf8').split('\n')) {
    if (/^\s*```/.test(line)) {
      inFence = !inFence;
      command = undefined;
      continue;
    }
    if (!inFence) continue;
    const shown = /^\$ drainctl (.*?)(?:\s+#\s*(.*))?$/.exec(line);
    if (shown) {
      command = shown[1];
      comment = shown[2] ?? '';
    } else if (line.startsWith('drainctl: ')) {
      found.push({ file, command, comment, message: line });
    }
  }
  return found;
}

/** What the documented examples run against: the names the docs use. */
const SEED: AwsSeed = {
  targetGroups: [
    {
      name: 'web',
      protocol: 'HTTP',
      port: 80,
      targetType: 'instance',
      attributes: { 'deregistration_delay.timeout_seconds': '300' },
      targets: ['1', '2', '3'].map((n) => ({ id: `i-0a1b2c3d4e5f6000${n}`, port: 8080 })),
    },
  ],
  classicLoadBalancers: [
    { name: 'old-web', connectionDraining: { enabled: false }, instances: [{ id: 'i-0a1b2c3d4e5f60011', connections: 0 }, { id: 'i-0a1b2c3d4e5f60012', connections: 0 }] },
    { name: 'legacy-web', connectionDraining: { enabled: true, timeout: 300 }, instances: [{ id: 'i-0a1b2c3d4e5f60021', connections: 0 }] },
  ],
};

/**
 * Errors whose producing command needs more than the seed above (a manifest, a damaged or
 * read-only file); each is asserted by the named test, which must contain the fragment.
 */
const PRODUCED_ELSEWHERE: Record<string, { readonly test: string; readonly fragment: string }> = {
  'drainctl: the shutdown timers do not fit': { test: 'test/cli-timeouts/audit.test.ts', fragment: 'the shutdown timers do not fit' },
  'drainctl: the ledger /home/ops/.local/state/drainctl/ledger.db is damaged': { test: 'test/cli/ledger-faults.test.ts', fragment: 'is damaged \\\\(database disk image is malformed' },
  'drainctl: ledger /srv/ci/ledger.db is read-only': { test: 'test/cli/ledger-faults.test.ts', fragment: 'is read-only, and commands that record what they do must write it (EACCES); check its permissions or' },
  'drainctl: unknown key "colour" in /srv/deploy/drainctl.yaml:2': { test: 'test/cli/config.test.ts', fragment: '^drainctl: unknown key "colour" in .*drainctl\\.yaml:2 \\(the top level\\); known keys there: ' },
  'drainctl: "mode" in /srv/deploy/drainctl.yaml:7 (the nginx section)': { test: 'test/config/resolve.test.ts', fragment: '\\(the nginx section\\) is an option of haproxy, not nginx' },
  'drainctl: invalid app-status-url in /srv/deploy/drainctl.yaml:3': { test: 'test/config/resolve.test.ts', fragment: 'invalid app-status-url in .*:3 \\(group "elbv2:web"\\): unknown placeholder \\{host\\}' },
  'drainctl: invalid mode "off" in /srv/deploy/drainctl.yaml:4': { test: 'test/config/resolve.test.ts', fragment: 'invalid mode "off" in .*:2 \\(the haproxy section\\); expected one of: drain, maint' },
  'drainctl: elbv2:web/i-0a1b2c3d4e5f60002:8080 was drained by ci-runner-7 pid 4242': { test: 'test/core/capacity.test.ts', fragment: 'and is not restored yet`,\n      hint: `wait until its owner puts it back with --wait-for-capacity <duration>; if that owner is gone, restore it first (drainctl restore ' },
  'drainctl: ledger /srv/ci/ledger.db cannot be written': { test: 'test/ledger/sqlite.test.ts', fragment: 'is not writable (EACCES), and SQLite keeps its log there; check the directory' },
};

/** Splits a documented command line into arguments (no quoting is used in the examples that reach here). */
function argsOf(command: string): string[] {
  return command.split(/\s+/).filter((w) => w !== '');
}

/** Runs one documented command on a fresh emulator; Ctrl-C examples get SIGINT once the wait has begun. */
async function produce(command: string, interrupt: boolean): Promise<string[]> {
  const emulator = await startAwsEmulator({ throttle: 'off', healthyAfterMs: 0, seed: SEED });
  const signals = new EventEmitter();
  let stderr = '';
  const sink = (append: (s: string) => void) => new Writable({ write: (chunk, _e, done) => (append(String(chunk)), done()) });
  try {
    const run = main({
      argv: ['node', 'drainctl', ...argsOf(command)],
      env: { NO_COLOR: '1', DRAINCTL_LEDGER: join(mkdtempSync(join(tmpdir(), 'drainctl-docs-')), 'ledger.db'), DRAINCTL_ENDPOINT_URL: emulator.url, AWS_REGION: 'us-east-1', PATH: process.env.PATH ?? '' },
      stdout: sink(() => {}),
      stderr: sink((s) => (stderr += s)),
      signals,
    });
    if (interrupt) {
      // Interrupt once the drain call has been made, as a person pressing Ctrl-C while it waits.
      // Bounded generously (a loaded CI machine once took over 5 s to get there); never sent blind.
      const made = () => emulator.requestLog.some((e) => e.action === 'DeregisterTargets');
      for (let i = 0; i < 1200 && !made(); i++) await new Promise((r) => setTimeout(r, 25));
      if (!made()) throw new Error(`${command}: no DeregisterTargets within 30 s, so no Ctrl-C was sent`);
      signals.emit('SIGINT');
    }
    await run;
  } finally {
    await emulator.stop();
  }
  return stderr.split('\n').filter((l) => l.startsWith('drainctl: '));
}

describe('error messages quoted in README.md and docs/', () => {
  const quoted = documentationFiles().flatMap(quotedErrors);

  it('each shows the command that produces it', () => {
    expect(quoted.length).toBeGreaterThan(15);
    expect(quoted.filter((q) => q.command === undefined && !Object.keys(PRODUCED_ELSEWHERE).some((p) => q.message.startsWith(p))).map((q) => `${q.file}: ${q.message}`)).toEqual([]);
  });

  it('each is what that command prints, word for word', { timeout: 400_000 }, async () => {
    const wrong: string[] = [];
    for (const q of quoted) {
      if (q.command === undefined || Object.keys(PRODUCED_ELSEWHERE).some((p) => q.message.startsWith(p))) continue;
      const produced = await produce(q.command, /ctrl-c/i.test(q.comment));
      if (!produced.includes(q.message)) wrong.push(`${q.file}: $ drainctl ${q.command}\n  documented: ${q.message}\n  printed:    ${produced.join(' | ') || '(no error line)'}`);
    }
    expect(wrong).toEqual([]);
  });

  it('the errors produced elsewhere are asserted there', () => {
    for (const [message, { test, fragment }] of Object.entries(PRODUCED_ELSEWHERE)) {
      expect(quoted.some((q) => q.message.startsWith(message)), `${message} is still quoted`).toBe(true);
      expect(readFileSync(join(REPO_ROOT, test), 'utf8'), message).toContain(fragment);
    }
  });
});
