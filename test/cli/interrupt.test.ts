/**
 * SIGINT / SIGTERM during a drain's wait: exit 130, the target is left draining, the ledger
 * records the interrupt, and running drain again carries on without a second deregistration.
 */
import { describe, expect, it } from 'vitest';
import { collect, endpointArgs, freshLedgerPath, startCliProcess, waitForExit, waitForOutput } from '../support/cli.js';
import { appliedCallsOf, callsOf, cleanupAfterEach, ID, jsonDoc, runAgainst, startEmulator } from './helpers.js';

cleanupAfterEach();

const S1 = `elbv2:slow/${ID.slow1}`;
const S1_CANONICAL = `${S1}:8080`;

describe.each(['SIGINT', 'SIGTERM'] as const)('%s while drain waits', (signal) => {
  it('exits 130, leaves the target draining, records the interrupt, and a rerun does not deregister again', async () => {
    const emulator = await startEmulator();
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const child = startCliProcess([...endpointArgs(emulator.url), 'drain', S1], { env });
    const stderr = collect(child.stderr!);
    const stdout = collect(child.stdout!);

    await waitForOutput(stderr.text, /waiting (until|on)/, 15_000, child);
    expect(appliedCallsOf(emulator, 'DeregisterTargets')).toHaveLength(1);
    expect(child.kill(signal)).toBe(true);
    const exit = await waitForExit(child, 15_000);

    expect(exit, stderr.text()).toEqual({ code: 130, signal: null });
    expect(stdout.text()).toBe('');
    const last = stderr.text().trim().split('\n').at(-1)!;
    expect(last).toMatch(new RegExp(`^drainctl: interrupted by ${signal}: ${S1_CANONICAL.replace(/[/.]/g, '\\$&')} is still draining`));
    expect(last).toMatch(/drainctl watch elbv2:slow\/i-0a1b2c3d4e5f60021/);
    expect(last).toMatch(/drainctl restore elbv2:slow\/i-0a1b2c3d4e5f60021/);
    // Left draining: nothing was put back or cut.
    expect(emulator.drainingEndsAt('slow', ID.slow1, 8080)).toBeDefined();
    expect(emulator.mutatingCalls().map((e) => e.action)).toEqual(['DeregisterTargets']);

    const history = await runAgainst(emulator, ['-o', 'json', 'history'], { env });
    expect(history.code, history.stderr).toBe(0);
    const events = jsonDoc(history).events as Record<string, any>[];
    expect(events.find((e) => e.type === 'interrupted')).toMatchObject({ provider: 'elbv2', group: 'slow', target: `${ID.slow1}:8080` });
    const text = await runAgainst(emulator, ['history', S1], { env });
    expect(text.stdout).toMatch(/elbv2:slow\/i-0a1b2c3d4e5f60021:8080 +interrupted/);

    const again = await runAgainst(emulator, ['-o', 'json', 'drain', S1, '--no-wait'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(jsonDoc(again).results).toEqual([expect.objectContaining({ target: S1_CANONICAL, state: 'draining' })]);
    expect(callsOf(emulator, 'DeregisterTargets')).toHaveLength(1);
  });
});
