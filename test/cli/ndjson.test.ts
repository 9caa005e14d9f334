/** `-o ndjson`: one JSON object per line, the version record first, the summary last. */
import { describe, expect, it } from 'vitest';
import { nonEmptyLines } from '../support/cli.js';
import { cleanupAfterEach, ID, ndjsonRecords, packageVersion, runAgainst, startEmulator } from './helpers.js';

cleanupAfterEach();

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const LEVELS = ['info', 'warn', 'error', 'debug'];

function checkEnvelope(records: readonly Record<string, any>[]): void {
  let previous = 0;
  records.forEach((r, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(r)}`;
    expect(r['@timestamp'], where).toMatch(RFC3339);
    const at = Date.parse(r['@timestamp']);
    expect(Number.isNaN(at), where).toBe(false);
    expect(at, `${where} goes back in time`).toBeGreaterThanOrEqual(previous);
    previous = at;
    expect(LEVELS, where).toContain(r['@level']);
    expect(typeof r['@message'] === 'string' && r['@message'].length > 0, where).toBe(true);
    expect(typeof r.type === 'string' && r.type.length > 0, where).toBe(true);
  });
}

describe('-o ndjson', () => {
  it('streams a drain: version first, the target going active -> draining -> absent, summary last', async () => {
    const emulator = await startEmulator();
    const version = await packageVersion();
    const target = `elbv2:web/${ID.web1}:8080`;
    const result = await runAgainst(emulator, ['-o', 'ndjson', 'drain', `elbv2:web/${ID.web1}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.endsWith('\n')).toBe(true);

    const records = ndjsonRecords(result.stdout);
    expect(records.length).toBeGreaterThanOrEqual(5);
    checkEnvelope(records);
    expect(records[0]).toMatchObject({ type: 'version', drainctl: version, schema: '1.0' });
    expect(records.filter((r) => r.type === 'version')).toHaveLength(1);
    expect(records.find((r) => r.type === 'plan')).toMatchObject({ operation: 'drain', targets: [`elbv2:web/${ID.web1}:8080`] }); // as resolved, with its port

    const states = records.filter((r) => r.type === 'target_state' && r.target === target);
    expect(states.length).toBeGreaterThanOrEqual(2);
    const chain = [states[0]!.previous, ...states.map((s) => s.state)].filter((s, i, all) => s !== undefined && s !== all[i - 1]);
    expect(chain).toEqual(['active', 'draining', 'absent']);
    expect(records.find((r) => r.type === 'target_done')).toMatchObject({ target, outcome: 'drained' });

    const summary = records.at(-1)!;
    expect(summary).toMatchObject({ type: 'summary', kind: 'drain', exit_code: 0, results: [{ target, outcome: 'drained', state: 'absent' }] });
    expect(records.filter((r) => r.type === 'summary')).toHaveLength(1);
    expect(emulator.mutatingCalls().map((e) => e.action)).toEqual(['DeregisterTargets']);
  });

  it('ends a failing run (unknown group) with a diagnostic and a summary carrying exit_code 3', async () => {
    const emulator = await startEmulator();
    const result = await runAgainst(emulator, ['-o', 'ndjson', 'drain', `elbv2:nosuch/${ID.web1}`]);
    expect(result.code).toBe(3);
    const records = ndjsonRecords(result.stdout);
    checkEnvelope(records);
    expect(records[0]).toMatchObject({ type: 'version', schema: '1.0' });
    expect(records.at(-2)).toMatchObject({ type: 'diagnostic', '@level': 'error', diagnostic: { kind: 'not_found', message: expect.stringMatching(/target group nosuch not found/) } });
    expect(records.at(-1)).toMatchObject({ type: 'summary', kind: 'error', exit_code: 3, error: { kind: 'not_found' } });
    // A failed check announces no plan.
    expect(records.map((r) => r.type)).toEqual(['version', 'diagnostic', 'summary']);
    expect(nonEmptyLines(result.stderr)).toEqual([expect.stringMatching(/^drainctl: target group nosuch not found; /)]);
    expect(emulator.mutatingCalls()).toEqual([]);
  });
});
