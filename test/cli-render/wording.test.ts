/** The words text output uses: dry-run summaries, deadlines, history details, coloured states. */
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { describeDetails } from '../../src/cli/render/ledger-details.js';
import { localDeadline } from '../../src/cli/render/deadline.js';
import { NdjsonOutput } from '../../src/cli/render/json.js';
import { createTextStyle, PLAIN_STYLE } from '../../src/cli/render/style.js';
import { TextOutput } from '../../src/cli/render/text.js';
import { detectTerminal } from '../../src/cli/terminal.js';
import { reportResult } from '../../src/cli/commands/report-result.js';
import { statusText } from '../../src/cli/commands/status.js';
import type { DrainEvent } from '../../src/core/events.js';
import type { OperationReport } from '../../src/core/report.js';
import type { GroupView } from '../../src/core/status.js';

const W1 = { kind: 'target', provider: 'elbv2', group: 'web', target: 'i-0a1b2c3d4e5f60001:8080' } as const;

function report(dryRun: boolean, outcome: 'would_drain' | 'drained'): OperationReport {
  return {
    operation: 'drain',
    dryRun,
    startedAt: '2026-11-22T03:45:00.000Z',
    finishedAt: '2026-11-22T03:45:06.000Z',
    results: [{ target: 'elbv2:web/i-0a1b2c3d4e5f60001:8080', outcome, state: dryRun ? 'active' : 'absent', health: 'unknown', raw: { state: 'healthy' }, elapsedMs: 6000 }],
  };
}

describe('drain summary', () => {
  it('a dry run puts no duration after "would drain" (it would read as an estimate)', () => {
    expect(reportResult(report(true, 'would_drain'), [W1]).text).toBe('drain (dry run): 1 would drain');
  });

  it('a real drain says how long it took', () => {
    expect(reportResult(report(false, 'drained'), [W1]).text).toBe('drain: 1 drained in 6s');
  });
});

describe('deadlines', () => {
  const now = Date.parse('2026-11-22T14:32:36.000Z');

  it('are relative, then local wall-clock time, without milliseconds', () => {
    expect(localDeadline('2026-11-22T14:37:06.400Z', now, 'UTC')).toBe('in 4m30s (at 14:37:06)');
    expect(localDeadline('2026-11-22T14:37:06.400Z', now, 'Asia/Tokyo')).toBe('in 4m30s (at 23:37:06)');
  });

  it('carry the date only when the deadline falls on another local day', () => {
    expect(localDeadline('2026-11-22T14:37:06.000Z', now, 'Pacific/Kiritimati')).toBe('in 4m30s (at 04:37:06)');
    expect(localDeadline('2026-11-23T00:10:00.000Z', now, 'UTC')).toBe('in 9h37m24s (at 2026-11-23 00:10:00)');
  });

  it('one already past says so', () => {
    expect(localDeadline('2026-11-22T14:32:00.000Z', now, 'UTC')).toBe('36s ago (at 14:32:00)');
  });

  const group: DrainEvent = { type: 'group', group: 'elbv2:web', providerId: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1', drainTimeoutSeconds: 300, deadline: '2026-11-22T14:37:06.400Z' };

  it('text output prints them that way', () => {
    const err: string[] = [];
    const text = new TextOutput({ terminal: { interactive: false, colorLevel: 0 }, writeOut: () => {}, writeErr: (s) => err.push(s), debug: false, now: () => now, timeZone: 'UTC' });
    text.event(group);
    expect(err.join('')).toBe('elbv2:web: drain timeout 300s; will stop waiting in 4m30s (at 14:37:06)\n');
  });

  it('ndjson keeps RFC 3339, in the field and in the message', () => {
    const lines: string[] = [];
    new NdjsonOutput((s) => lines.push(s), () => {}, '1.2.3', '1.0', false, () => now).event(group);
    const record = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
    expect(record.deadline).toBe('2026-11-22T14:37:06.400Z');
    expect(record['@message']).toBe('elbv2:web: drain timeout 300s; will stop waiting at 2026-11-22T14:37:06.400Z');
  });
});

describe('history details', () => {
  const raw = { state: 'unused', reason: 'Target.NotRegistered', description: 'Target is not registered to the target group' };

  it.each([
    ['drain_requested', { drainTimeoutSeconds: 300, raw: { state: 'healthy' } }, 'drain timeout 300s; provider said healthy'],
    ['drain_requested', { drainTimeoutSeconds: null, raw: { state: 'UP' } }, 'no drain timeout; provider said UP'],
    ['drain_started', {}, '-'],
    ['state_changed', { from: 'draining', to: 'absent', raw }, 'from draining to absent; provider said unused, Target.NotRegistered'],
    ['state_changed', { from: 'draining', to: 'drained', raw, by: 'watch' }, 'from draining to drained; provider said unused, Target.NotRegistered; seen by watch'],
    ['drained', { raw, elapsedMs: 2753 }, 'after 3s; provider said unused, Target.NotRegistered'],
    ['timed_out', { state: 'draining', raw: { state: 'draining' }, elapsedMs: 300_000 }, 'still draining after 5m; provider said draining'],
    ['timed_out', { waitingFor: 'healthy', state: 'active', raw: { state: 'initial' } }, 'waiting for healthy; still active; provider said initial'],
    ['interrupted', { state: 'draining', raw: { state: 'draining' } }, 'still draining; provider said draining'],
    ['forced', { cut: 3, raw: { state: 'DRAIN' } }, 'cut 3 open sessions; provider said DRAIN'],
    ['restore_requested', { registration: { id: 'i-0a1b2c3d4e5f60001', port: 8080, availabilityZone: 'us-east-1a' } }, 'registration id i-0a1b2c3d4e5f60001, port 8080, availability zone us-east-1a'],
    ['restore_requested', { registration: null }, 'no recorded registration'],
    ['restored', { elapsedMs: 1120 }, 'after 1s'],
    ['restored', { alreadyInService: true }, 'already in service'],
    ['restored', { waited: false }, 'did not wait for health'],
    ['failed', { message: 'AccessDenied: not allowed', changed: false }, 'AccessDenied: not allowed; nothing was changed'],
    ['timeout_changed', { from: 2, to: 60 }, 'from 2s to 60s'],
    ['timeout_changed', { from: null, to: 60 }, 'from none to 60s'],
    // A key this renderer has never heard of still reads as words.
    ['drained', { connectionsLeft: 0, extra: { someFlag: true } }, 'connections left 0; extra some flag true'],
  ])('%s %j -> %s', (type, details, words) => {
    expect(describeDetails(type, details)).toBe(words);
  });
});

describe('states in status', () => {
  const group: GroupView = {
    group: 'elbv2:web',
    providerId: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1',
    timeout: { seconds: 300, enabled: true, extra: {} },
    targets: (['active', 'draining', 'drained', 'absent', 'unknown'] as const).map((state, i) => ({
      status: { ref: { ...W1, target: `i-0a1b2c3d4e5f6000${i}:8080` }, state, health: 'unknown', raw: { state } },
      recorded: undefined,
    })),
  };
  const color = new Chalk({ level: 1 });

  it('are coloured when colour is on, and the columns still line up', () => {
    const text = statusText([group], createTextStyle(color, (r) => r));
    expect(text).toContain(color.green('active'));
    expect(text).toContain(color.yellow('draining'));
    expect(text).toContain(color.dim('drained'));
    expect(text).toContain(color.dim('absent'));
    expect(text).toContain(color.red('unknown'));
    const plain = statusText([group], PLAIN_STYLE);
    expect(text.replace(/\u001B\[\d+m/g, '')).toBe(plain);
  });

  it('carry no colour codes when colour is off (NO_COLOR) or the output is not a terminal', () => {
    for (const [env, tty] of [[{ NO_COLOR: '1' }, true], [{}, false]] as const) {
      const output = new TextOutput({ terminal: detectTerminal(env, { isTTY: tty }), writeOut: () => {}, writeErr: () => {}, debug: false });
      expect(statusText([group], output.style)).not.toMatch(/\u001B\[/);
    }
  });

  it('on a colour terminal, TextOutput colours them', () => {
    const output = new TextOutput({ terminal: detectTerminal({}, { isTTY: true }), writeOut: () => {}, writeErr: () => {}, debug: false });
    expect(output.style.state('active')).toBe(color.green('active'));
  });

  it('follow stdout, not stderr: `status > file` on a colour terminal writes no colour codes', () => {
    const output = new TextOutput({ terminal: detectTerminal({}, { isTTY: true }), stdoutColorLevel: detectTerminal({}, { isTTY: false }).colorLevel, writeOut: () => {}, writeErr: () => {}, debug: false });
    expect(output.style.state('active')).toBe('active');
  });
});
