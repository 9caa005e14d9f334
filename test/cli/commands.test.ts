/** Every command end to end against the AWS emulator, asserting on output documents and on what reached the API. */
import { describe, expect, it } from 'vitest';
import { collect, endpointArgs, freshLedgerPath, runCli, startCliProcess, waitForExit, waitForOutput } from '../support/cli.js';
import { appliedCallsOf, callsOf, cleanupAfterEach, ID, jsonDoc, ndjsonRecords, packageVersion, runAgainst, startEmulator, targetsParam, until } from './helpers.js';

cleanupAfterEach();

const W1 = `elbv2:web/${ID.web1}`;
const W1_CANONICAL = `${W1}:8080`;
const S1 = `elbv2:slow/${ID.slow1}`;

describe('drain, status, restore, history', () => {
  it('drains a target, shows it drained, restores it as it was registered and records every step', async () => {
    const emulator = await startEmulator();
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const version = await packageVersion();

    const drained = await runAgainst(emulator, ['-o', 'json', 'drain', W1], { env });
    expect(drained.code, drained.stderr).toBe(0);
    const drainDoc = jsonDoc(drained);
    expect(drainDoc).toMatchObject({ drainctl: version, schema: '1.0', kind: 'drain', dry_run: false, exit_code: 0 });
    expect(drainDoc.results).toEqual([expect.objectContaining({ target: W1_CANONICAL, outcome: 'drained', state: 'absent' })]);
    const deregisters = appliedCallsOf(emulator, 'DeregisterTargets');
    expect(deregisters).toHaveLength(1);
    expect(targetsParam(deregisters[0]!)).toEqual([{ Id: ID.web1, Port: '8080', AvailabilityZone: 'us-east-1a' }]);
    expect(emulator.drainingEndsAt('web', ID.web1, 8080)).toBeUndefined();

    const status = await runAgainst(emulator, ['-o', 'json', 'status', 'elbv2:web'], { env });
    expect(status.code, status.stderr).toBe(0);
    const statusDoc = jsonDoc(status);
    expect(statusDoc).toMatchObject({ drainctl: version, schema: '1.0', kind: 'status', exit_code: 0 });
    expect(statusDoc.groups).toHaveLength(1);
    const targets = statusDoc.groups[0].targets as Record<string, any>[];
    expect(targets.find((t) => t.target === W1_CANONICAL)).toMatchObject({ state: 'absent', recorded: { status: 'stopped' } });
    expect(targets.filter((t) => t.target !== W1_CANONICAL).map((t) => [t.state, t.health])).toEqual([['active', 'healthy'], ['active', 'healthy']]);

    const mutatingBeforeRestore = emulator.mutatingCalls().length;
    const restored = await runAgainst(emulator, ['-o', 'json', 'restore', W1], { env });
    expect(restored.code, restored.stderr).toBe(0);
    const restoreDoc = jsonDoc(restored);
    expect(restoreDoc).toMatchObject({ drainctl: version, schema: '1.0', kind: 'restore', exit_code: 0 });
    expect(restoreDoc.results).toEqual([expect.objectContaining({ target: W1_CANONICAL, outcome: 'restored', state: 'active', health: 'healthy' })]);
    // Put back exactly as recorded: same port, same Availability Zone, in one call.
    const registers = appliedCallsOf(emulator, 'RegisterTargets');
    expect(registers).toHaveLength(1);
    expect(targetsParam(registers[0]!)).toEqual([{ Id: ID.web1, Port: '8080', AvailabilityZone: 'us-east-1a' }]);
    expect(emulator.mutatingCalls().slice(mutatingBeforeRestore).map((e) => e.action)).toEqual(['RegisterTargets']);

    const history = await runAgainst(emulator, ['-o', 'json', 'history', W1], { env });
    expect(history.code, history.stderr).toBe(0);
    const historyDoc = jsonDoc(history);
    expect(historyDoc).toMatchObject({ drainctl: version, schema: '1.0', kind: 'history', exit_code: 0 });
    const types = (historyDoc.events as Record<string, any>[]).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['drain_requested', 'drained', 'restore_requested', 'restored']));
    // Newest first.
    expect(types[0]).toBe('restored');
    expect(types.indexOf('drained')).toBeLessThan(types.indexOf('drain_requested'));
    for (const e of historyDoc.events) expect(e).toMatchObject({ provider: 'elbv2', group: 'web', target: `${ID.web1}:8080` });
  });

  it('--dry-run changes nothing (drain, restore and timeout set)', async () => {
    const emulator = await startEmulator();
    const drain = await runAgainst(emulator, ['-o', 'json', 'drain', W1, '--dry-run']);
    expect(drain.code, drain.stderr).toBe(0);
    expect(jsonDoc(drain)).toMatchObject({ kind: 'drain', dry_run: true, exit_code: 0, results: [{ target: W1_CANONICAL, outcome: 'would_drain', state: 'active' }] });

    const timeout = await runAgainst(emulator, ['-o', 'json', 'timeout', 'set', 'elbv2:web', '60s', '--dry-run']);
    expect(timeout.code, timeout.stderr).toBe(0);
    expect(jsonDoc(timeout)).toMatchObject({ kind: 'timeout', dry_run: true, previous: { seconds: 1 }, current: { seconds: 60 } });

    const restore = await runAgainst(emulator, ['-o', 'json', 'restore', W1, '--dry-run']);
    expect(restore.code, restore.stderr).toBe(0);
    expect(jsonDoc(restore)).toMatchObject({ kind: 'restore', dry_run: true, results: [{ target: W1_CANONICAL, outcome: 'unchanged' }] });

    const text = await runAgainst(emulator, ['drain', W1, `elbv2:web/${ID.web2}`, '--dry-run']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toMatch(/would drain/);

    expect(emulator.requestLog.length).toBeGreaterThan(0);
    expect(emulator.mutatingCalls()).toEqual([]);
    const get = await runAgainst(emulator, ['-o', 'json', 'timeout', 'get', 'elbv2:web']);
    expect(jsonDoc(get).drain_timeout.seconds).toBe(1);
  });

  it('--no-wait returns at once with the target left draining', async () => {
    const emulator = await startEmulator();
    const result = await runAgainst(emulator, ['-o', 'json', 'drain', S1, '--no-wait']);
    expect(result.code, result.stderr).toBe(0);
    expect(jsonDoc(result)).toMatchObject({ kind: 'drain', exit_code: 0, results: [{ target: `${S1}:8080`, outcome: 'draining', state: 'draining' }] });
    expect(emulator.drainingEndsAt('slow', ID.slow1, 8080)).toBeGreaterThan(Date.now() + 20_000);
  });

  it('draining twice is idempotent: one DeregisterTargets per target, the rerun skips it', async () => {
    const emulator = await startEmulator();
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const first = await runAgainst(emulator, ['-o', 'json', 'drain', S1, '--no-wait'], { env });
    expect(first.code, first.stderr).toBe(0);
    const second = await runAgainst(emulator, ['-o', 'ndjson', 'drain', S1, '--no-wait'], { env });
    expect(second.code, second.stderr).toBe(0);
    const records = ndjsonRecords(second.stdout);
    expect(records.filter((r) => r.type === 'action')).toEqual([expect.objectContaining({ action: 'skip', target: `${S1}:8080`, detail: expect.stringMatching(/^already draining/) })]);
    expect(records.at(-1)).toMatchObject({ type: 'summary', exit_code: 0, results: [{ target: `${S1}:8080`, state: 'draining' }] });
    expect(callsOf(emulator, 'DeregisterTargets')).toHaveLength(1);

    // And once a drain has finished, a rerun changes nothing either.
    const W1_PORT = `${W1}:8080`;
    const drained = await runAgainst(emulator, ['-o', 'json', 'drain', W1_PORT], { env });
    expect(drained.code, drained.stderr).toBe(0);
    const again = await runAgainst(emulator, ['-o', 'json', 'drain', W1_PORT], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(jsonDoc(again).results).toEqual([expect.objectContaining({ target: W1_CANONICAL, outcome: 'drained', state: 'absent' })]);
    expect(emulator.mutatingCalls().map((e) => e.action)).toEqual(['DeregisterTargets', 'DeregisterTargets']);
  });

  // Guards the ledger lookup: the first run records the concrete name (i-…0001:8080), the rerun names i-…0001.
  it('rerunning a finished drain with the same reference (no port) exits 0 and changes nothing', async () => {
    const emulator = await startEmulator();
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const first = await runAgainst(emulator, ['-o', 'json', 'drain', W1], { env });
    expect(first.code, first.stderr).toBe(0);
    const again = await runAgainst(emulator, ['-o', 'json', 'drain', W1], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(jsonDoc(again).results).toEqual([expect.objectContaining({ target: W1_CANONICAL, state: 'absent' })]);
    expect(callsOf(emulator, 'DeregisterTargets')).toHaveLength(1);
  });
  // Guards de-duplication by target, not by spelling: i-…0001 and i-…0001:8080 are one target.
  it('the same target named twice (with and without its port) is deregistered once and reported once', async () => {
    const emulator = await startEmulator();
    const result = await runAgainst(emulator, ['-o', 'json', 'drain', W1, `${W1}:8080`, '--no-wait']);
    expect(result.code, result.stderr).toBe(0);
    expect(jsonDoc(result).results).toEqual([expect.objectContaining({ target: W1_CANONICAL, outcome: 'draining' })]);
    const deregisters = callsOf(emulator, 'DeregisterTargets');
    expect(deregisters).toHaveLength(1);
    expect(targetsParam(deregisters[0]!)).toEqual([{ Id: ID.web1, Port: '8080', AvailabilityZone: 'us-east-1a' }]);
  });
});

describe('timeout', () => {
  it('timeout get shows the NLB connection termination flag', async () => {
    const emulator = await startEmulator();
    const json = await runAgainst(emulator, ['-o', 'json', 'timeout', 'get', 'elbv2:tcp-api']);
    expect(json.code, json.stderr).toBe(0);
    const doc = jsonDoc(json);
    expect(doc).toMatchObject({ kind: 'timeout', group: 'elbv2:tcp-api', exit_code: 0 });
    expect(doc.drain_timeout).toMatchObject({ seconds: 10, enabled: true, protocol: 'TCP', connection_termination: true });
    const text = await runAgainst(emulator, ['timeout', 'get', 'elbv2:tcp-api']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^elbv2:tcp-api: drain timeout 10s .*connection_?termination=true/im);
    // An ALB group has no such attribute, and says nothing about it.
    const alb = jsonDoc(await runAgainst(emulator, ['-o', 'json', 'timeout', 'get', 'elbv2:web']));
    expect(alb.drain_timeout).toMatchObject({ seconds: 1, protocol: 'HTTP' });
    expect(alb.drain_timeout).not.toHaveProperty('connection_termination');
    expect(emulator.mutatingCalls()).toEqual([]);
  });

  it('timeout set changes the delay, and timeout get reads it back', async () => {
    const emulator = await startEmulator();
    const set = await runAgainst(emulator, ['-o', 'json', 'timeout', 'set', 'elbv2:web', '45s']);
    expect(set.code, set.stderr).toBe(0);
    expect(jsonDoc(set)).toMatchObject({ kind: 'timeout', dry_run: false, previous: { seconds: 1 }, current: { seconds: 45 }, exit_code: 0 });
    const modify = callsOf(emulator, 'ModifyTargetGroupAttributes');
    expect(modify).toHaveLength(1);
    expect(modify[0]!.params).toMatchObject({ 'Attributes.member.1.Key': 'deregistration_delay.timeout_seconds', 'Attributes.member.1.Value': '45' });
    const get = await runAgainst(emulator, ['-o', 'json', 'timeout', 'get', 'elbv2:web']);
    expect(jsonDoc(get).drain_timeout).toMatchObject({ seconds: 45, enabled: true });
    const text = await runAgainst(emulator, ['timeout', 'get', 'elbv2:web']);
    expect(text.stdout).toMatch(/^elbv2:web: drain timeout 45s/);

    // Classic: setting a timeout also switches connection draining on.
    const classic = await runAgainst(emulator, ['timeout', 'set', 'elb:nodrain', '2m']);
    expect(classic.code, classic.stderr).toBe(0);
    expect(classic.stdout).toMatch(/elb:nodrain: changed drain timeout 300s -> 120s \(and enabled draining\)/);
    const classicGet = await runAgainst(emulator, ['-o', 'json', 'timeout', 'get', 'elb:nodrain']);
    expect(jsonDoc(classicGet).drain_timeout).toMatchObject({ seconds: 120, enabled: true });
    expect(emulator.mutatingCalls().map((e) => e.action)).toEqual(['ModifyTargetGroupAttributes', 'ModifyLoadBalancerAttributes']);
  });
});

describe('waiting', () => {
  it('--timeout 2s on a 30 s delay exits 4 and says how to resume', async () => {
    const emulator = await startEmulator();
    const result = await runAgainst(emulator, ['drain', S1, '--timeout', '2s']);
    expect(result.code, result.stderr).toBe(4);
    const last = result.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^drainctl: timed out: elbv2:slow\/i-0a1b2c3d4e5f60021:8080 still draining/);
    expect(last).toMatch(/drainctl watch elbv2:slow\/i-0a1b2c3d4e5f60021/);
    expect(last).toMatch(/drainctl restore elbv2:slow\/i-0a1b2c3d4e5f60021/);
    // Left draining, not restored or cut.
    expect(emulator.drainingEndsAt('slow', ID.slow1, 8080)).toBeDefined();
    expect(emulator.mutatingCalls().map((e) => e.action)).toEqual(['DeregisterTargets']);
  });

  it('watch follows a draining target until it is drained', async () => {
    // The emulator's clock stands still until watch has seen the target draining, so the drain
    // cannot finish before watch starts however slow the machine is.
    let frozenAt: number | undefined = Date.now();
    const emulator = await startEmulator({ clock: { now: () => frozenAt ?? Date.now() } });
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const drain = await runAgainst(emulator, ['drain', W1, '--no-wait'], { env });
    expect(drain.code, drain.stderr).toBe(0);
    expect(emulator.drainingEndsAt('web', ID.web1, 8080)).toBeDefined();

    const watch = startCliProcess([...endpointArgs(emulator.url), 'watch', W1], { env });
    const stdout = collect(watch.stdout!);
    const stderr = collect(watch.stderr!);
    await waitForOutput(stderr.text, /i-0a1b2c3d4e5f60001:8080: draining \(draining, Target\.DeregistrationInProgress\)/, 15_000, watch);
    frozenAt = undefined; // the 1 s delay is long over in real time
    const exit = await waitForExit(watch, 30_000);
    expect(exit, stderr.text()).toEqual({ code: 0, signal: null });
    expect(stderr.text()).toMatch(/elbv2:web\/i-0a1b2c3d4e5f60001:8080: draining -> absent/);
    expect(stdout.text()).toMatch(/^watch: 1 drained in /);
    expect(emulator.drainingEndsAt('web', ID.web1, 8080)).toBeUndefined();
    // watch only looks.
    expect(emulator.mutatingCalls().map((e) => e.action)).toEqual(['DeregisterTargets']);
  });

  it('a Classic drain ends early once the instance has no connections left, and history shows it drained', async () => {
    const emulator = await startEmulator();
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const target = `elb:legacy-web/${ID.legacy1}`;
    const running = runAgainst(emulator, ['-o', 'json', 'drain', target], { env, timeoutMs: 40_000 });
    await until(() => appliedCallsOf(emulator, 'DeregisterInstancesFromLoadBalancer').length === 1, 15_000, 'the deregistration');
    emulator.setConnections('legacy-web', ID.legacy1, 0);
    const result = await running;
    expect(result.code, result.stderr).toBe(0);
    expect(jsonDoc(result).results).toEqual([expect.objectContaining({ target, outcome: 'drained', state: 'absent' })]);

    const history = await runAgainst(emulator, ['history', target], { env });
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(new RegExp(`elb:legacy-web/${ID.legacy1} +drained`));
  });
});

describe('help and version', () => {
  it('--version prints the package.json version', async () => {
    const version = await packageVersion();
    for (const flag of ['--version', '-V']) {
      const result = await runCli([flag]);
      expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  it('--help and drain --help show examples', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Usage: drainctl/);
    expect(top.stdout).toMatch(/Examples:\n  drainctl drain /);
    const drain = await runCli(['drain', '--help']);
    expect(drain.code).toBe(0);
    expect(drain.stdout).toMatch(/Usage: drainctl drain/);
    expect(drain.stdout).toMatch(/Examples:\n  drainctl drain /);
  });
});
