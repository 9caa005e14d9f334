/**
 * Hostile and out-of-range input, one row each, checked the way bad-input.test.ts checks malformed
 * invocations: exit 2, one stderr line naming the value and the fix, nothing on stdout, and no call
 * at all reaching the load balancer (each row gets its own emulator, so its request log is that run's alone).
 */
import { describe, expect, it } from 'vitest';
import { nonEmptyLines, runCli } from '../support/cli.js';
import { cleanupAfterAll, ID, withEmulator } from './helpers.js';

interface Row {
  readonly name: string;
  /** The whole command line; {URL} is the emulator's http:// address, {FTP} the same with ftp://. */
  readonly args: readonly string[];
  /** Must match the single stderr line. */
  readonly stderr: RegExp;
  readonly env?: Record<string, string>;
}

const W1 = `elbv2:web/${ID.web1}`;
const AT = ['--endpoint-url', '{URL}', '--region', 'us-east-1'];

const rows: readonly Row[] = [
  // Durations are bounded when parsed, before anything changes.
  { name: 'drain --timeout 99999999999h', args: [...AT, 'drain', W1, '--timeout', '99999999999h'],
    stderr: /invalid --timeout "99999999999h": at most 168h \(7 days\); give a shorter duration/ },
  { name: 'drain --timeout 169h (just over 7 days)', args: [...AT, 'drain', W1, '--timeout', '169h'],
    stderr: /invalid --timeout "169h": at most 168h \(7 days\)/ },
  { name: 'restore --timeout 99999999999h', args: [...AT, 'restore', W1, '--timeout', '99999999999h'],
    stderr: /invalid --timeout "99999999999h": at most 168h \(7 days\)/ },
  { name: 'watch --timeout 99999999999h', args: [...AT, 'watch', W1, '--timeout', '99999999999h'],
    stderr: /invalid --timeout "99999999999h": at most 168h \(7 days\)/ },
  { name: 'drain --timeout with 400 digits', args: [...AT, 'drain', W1, '--timeout', `${'9'.repeat(400)}s`],
    stderr: /invalid --timeout "9+s": at most 168h \(7 days\)/ },
  { name: 'timeout set with a huge duration', args: [...AT, 'timeout', 'set', 'elbv2:web', '99999999999h'],
    stderr: /invalid drain timeout "99999999999h": at most 168h \(7 days\)/ },
  { name: 'timeout recommend --p99 25h', args: ['timeout', 'recommend', '--p99', '25h'],
    stderr: /invalid --p99 "25h": at most 24h \(1 day\)/ },
  { name: 'timeout recommend --since 99999999999h', args: ['timeout', 'recommend', '--from-cloudwatch', 'elbv2:web', '--since', '99999999999h'],
    stderr: /invalid --since "99999999999h": at most 10920h \(455 days\), CloudWatch keeps ELB metrics for 15 months/ },
  { name: 'timeout recommend --floor 2h', args: ['timeout', 'recommend', '--p99', '850ms', '--floor', '2h'],
    stderr: /invalid --floor "2h": at most 1h, the longest drain timeout any provider allows/ },
  { name: 'audit --app-timeout 99999999999h', args: ['audit', '--app-timeout', '99999999999h'],
    stderr: /invalid --app-timeout "99999999999h": at most 24h \(1 day\)/ },
  { name: 'audit --lb-timeout 2h', args: ['audit', '--lb-timeout', '2h', '--app-timeout', '20s'],
    stderr: /invalid --lb-timeout "2h": at most 1h/ },

  // A latency needs a unit.
  { name: 'timeout recommend --p99 850 (no unit)', args: ['timeout', 'recommend', '--p99', '850'],
    stderr: /invalid --p99 "850": a bare number is ambiguous here, give a unit \(ms, s, m or h\); say which: --p99 850ms or --p99 850s/ },
  { name: 'timeout set --p99 850 (no unit)', args: [...AT, 'timeout', 'set', 'elbv2:web', '--p99', '850'],
    stderr: /invalid --p99 "850": a bare number is ambiguous here, give a unit/ },

  // Endpoints and regions are checked before any provider is loaded.
  { name: '--endpoint-url not-a-url', args: ['--endpoint-url', 'not-a-url', '--region', 'us-east-1', 'drain', W1],
    stderr: /invalid --endpoint-url "not-a-url": not a URL; e\.g\. --endpoint-url http:\/\/127\.0\.0\.1:4566/ },
  { name: '--endpoint-url ftp://', args: ['--endpoint-url', '{FTP}', '--region', 'us-east-1', 'status', 'elbv2:web'],
    stderr: /invalid --endpoint-url "ftp:\/\/127\.0\.0\.1:\d+": only http:\/\/ and https:\/\/ endpoints are supported, not ftp:\/\// },
  { name: '--endpoint-url file:///etc/passwd', args: ['--endpoint-url', 'file:///etc/passwd', '--region', 'us-east-1', 'status', 'elbv2:web'],
    stderr: /invalid --endpoint-url "file:\/\/\/etc\/passwd": only http:\/\/ and https:\/\/ endpoints are supported, not file:\/\// },
  { name: 'DRAINCTL_ENDPOINT_URL=file:///etc/passwd', args: ['--region', 'us-east-1', 'drain', W1], env: { DRAINCTL_ENDPOINT_URL: 'file:///etc/passwd' },
    stderr: /invalid --endpoint-url "file:\/\/\/etc\/passwd": only http:\/\/ and https:\/\/ endpoints/ },
  { name: 'AWS_ENDPOINT_URL=ftp://…', args: ['--region', 'us-east-1', 'status', 'elbv2:web'], env: { AWS_ENDPOINT_URL: 'ftp://127.0.0.1:21' },
    stderr: /invalid AWS_ENDPOINT_URL "ftp:\/\/127\.0\.0\.1:21": only http:\/\/ and https:\/\/ endpoints are supported/ },
  { name: "--region 'us east 1;'", args: ['--endpoint-url', '{URL}', '--region', 'us east 1;', 'drain', W1],
    stderr: /invalid AWS region "us east 1;" \(from --region\): expected a region name like us-east-1; fix --region/ },
  { name: 'AWS_REGION with a newline', args: ['--endpoint-url', '{URL}', 'status', 'elbv2:web'], env: { AWS_REGION: 'us-east-1\nx' },
    stderr: /invalid AWS region "us-east-1\\nx" \(from AWS_REGION\): expected a region name like us-east-1; fix AWS_REGION/ },
  { name: 'AWS_DEFAULT_REGION=../../etc', args: ['--endpoint-url', '{URL}', 'status', 'elbv2:web'], env: { AWS_DEFAULT_REGION: '../../etc' },
    stderr: /invalid AWS region "\.\.\/\.\.\/etc" \(from AWS_DEFAULT_REGION\)/ },
];

cleanupAfterAll();

describe('hostile and out-of-range input', () => {
  for (const row of rows) {
    it.concurrent(`${row.name} -> exit 2, nothing called`, async ({ expect }) => {
      await withEmulator({}, async (emulator) => {
        const args = row.args.map((a) => a.replace('{URL}', emulator.url).replace('{FTP}', emulator.url.replace(/^http:/, 'ftp:')));
        const result = await runCli(args, { timeoutMs: 20_000, env: row.env });
        const context = `drainctl ${args.join(' ')}\nexit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
        expect(result.code, context).toBe(2);
        const lines = nonEmptyLines(result.stderr);
        expect(lines, context).toHaveLength(1);
        expect(lines[0], context).toMatch(/^drainctl: \S/);
        expect(lines[0], context).toMatch(row.stderr);
        expect(result.stdout, context).toBe('');
        expect(emulator.requestLog.map((e) => e.action), context).toEqual([]);
      });
    });
  }

  it.each(['us-east-1', 'us-gov-west-1', 'cn-north-1', 'eu-central-2', 'ap-southeast-4'])('accepts the region %s', async (region) => {
    // Syntax only: the emulator serves one region, so the run reaches it and is answered.
    await withEmulator({}, async (emulator) => {
      const result = await runCli(['--endpoint-url', emulator.url, '--region', region, 'timeout', 'get', 'elbv2:web']);
      expect(result.stderr).not.toMatch(/invalid AWS region/);
      expect(emulator.requestLog.length).toBeGreaterThan(0);
    });
  });

  it('a bare number still means seconds for a timeout (timeout set elbv2:web 60)', async ({ expect }) => {
    await withEmulator({}, async (emulator) => {
      const result = await runCli(['--endpoint-url', emulator.url, '--region', 'us-east-1', 'timeout', 'set', 'elbv2:web', '60', '--dry-run']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/elbv2:web: would change drain timeout 1s -> 60s/);
    });
  });
});
