/**
 * Malformed invocations, one row each: the documented exit code, exactly one line on stderr that
 * names the problem and the fix, nothing on stdout, and no state-changing call reaching the
 * load balancer (each row gets its own emulator, so its request log is that run's alone).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, type ExpectStatic, it } from 'vitest';
import { nonEmptyLines, runCli, scratchDir } from '../support/cli.js';
import { cleanupAfterAll, ID, ndjsonRecords, withEmulator } from './helpers.js';

interface Row {
  readonly name: string;
  /** Arguments after `--endpoint-url <url> --region us-east-1`; {NOT_A_DB}, {A_DIR}, {MISSING_SEED} are filled in. */
  readonly args: readonly string[];
  readonly code: 0 | 1 | 2 | 3 | 4 | 5 | 130;
  /** Must match the single stderr line: what is wrong and how to fix it. */
  readonly stderr: RegExp;
  /** How the run reaches the emulator: both flags (default), --endpoint-url without --region, or neither. */
  readonly connect?: 'emulator' | 'no-region' | 'none';
  /** The emulator must see no request at all (input refused before any API call). */
  readonly noApiCalls?: boolean;
  /** What stdout holds: nothing (text, the default), or the machine format's error document. */
  readonly stdout?: 'empty' | 'json-error' | 'ndjson-error';
}

const W1 = `elbv2:web/${ID.web1}`;
const W2 = `elbv2:web/${ID.web2}`;
const W3 = `elbv2:web/${ID.web3}`;

const rows: readonly Row[] = [
  // --until app-idle
  { name: '--app-status without --until app-idle', args: ['drain', W1, '--app-status', 'http://127.0.0.1:9000/drain/status'], code: 2, noApiCalls: true,
    stderr: /^drainctl: --app-status is read only with --until app-idle; add --until app-idle, or drop it$/ },
  { name: '--until app-idle with --no-wait', args: ['drain', W1, '--until', 'app-idle', '--no-wait', '--app-status', 'http://127.0.0.1:9/s'], code: 2, noApiCalls: true,
    stderr: /^drainctl: --until app-idle decides when the wait is over and cannot be used with --no-wait; drop one of the two$/ },
  { name: '--until with an unknown kind of evidence', args: ['drain', W1, '--until', 'quiet'], code: 2, noApiCalls: true,
    stderr: /^drainctl: .*'quiet'.*load-balancer, app-idle/ },
  { name: '--app-status with an unknown placeholder', args: ['drain', W1, '--until', 'app-idle', '--app-status', 'http://{host}:9000/s'], code: 2, noApiCalls: true,
    stderr: /^drainctl: invalid --app-status "http:\/\/\{host\}:9000\/s": unknown placeholder \{host\}; use \{target\}, \{id\}, \{ip\}, \{port\}$/ },
  { name: '--quiet-period that is not a duration', args: ['drain', W1, '--until', 'app-idle', '--app-status', 'http://127.0.0.1:9/s', '--quiet-period', 'a while'], code: 2, noApiCalls: true,
    stderr: /^drainctl: invalid --quiet-period "a while": expected a number with an optional unit/ },
  { name: '--until app-idle with no status URL anywhere', args: ['drain', W1, '--until', 'app-idle'], code: 2,
    stderr: /^drainctl: --until app-idle needs the status URL of the apps in elbv2:web; pass --app-status <url> \(e\.g\. http:\/\/\{ip\}:9000\/drain\/status\), or set app-status-url for this group in drainctl\.yaml$/ },
  { name: '--app-status {ip} for an instance target', args: ['drain', W1, '--until', 'app-idle', '--app-status', 'http://{ip}:9000/drain/status'], code: 2,
    stderr: /^drainctl: --app-status "http:\/\/\{ip\}:9000\/drain\/status" needs \{ip\}, which elbv2:web\/i-0a1b2c3d4e5f60001:8080 does not have; drainctl knows no address for an instance id/ },
  // The capacity guard's flags
  { name: '--min-healthy that is neither a count nor a percentage', args: ['drain', W1, '--min-healthy', 'most'], code: 2, noApiCalls: true,
    stderr: /^drainctl: invalid --min-healthy "most": expected a number of targets \(3\) or a percentage of the group \(50%\)$/ },
  { name: '--min-healthy over 100%', args: ['drain', W1, '--min-healthy', '150%'], code: 2, noApiCalls: true,
    stderr: /^drainctl: invalid --min-healthy "150%": a percentage is at most 100%$/ },
  { name: '--lease shorter than renewals can keep up with', args: ['drain', W1, '--lease', '1s'], code: 2, noApiCalls: true,
    stderr: /^drainctl: invalid --lease "1s": at least 3s, so renewals keep up; e\.g\. --lease 30s$/ },
  { name: '--wait-for-capacity that is not a duration', args: ['drain', W1, '--wait-for-capacity', 'forever'], code: 2, noApiCalls: true,
    stderr: /^drainctl: invalid --wait-for-capacity "forever": expected a number with an optional unit/ },
  { name: 'a drain that would go below --min-healthy', args: ['drain', W1, '--min-healthy', '3'], code: 5,
    stderr: /^drainctl: draining elbv2:web\/i-0a1b2c3d4e5f60001:8080 would leave elbv2:web with 2 targets in service, below --min-healthy 3 \(3 needed\); wait for capacity with --wait-for-capacity <duration>/ },
  // References
  { name: 'no provider prefix', args: ['drain', `web/${ID.web1}`], code: 2, noApiCalls: true,
    stderr: /invalid reference "web\/i-0a1b2c3d4e5f60001": expected <provider>:<group>\/<target>; known providers: .*elbv2.*; example: elbv2:/ },
  { name: 'unknown provider alb:', args: ['drain', `alb:web/${ID.web1}`], code: 2, noApiCalls: true,
    stderr: /invalid reference "alb:web\/i-0a1b2c3d4e5f60001": unknown provider "alb"; known providers: .*elbv2.*elb/ },
  { name: 'empty reference body', args: ['drain', 'elbv2:'], code: 2, noApiCalls: true,
    stderr: /invalid reference "elbv2:": the target group is missing; example: elbv2:\S+\/\S+/ },
  { name: 'empty group before /', args: ['drain', `elbv2:/${ID.web1}`], code: 2, noApiCalls: true,
    stderr: /invalid reference "elbv2:\/i-0a1b2c3d4e5f60001": the target group before "\/" is empty; example: elbv2:\S+\/\S+/ },
  { name: 'empty target after /', args: ['drain', 'elbv2:web/'], code: 2, noApiCalls: true,
    stderr: /invalid reference "elbv2:web\/": the target after the last "\/" is empty; name a target \(elbv2:\S+\) or the group alone \(elbv2:\S+\)/ },
  { name: 'bad instance ID', args: ['drain', 'elbv2:web/i-xyz'], code: 2, noApiCalls: true,
    stderr: /invalid reference "elbv2:web\/i-xyz": "i-xyz" is not an instance ID, IP address or Lambda ARN; examples: i-/ },
  { name: 'bad IPv4 address', args: ['drain', 'elbv2:web/10.0.0.256'], code: 2, noApiCalls: true,
    stderr: /invalid reference "elbv2:web\/10\.0\.0\.256": "10\.0\.0\.256" is not an instance ID, IP address or Lambda ARN; examples: .*10\.0\.1\.12:8080/ },
  { name: 'port 0', args: ['drain', `${W1}:0`], code: 2, noApiCalls: true,
    stderr: /invalid reference "elbv2:web\/i-0a1b2c3d4e5f60001:0": .*invalid port "0": expected 1-65535; example: i-\w+:8080/ },
  { name: 'port 70000', args: ['drain', `${W1}:70000`], code: 2, noApiCalls: true,
    stderr: /invalid reference "elbv2:web\/i-0a1b2c3d4e5f60001:70000": .*invalid port "70000": expected 1-65535; example: i-\w+:8080/ },
  { name: 'IPv6 without the closing bracket', args: ['drain', 'elbv2:web/[2001:db8::10:8080'], code: 2, noApiCalls: true,
    stderr: /"\[2001:db8::10:8080" is not an IPv6 address in brackets; example: \[2001:db8::10\]:8080/ },
  { name: 'bad Lambda ARN', args: ['drain', 'elbv2:web/arn:aws:lambda:us-east-1:1234:function:fn'], code: 2, noApiCalls: true,
    stderr: /"arn:aws:lambda:us-east-1:1234:function:fn" is not a Lambda function ARN; example: arn:aws:lambda:us-east-1:123456789012:function:/ },
  { name: 'Classic reference to an IP address', args: ['drain', 'elb:legacy-web/10.0.0.1'], code: 2, noApiCalls: true,
    stderr: /"10\.0\.0\.1" is not an EC2 instance ID \(Classic ELB registers instances only\); example: elb:legacy-web\/i-/ },
  { name: 'drain given a group, not a target', args: ['drain', 'elbv2:web'], code: 2, noApiCalls: true,
    stderr: /"elbv2:web" names a whole target group, not a target; add the target: elbv2:web\/i-/ },
  { name: 'restore given a Classic load balancer, not an instance', args: ['restore', 'elb:legacy-web'], code: 2, noApiCalls: true,
    stderr: /"elb:legacy-web" names a whole Classic load balancer, not a target; add the target: elb:legacy-web\/i-/ },
  { name: 'watch given a group, not a target', args: ['watch', 'elbv2:web'], code: 2, noApiCalls: true,
    stderr: /"elbv2:web" names a whole target group, not a target; add the target: / },
  { name: 'timeout get given a target, not a group', args: ['timeout', 'get', W1], code: 2, noApiCalls: true,
    stderr: /"elbv2:web\/i-0a1b2c3d4e5f60001" names a target, not a target group; drop the target: elbv2:web/ },
  { name: 'timeout set given a target, not a group', args: ['timeout', 'set', W1, '60'], code: 2, noApiCalls: true,
    stderr: /"elbv2:web\/i-0a1b2c3d4e5f60001" names a target, not a target group; drop the target: elbv2:web/ },
  { name: 'one bad reference among good ones changes nothing', args: ['drain', W1, 'elbv2:web/i-nothex'], code: 2, noApiCalls: true,
    stderr: /invalid reference "elbv2:web\/i-nothex": .*not an instance ID.*; examples: / },

  // Durations
  { name: '--timeout abc', args: ['drain', W1, '--timeout', 'abc'], code: 2, noApiCalls: true,
    stderr: /invalid --timeout "abc": expected a number with an optional unit ms, s, m or h; examples: .*5m/ },
  { name: '--timeout -5s', args: ['drain', W1, '--timeout', '-5s'], code: 2, noApiCalls: true,
    stderr: /invalid --timeout "-5s": expected a number with an optional unit ms, s, m or h; examples: .*5m/ },
  { name: '--timeout 0', args: ['drain', W1, '--timeout', '0'], code: 2, noApiCalls: true,
    stderr: /invalid --timeout.*greater than zero; e\.g\. --timeout 5m/ },
  { name: 'watch --timeout 0', args: ['watch', W1, '--timeout', '0s'], code: 2, noApiCalls: true,
    stderr: /invalid --timeout.*greater than zero; e\.g\. --timeout 5m/ },
  { name: 'timeout set 5d (unknown unit)', args: ['timeout', 'set', 'elbv2:web', '5d'], code: 2, noApiCalls: true,
    stderr: /invalid drain timeout "5d": expected a number with an optional unit ms, s, m or h; examples: / },
  { name: 'timeout set 850ms (not whole seconds)', args: ['timeout', 'set', 'elbv2:web', '850ms'], code: 2, noApiCalls: true,
    stderr: /invalid drain timeout "850ms": the load balancer stores whole seconds; use e\.g\. 1s/ },
  { name: 'timeout set 3601 on ELBv2 (over 3600)', args: ['timeout', 'set', 'elbv2:web', '3601'], code: 2, noApiCalls: true,
    stderr: /drain timeout 3601s is out of range for target group web: allowed 0-3600 seconds; pick a value from 0s to 3600s/ },
  { name: 'timeout set 0 on Classic (under 1)', args: ['timeout', 'set', 'elb:legacy-web', '0'], code: 2, noApiCalls: true,
    stderr: /drain timeout 0s is out of range for Classic load balancer legacy-web: allowed 1-3600 seconds; pick a value from 1s to 3600s/ },

  // Command line
  { name: 'unknown option', args: ['drain', '--bogus', W1], code: 2, noApiCalls: true, stderr: /unknown option '--bogus' \(see drainctl --help\)/ },
  { name: 'unknown option with -o json', args: ['-o', 'json', 'drain', '--bogus', W1], code: 2, noApiCalls: true, stdout: 'json-error',
    stderr: /unknown option '--bogus' \(see drainctl --help\)/ },
  { name: 'unknown command with -o ndjson', args: ['-o', 'ndjson', 'frobnicate'], code: 2, noApiCalls: true, stdout: 'ndjson-error',
    stderr: /unknown command 'frobnicate' \(see drainctl --help\)/ },
  { name: 'unknown command', args: ['frobnicate', W1], code: 2, noApiCalls: true, stderr: /unknown command 'frobnicate' \(see drainctl --help\)/ },
  { name: 'missing argument', args: ['drain'], code: 2, noApiCalls: true, stderr: /missing required argument 'ref' \(see drainctl --help\)/ },
  { name: 'timeout set without a duration', args: ['timeout', 'set', 'elbv2:web'], code: 2, noApiCalls: true,
    stderr: /timeout set needs a duration or a latency source \(--p99, --from-log, --from-cloudwatch or --from-history\)/ },
  { name: 'drain --no-wait with --timeout', args: ['drain', W1, '--no-wait', '--timeout', '5m'], code: 2, noApiCalls: true,
    stderr: /--timeout bounds the wait and cannot be used with --no-wait; drop one of the two/ },
  { name: 'restore --no-wait with --timeout', args: ['restore', W1, '--no-wait', '--timeout', '5m'], code: 2, noApiCalls: true,
    stderr: /--timeout bounds the wait and cannot be used with --no-wait; drop one of the two/ },
  { name: '-o yaml', args: ['-o', 'yaml', 'status', 'elbv2:web'], code: 2, noApiCalls: true,
    stderr: /'yaml' is invalid\. Allowed choices are text, json, ndjson\. \(see drainctl --help\)/ },
  { name: 'no region (no --region, no AWS_REGION)', args: ['drain', W1], connect: 'no-region', code: 2, noApiCalls: true,
    stderr: /no AWS region configured; pass --region <region> or set AWS_REGION/ },
  { name: 'history --limit 0', args: ['history', '--limit', '0'], code: 2, noApiCalls: true, stderr: /invalid --limit "0": expected a whole number 1-10000/ },
  { name: '--ledger is not a database', args: ['--ledger', '{NOT_A_DB}', 'drain', W1], code: 2, noApiCalls: true,
    stderr: /ledger \S+not-a-db\.txt is not a drainctl ledger \(file is not a database\); pass --ledger <path> or set DRAINCTL_LEDGER/ },
  { name: '--ledger is a directory', args: ['--ledger', '{A_DIR}', 'drain', W1], code: 2, noApiCalls: true,
    stderr: /ledger \S+a-dir is a directory, not a file; pass --ledger <path> or set DRAINCTL_LEDGER/ },

  // Not found (3)
  { name: 'unknown target group', args: ['drain', `elbv2:nosuch/${ID.web1}`], code: 3,
    stderr: /target group nosuch not found; check the name and --region/ },
  { name: 'unknown target group next to a good one changes nothing', args: ['drain', W1, `elbv2:nosuch/${ID.web1}`], code: 3,
    stderr: /target group nosuch not found; check the name and --region/ },
  { name: 'timeout set on an unknown target group', args: ['timeout', 'set', 'elbv2:nosuch', '60'], code: 3,
    stderr: /target group nosuch not found; check the name and --region/ },
  { name: 'unknown Classic load balancer', args: ['drain', `elb:nosuch/${ID.legacy1}`], code: 3,
    stderr: /Classic load balancer nosuch not found; check the name/ },
  { name: 'target not registered', args: ['drain', 'elbv2:web/i-0a1b2c3d4e5f69999'], code: 3,
    stderr: /target group web has no target i-0a1b2c3d4e5f69999 \(registered: i-0a1b2c3d4e5f60001:8080, i-0a1b2c3d4e5f60002:8080, i-0a1b2c3d4e5f60003:8080\); check the reference with: drainctl status elbv2:web/ },

  // Refused (5)
  { name: 'Classic drain with connection draining disabled', args: ['drain', `elb:nodrain/${ID.nodrain1}`], code: 5,
    stderr: /connection draining is disabled on elb:nodrain.*; enable it with: drainctl timeout set elb:nodrain <duration>, or pass --force/ },
  { name: 'draining the last healthy targets of a group', args: ['drain', W1, W2, W3], code: 5,
    stderr: /would leave elbv2:web with no healthy target; .*--force/ },

  // emulate
  { name: 'emulate aws --port 99999', args: ['emulate', 'aws', '--port', '99999'], connect: 'none', code: 2, noApiCalls: true,
    stderr: /invalid --port "99999": expected 1-65535; or leave it out for any free port/ },
  { name: 'emulate aws --seed <missing file>', args: ['emulate', 'aws', '--seed', '{MISSING_SEED}'], connect: 'none', code: 2, noApiCalls: true,
    stderr: /missing-seed\.json: cannot read the seed file \(ENOENT\); see docs\/emulators\.md/ },
  { name: 'emulate an unknown cloud', args: ['emulate', 'ibm'], connect: 'none', code: 2, noApiCalls: true,
    stderr: /'ibm' is invalid for argument 'provider'\. Allowed choices are aws, gcp, azure.*\(see drainctl --help\)/ },
];

/** Text mode prints nothing on stdout when it fails; json and ndjson still give their reader an error document. */
function checkStdout(expect: ExpectStatic, row: Row, stdout: string, context: string): void {
  const mode = row.stdout ?? 'empty';
  if (mode === 'empty') {
    expect(stdout, context).toBe('');
    return;
  }
  if (mode === 'json-error') {
    const doc = JSON.parse(stdout) as Record<string, any>;
    expect(doc, context).toMatchObject({ schema: '1.0', kind: 'error', error: { kind: 'usage' }, exit_code: row.code });
    return;
  }
  const records = ndjsonRecords(stdout);
  expect(records[0], context).toMatchObject({ type: 'version', schema: '1.0' });
  expect(records.at(-2), context).toMatchObject({ type: 'diagnostic', diagnostic: { kind: 'usage' } });
  expect(records.at(-1), context).toMatchObject({ type: 'summary', exit_code: row.code });
}

const paths = { NOT_A_DB: '', A_DIR: '', MISSING_SEED: '' };

beforeAll(() => {
  const dir = scratchDir('drainctl-bad-input-');
  paths.NOT_A_DB = join(dir, 'not-a-db.txt');
  writeFileSync(paths.NOT_A_DB, 'this is a text file, not a SQLite database; drainctl must not adopt it\n'.repeat(20));
  paths.A_DIR = join(dir, 'a-dir');
  mkdirSync(paths.A_DIR);
  paths.MISSING_SEED = join(dir, 'missing-seed.json');
});

cleanupAfterAll();

describe('malformed invocations', () => {
  it('has at least 35 rows', ({ expect }) => {
    expect(rows.length).toBeGreaterThanOrEqual(35);
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  });

  for (const row of rows) {
    it.concurrent(`${row.name} -> exit ${row.code}`, async ({ expect }) => {
      await withEmulator({}, async (emulator) => {
        const args = row.args.map((a) => a.replace(/^\{(\w+)\}$/, (_, key: keyof typeof paths) => paths[key]));
        const connect = row.connect ?? 'emulator';
        const prefix = connect === 'emulator' ? ['--endpoint-url', emulator.url, '--region', 'us-east-1'] : connect === 'no-region' ? ['--endpoint-url', emulator.url] : [];
        const result = await runCli([...prefix, ...args], { timeoutMs: 20_000 });
        const context = `drainctl ${args.join(' ')}\nexit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;

        expect(result.code, context).toBe(row.code);
        const lines = nonEmptyLines(result.stderr);
        expect(lines, context).toHaveLength(1);
        expect(lines[0], context).toMatch(/^drainctl: \S/);
        expect(lines[0], context).toMatch(row.stderr);
        checkStdout(expect, row, result.stdout, context);
        expect(emulator.mutatingCalls(), context).toEqual([]);
        if (row.noApiCalls) expect(emulator.requestLog.map((e) => e.action), context).toEqual([]);
        // Rows that reach the load balancer must actually have reached it, or "no mutating call" proves nothing.
        else expect(emulator.requestLog.length, context).toBeGreaterThan(0);
      });
    });
  }
});
