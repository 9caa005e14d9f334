/**
 * Credentials never leak: with canary AWS credentials in the environment and --debug on, no byte
 * drainctl writes (stdout, stderr, the ledger file) carries the secret key or the session token.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'vitest';
import { freshLedgerPath } from '../support/cli.js';
import { cleanupAfterAll, ID, ndjsonRecords, runAgainst, withEmulator } from './helpers.js';

cleanupAfterAll();

const ACCESS_KEY_ID = 'AKIACANARY0000000001';
const SECRET = 'canary-secret-7f3a9b2c1d';
const TOKEN = 'canary-session-token-5e8d';
const W1 = `elbv2:web/${ID.web1}`;

interface Step {
  readonly args: readonly string[];
  readonly code: number;
  /** SDK commands the debug output must name (empty: the command makes no API call). */
  readonly calls: readonly string[];
}

const STEPS: readonly Step[] = [
  { args: ['drain', W1], code: 0, calls: ['DescribeTargetHealthCommand', 'DeregisterTargetsCommand'] },
  { args: ['status', 'elbv2:web'], code: 0, calls: ['DescribeTargetHealthCommand'] },
  { args: ['restore', W1], code: 0, calls: ['RegisterTargetsCommand'] },
  { args: ['timeout', 'get', 'elbv2:web'], code: 0, calls: ['DescribeTargetGroupAttributesCommand'] },
  { args: ['timeout', 'set', 'elbv2:web', '5s'], code: 0, calls: ['ModifyTargetGroupAttributesCommand'] },
  { args: ['history'], code: 0, calls: [] },
  { args: ['drain', `elbv2:nosuch/${ID.web1}`], code: 3, calls: ['DescribeTargetGroupsCommand'] },
];

/** The debug lines of a run, whatever the format. */
function debugLines(format: string, stdout: string, stderr: string): string[] {
  if (format === 'ndjson') return ndjsonRecords(stdout).filter((r) => r['@level'] === 'debug').map((r) => String(r['@message']));
  return stderr.split('\n').filter((l) => l.startsWith('debug: ')).map((l) => l.slice('debug: '.length));
}

describe('credentials in the environment', () => {
  for (const format of ['text', 'json', 'ndjson'] as const) {
    it.concurrent(`never appear in -o ${format} output or the ledger, even with --debug`, async ({ expect }) => {
      await withEmulator({}, async (emulator) => {
        const ledger = freshLedgerPath();
        const env = { AWS_ACCESS_KEY_ID: ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN, DRAINCTL_LEDGER: ledger };
        for (const step of STEPS) {
          const result = await runAgainst(emulator, ['-o', format, '--debug', ...step.args], { env });
          const context = `drainctl -o ${format} --debug ${step.args.join(' ')}\nexit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
          expect(result.code, context).toBe(step.code);
          for (const secret of [SECRET, TOKEN]) {
            expect(result.stdout.includes(secret), `stdout carries ${secret}\n${context}`).toBe(false);
            expect(result.stderr.includes(secret), `stderr carries ${secret}\n${context}`).toBe(false);
          }
          // --debug must really be on, or the checks above would prove little.
          const debug = debugLines(format, result.stdout, result.stderr);
          for (const call of step.calls) {
            expect(debug.some((l) => new RegExp(`^aws elbv2 ${call} -> http://127\\.0\\.0\\.1:\\d+`).test(l)), `no request line for ${call}\n${context}`).toBe(true);
            expect(debug.some((l) => new RegExp(`^aws elbv2 ${call} <- \\d{3}`).test(l)), `no response line for ${call}\n${context}`).toBe(true);
          }
        }
        expect(emulator.mutatingCalls().map((e) => e.action)).toEqual(['DeregisterTargets', 'RegisterTargets', 'ModifyTargetGroupAttributes']);

        // The ledger and its SQLite side files, byte for byte.
        const dir = dirname(ledger);
        const files = readdirSync(dir).filter((f) => f.startsWith('ledger.db'));
        expect(files).toContain('ledger.db');
        for (const file of files) {
          const bytes = readFileSync(join(dir, file));
          for (const secret of [SECRET, TOKEN]) {
            expect(bytes.includes(Buffer.from(secret, 'utf8')), `${file} carries ${secret}`).toBe(false);
            expect(bytes.includes(Buffer.from(secret, 'utf16le')), `${file} carries ${secret} (UTF-16)`).toBe(false);
          }
        }
      });
    });
  }
});
