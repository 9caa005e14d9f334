import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/cli/redact.js';
import { NdjsonOutput } from '../../src/cli/render/json.js';
import { TextOutput } from '../../src/cli/render/text.js';
import { detectTerminal } from '../../src/cli/terminal.js';
import type { DrainEvent } from '../../src/core/events.js';

const state: DrainEvent = { type: 'target_state', target: 'elbv2:web/i-0a1b2c3d4e5f60001:8080', state: 'draining', previous: 'active', health: 'unknown', raw: { state: 'draining', reason: 'Target.DeregistrationInProgress' }, inFlight: undefined };
const waiting: DrainEvent = { type: 'waiting', group: 'elbv2:web', polls: 2, pending: ['elbv2:web/i-0a1b2c3d4e5f60001:8080'], expectedDoneAt: undefined };

describe('terminal detection', () => {
  it.each([
    [{}, true, { interactive: true, colorLevel: 1 }],
    [{ CI: 'true' }, true, { interactive: false, colorLevel: 1 }],
    [{ CI: 'false' }, true, { interactive: false, colorLevel: 1 }],
    [{ TERM: 'dumb' }, true, { interactive: false, colorLevel: 0 }],
    [{ NO_COLOR: '1' }, true, { interactive: true, colorLevel: 0 }],
    [{ NO_COLOR: '' }, true, { interactive: true, colorLevel: 1 }],
    [{ FORCE_COLOR: '3', NO_COLOR: '1' }, false, { interactive: false, colorLevel: 3 }],
    [{ FORCE_COLOR: '0' }, true, { interactive: true, colorLevel: 0 }],
    [{}, false, { interactive: false, colorLevel: 0 }],
  ])('%j on a tty=%s', (env, isTTY, expected) => {
    expect(detectTerminal(env, { isTTY })).toEqual(expected);
  });
});

describe('text output', () => {
  it('prints plain progress lines off a TTY and the result on stdout', () => {
    const out: string[] = [];
    const err: string[] = [];
    const text = new TextOutput({ terminal: { interactive: false, colorLevel: 0 }, writeOut: (s) => out.push(s), writeErr: (s) => err.push(s), debug: false });
    text.event(state);
    text.event(waiting);
    text.event(waiting); // a second waiting line within 10 s is suppressed
    text.result({ kind: 'drain', data: {}, text: 'drain: 1 drained in 5s', exitCode: 0 });
    expect(err.join('')).toBe('elbv2:web/i-0a1b2c3d4e5f60001:8080: active -> draining (draining, Target.DeregistrationInProgress)\nelbv2:web: waiting on 1 target (poll 2)\n');
    expect(out.join('')).toBe('drain: 1 drained in 5s\n');
  });

  it('on an interactive terminal shows every pending target in the spinner', () => {
    const spinner = { text: '', started: 0, start() { this.started++; return this; }, stop() { return this; }, clear() { return this; }, render() { return this; } };
    const text = new TextOutput({ terminal: { interactive: true, colorLevel: 0 }, writeOut: () => {}, writeErr: () => {}, debug: false, createSpinner: () => spinner });
    text.event(state);
    text.event(waiting);
    expect(spinner.started).toBe(1);
    expect(spinner.text).toContain('elbv2:web/i-0a1b2c3d4e5f60001:8080: draining');
  });

  it('failures are one line on stderr with the hint', () => {
    const err: string[] = [];
    const text = new TextOutput({ terminal: { interactive: false, colorLevel: 0 }, writeOut: () => {}, writeErr: (s) => err.push(s), debug: false });
    text.failure({ message: 'target group web not found', hint: 'check --region', kind: 'not_found', exitCode: 3, details: {} });
    expect(err.join('')).toBe('drainctl: target group web not found; check --region\n');
  });
});

describe('ndjson output', () => {
  it('starts with a version record, stamps every line, and ends with a summary carrying exit_code', () => {
    const lines: string[] = [];
    const ndjson = new NdjsonOutput((s) => lines.push(s), () => {}, '1.2.3', '1.0', false, () => Date.parse('2026-01-01T00:00:00Z'));
    ndjson.event(state);
    ndjson.result({ kind: 'drain', data: { results: [] }, text: '', exitCode: 0 });
    const records = lines.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records[0]).toMatchObject({ type: 'version', drainctl: '1.2.3', schema: '1.0' });
    expect(records[1]).toMatchObject({ type: 'target_state', state: 'draining', '@level': 'info' });
    expect(records.at(-1)).toMatchObject({ type: 'summary', exit_code: 0 });
    for (const r of records) expect(r['@timestamp']).toBe('2026-01-01T00:00:00.000Z');
  });
});

describe('redaction', () => {
  it('masks the values of secret-looking variables wherever they appear', () => {
    const redact = createRedactor({ AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG', AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEJr', HOME: '/home/someone', SHORT_TOKEN: 'abc' });
    expect(redact('key=wJalrXUtnFEMI/K7MDENG token=FwoGZXIvYXdzEJr home=/home/someone abc')).toBe('key=*** token=*** home=/home/someone abc');
  });
});
