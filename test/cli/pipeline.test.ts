/**
 * The group-operation pipeline end to end, through the CLI against the AWS emulator: a lost
 * endpoint, a refused (403) drain, and one ledger row however a reference is spelled.
 */
import { describe, expect, it } from 'vitest';
import { freshLedgerPath } from '../support/cli.js';
import { ID, appliedCallsOf, callsOf, cleanupAfterEach, jsonDoc, ndjsonRecords, runAgainst, startEmulator, stopEmulator, targetsParam, until } from './helpers.js';

cleanupAfterEach();

describe('a lost endpoint', () => {
  it('stops a drain whose endpoint stops answering mid-wait: exit 1 naming it, retries shown, well before --timeout', { timeout: 60_000 }, async () => {
    const emulator = await startEmulator();
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const endpoint = new URL(emulator.url).host;
    // A 30 s delay and a 10 minute --timeout: only giving up on the endpoint can end this within the test's minute.
    const pending = runAgainst(emulator, ['-o', 'ndjson', 'drain', `elbv2:slow/${ID.slow1}`, '--timeout', '10m'], { env, timeoutMs: 55_000 });
    await until(() => appliedCallsOf(emulator, 'DeregisterTargets').length === 1 && callsOf(emulator, 'DescribeTargetHealth').length >= 2, 20_000, 'the first poll after the drain');
    await stopEmulator(emulator);
    const result = await pending;

    expect(result.code, result.stderr).toBe(1);
    const records = ndjsonRecords(result.stdout);
    const retries = records.filter((r) => r.type === 'retry');
    expect(retries.length).toBeGreaterThanOrEqual(1);
    for (const r of retries) expect(r).toMatchObject({ retryable: 'unreachable', endpoint, throttled: false });
    const summary = records.at(-1)!;
    expect(summary.exit_code).toBe(1);
    expect(JSON.stringify(summary)).toContain(`${endpoint} did not answer`);
    // Nothing reports the target as still draining: the last state is given with when it was seen.
    expect(result.stdout).not.toMatch(/still draining/);
    expect(JSON.stringify(summary)).toMatch(/last seen \w+ at 20\d\d-/);
  });

  it('in text, each unanswered try is shown as it happens, also in a pipe without --debug', { timeout: 60_000 }, async () => {
    const emulator = await startEmulator();
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const endpoint = new URL(emulator.url).host;
    const pending = runAgainst(emulator, ['drain', `elbv2:slow/${ID.slow1}`, '--timeout', '10m'], { env, timeoutMs: 55_000 });
    await until(() => appliedCallsOf(emulator, 'DeregisterTargets').length === 1 && callsOf(emulator, 'DescribeTargetHealth').length >= 2, 20_000, 'the first poll after the drain');
    await stopEmulator(emulator);
    const result = await pending;

    expect(result.code, result.stderr).toBe(1);
    const tries = result.stderr.split('\n').filter((l) => l.includes(`${endpoint} did not answer (try `));
    expect(tries.length, result.stderr).toBeGreaterThanOrEqual(2);
    expect(tries[0]).toMatch(/^warning: elbv2:slow: .* did not answer \(try 1 of \d+\), retrying in /);
  });
});

describe('a refused drain (AWS 403)', () => {
  it('exits 1 with access denied, records nothing changed, and status shows the target untouched', { timeout: 60_000 }, async () => {
    const emulator = await startEmulator({ faults: { deniedActions: ['DeregisterTargets'] } });
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const drain = await runAgainst(emulator, ['drain', `elbv2:web/${ID.web1}`], { env });
    expect(drain.code, drain.stderr).toBe(1);
    expect(drain.stderr).toMatch(/access denied/);
    expect(appliedCallsOf(emulator, 'DeregisterTargets')).toHaveLength(0);

    const history = jsonDoc(await runAgainst(emulator, ['-o', 'json', 'history'], { env }));
    const failed = (history.events as Record<string, any>[]).find((e) => e.type === 'failed');
    expect(failed?.details).toMatchObject({ changed: false });

    const status = jsonDoc(await runAgainst(emulator, ['-o', 'json', 'status', `elbv2:web/${ID.web1}`], { env }));
    const target = status.groups[0].targets[0];
    expect(target).toMatchObject({ state: 'active', recorded: { status: 'active', drain_started_at: null } });
  });
});

describe('one ledger row however a reference is spelled', () => {
  it('drain by ARN; watch, status and restore by name and without the port see the same row', { timeout: 60_000 }, async () => {
    const emulator = await startEmulator();
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const arn = emulator.targetGroupArn('web');
    const drain = await runAgainst(emulator, ['-o', 'json', 'drain', `elbv2:${arn}/${ID.web1}:8080`, '--no-wait'], { env });
    expect(drain.code, drain.stderr).toBe(0);
    expect(jsonDoc(drain).results[0]).toMatchObject({ target: `elbv2:web/${ID.web1}:8080`, outcome: 'draining' });

    const during = jsonDoc(await runAgainst(emulator, ['-o', 'json', 'status', `elbv2:web/${ID.web1}`], { env }));
    expect(during.groups[0]).toMatchObject({ group: 'elbv2:web', provider_id: arn });
    // The drain (1 s delay) may have finished by now; either way status finds the row the drain by ARN wrote.
    expect(during.groups[0].targets[0]).toMatchObject({ target: `elbv2:web/${ID.web1}:8080`, state: expect.stringMatching(/^(draining|absent)$/), recorded: { status: 'draining' } });

    const watch = await runAgainst(emulator, ['-o', 'json', 'watch', `elbv2:web/${ID.web1}`], { env });
    expect(watch.code, watch.stderr).toBe(0);
    expect(jsonDoc(watch).results[0]).toMatchObject({ target: `elbv2:web/${ID.web1}:8080`, outcome: 'drained' });

    const after = jsonDoc(await runAgainst(emulator, ['-o', 'json', 'status', 'elbv2:web'], { env }));
    const row = (after.groups[0].targets as Record<string, any>[]).find((t) => t.target === `elbv2:web/${ID.web1}:8080`);
    expect(row).toMatchObject({ state: 'absent', recorded: { status: 'stopped' } });

    const restore = await runAgainst(emulator, ['-o', 'json', 'restore', `elbv2:web/${ID.web1}`], { env });
    expect(restore.code, restore.stderr).toBe(0);
    expect(jsonDoc(restore).results[0]).toMatchObject({ target: `elbv2:web/${ID.web1}:8080`, outcome: 'restored' });
    const registered = appliedCallsOf(emulator, 'RegisterTargets');
    expect(registered).toHaveLength(1);
    expect(targetsParam(registered[0]!)).toEqual([{ Id: ID.web1, Port: '8080', AvailabilityZone: 'us-east-1a' }]);
  });

  it('a timed-out drain by ARN says how to resume with the canonical reference', { timeout: 60_000 }, async () => {
    const emulator = await startEmulator();
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const result = await runAgainst(emulator, ['drain', `elbv2:${emulator.targetGroupArn('slow')}/${ID.slow1}`, '--timeout', '2s'], { env });
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr).toContain(`drainctl watch elbv2:slow/${ID.slow1}:8080`);
  });
});
