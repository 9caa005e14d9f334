/**
 * `drainctl history --since/--group/--provider` in-process against a SQLite ledger whose events
 * sit at known distances from now, across providers and groups.
 */
import { describe, expect, it } from 'vitest';
import { GROUP_ROW_TARGET } from '../../src/core/ledger.js';
import { freshLedgerPath } from '../support/cli.js';
import { runInProcess } from '../support/in-process.js';
import { expectRefusedLeavingLedger, type SeedRow, seedLedger } from '../support/seed-ledger.js';
import { ID } from './helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const W1 = { provider: 'elbv2', group: 'web', target: `${ID.web1}:8080` };
const W2 = { provider: 'elbv2', group: 'web', target: `${ID.web2}:8080` };
const API = { provider: 'elbv2', group: 'api', target: `${ID.web1}:9090` };
const LEGACY = { provider: 'elb', group: 'legacy-web', target: ID.legacy1 };
const WEB_GROUP = { provider: 'elbv2', group: 'web', target: GROUP_ROW_TARGET };

/** Events 10 days, 3 days, 3 hours and 30 minutes old; each key's events in time order. */
function historyRows(now: number): SeedRow[] {
  const at = (ago: number): string => new Date(now - ago).toISOString();
  return [
    { key: W1, update: { status: 'draining', drainStartedAt: at(10 * DAY) }, event: { type: 'drain_requested', at: at(10 * DAY) } },
    { key: LEGACY, update: { status: 'draining', drainStartedAt: at(3 * DAY) }, event: { type: 'drain_requested', at: at(3 * DAY) } },
    { key: W1, update: { status: 'stopped', drainedAt: at(3 * HOUR) }, event: { type: 'drained', at: at(3 * HOUR), details: { elapsedMs: 5000 } } },
    { key: API, update: { status: 'draining', drainStartedAt: at(3 * HOUR) }, event: { type: 'drain_requested', at: at(3 * HOUR) } },
    { key: WEB_GROUP, update: {}, event: { type: 'timeout_changed', at: at(30 * 60_000), details: { from: 300, to: 60 } } },
    { key: W2, update: { status: 'draining', drainStartedAt: at(30 * 60_000) }, event: { type: 'drain_requested', at: at(30 * 60_000) } },
  ];
}

async function seeded(now = Date.now()): Promise<string> {
  const path = freshLedgerPath();
  await seedLedger(path, historyRows(now));
  return path;
}

const history = (ledger: string, ...args: string[]) => runInProcess(['history', ...args], { DRAINCTL_LEDGER: ledger });

/** The events `history -o json` lists, as `type target` pairs, newest first. */
async function listed(ledger: string, ...args: string[]): Promise<string[]> {
  const run = await runInProcess(['-o', 'json', 'history', ...args], { DRAINCTL_LEDGER: ledger });
  expect(run.code, run.stderr).toBe(0);
  const doc = JSON.parse(run.stdout) as { kind: string; events: { type: string; provider: string; group: string; target: string }[] };
  expect(doc.kind).toBe('history');
  return doc.events.map((e) => `${e.type} ${e.provider}:${e.group}/${e.target}`);
}

const ALL = [
  `drain_requested elbv2:web/${ID.web2}:8080`,
  'timeout_changed elbv2:web/*',
  `drain_requested elbv2:api/${ID.web1}:9090`,
  `drained elbv2:web/${ID.web1}:8080`,
  `drain_requested elb:legacy-web/${ID.legacy1}`,
  `drain_requested elbv2:web/${ID.web1}:8080`,
];

describe('history --since', () => {
  it('a duration means that long ago: 1h, 2d and 7d keep only what is newer', async () => {
    const ledger = await seeded();
    expect(await listed(ledger)).toEqual(ALL);
    expect(await listed(ledger, '--since', '1h')).toEqual(ALL.slice(0, 2));
    expect(await listed(ledger, '--since', '2d')).toEqual(ALL.slice(0, 4));
    expect(await listed(ledger, '--since', '7d')).toEqual(ALL.slice(0, 5));
    expect(await listed(ledger, '--since', '2w')).toEqual(ALL);
  });

  it('an RFC 3339 time keeps events at or after it, in any offset', async () => {
    const now = Date.now();
    const ledger = await seeded(now);
    const threeHoursAgo = new Date(now - 3 * HOUR);
    expect(await listed(ledger, '--since', threeHoursAgo.toISOString())).toEqual(ALL.slice(0, 4));
    // The same instant written at +02:00, to the second: the two events exactly 3 h old fall just before it.
    const later = new Date(Math.ceil((now - 3 * HOUR) / 1000) * 1000 + 1000);
    const plusTwo = new Date(later.getTime() + 2 * HOUR).toISOString().replace(/\.\d{3}Z$/, '+02:00');
    expect(await listed(ledger, '--since', plusTwo)).toEqual(ALL.slice(0, 2));
  });

  it('combines with a target, a group, a provider and --limit', async () => {
    const ledger = await seeded();
    // A target as written (no port) still finds its events, and --since narrows them.
    expect(await listed(ledger, `elbv2:web/${ID.web1}`)).toEqual([ALL[3], ALL[5]]);
    expect(await listed(ledger, `elbv2:web/${ID.web1}`, '--since', '7d')).toEqual([ALL[3]]);
    expect(await listed(ledger, '--group', 'elbv2:web', '--since', '7d')).toEqual([ALL[0], ALL[1], ALL[3]]);
    expect(await listed(ledger, '--since', '7d', '--limit', '1')).toEqual([ALL[0]]);
  });

  it('text says what an empty answer covered', async () => {
    const ledger = await seeded();
    const run = await history(ledger, 'elbv2:api', '--since', '1h');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^no recorded drains for elbv2:api since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\n$/);
    expect(await history(freshLedgerPath())).toEqual({ code: 0, stdout: 'no recorded drains\n', stderr: '' });
  });
});

describe('history of a target', () => {
  it('a target written without its port lists every port of it in the group, newest first across them, up to --limit', async () => {
    const now = Date.now();
    const at = (ago: number): string => new Date(now - ago).toISOString();
    const W1_OTHER = { provider: 'elbv2', group: 'web', target: `${ID.web1}:9090` };
    const path = freshLedgerPath();
    await seedLedger(path, [
      ...historyRows(now),
      { key: W1_OTHER, update: { status: 'draining', drainStartedAt: at(5 * DAY) }, event: { type: 'drain_requested', at: at(5 * DAY) } },
      // The same moment as W1's drained event, written after it: listed before it.
      { key: W1_OTHER, update: { status: 'stopped', drainedAt: at(3 * HOUR) }, event: { type: 'drained', at: at(3 * HOUR) } },
    ]);
    const other = (type: string): string => `${type} elbv2:web/${ID.web1}:9090`;
    const both = [other('drained'), ALL[3], other('drain_requested'), ALL[5]];
    expect(await listed(path, `elbv2:web/${ID.web1}`)).toEqual(both);
    expect(await listed(path, `elbv2:web/${ID.web1}`, '--limit', '3')).toEqual(both.slice(0, 3));
    expect(await listed(path, `elbv2:web/${ID.web1}:9090`)).toEqual([both[0], both[2]]);
  });
});

describe('history --group and --provider', () => {
  it('--group lists one group (its own row included), the same as the group as a reference', async () => {
    const ledger = await seeded();
    const web = [ALL[0], ALL[1], ALL[3], ALL[5]];
    expect(await listed(ledger, '--group', 'elbv2:web')).toEqual(web);
    expect(await listed(ledger, 'elbv2:web')).toEqual(web);
    expect(await listed(ledger, '--group', 'elbv2:api')).toEqual([ALL[2]]);
  });

  it('--provider lists one provider, alone or with a reference of that provider', async () => {
    const ledger = await seeded();
    expect(await listed(ledger, '--provider', 'elb')).toEqual([ALL[4]]);
    expect(await listed(ledger, '--provider', 'elbv2')).toEqual(ALL.filter((e) => e.includes(' elbv2:')));
    expect(await listed(ledger, '--provider', 'elbv2', '--group', 'elbv2:api')).toEqual([ALL[2]]);
    expect(await listed(ledger, '--provider', 'haproxy')).toEqual([]);
    const text = await history(ledger, '--provider', 'elb');
    expect(text.stdout).toMatch(new RegExp(`^\\S+Z +elb:legacy-web/${ID.legacy1} +drain_requested +-$`, 'm'));
  });
});

describe('history: bad input', () => {
  it.each([
    [['--since', 'yesterday'], 'drainctl: invalid --since "yesterday": expected how long ago (30m, 2h, 7d) or an RFC 3339 time; e.g. --since 2h or --since 2026-11-22T03:45:00Z'],
    [['--since', '2026-02-30T00:00:00Z'], 'drainctl: invalid --since "2026-02-30T00:00:00Z": expected how long ago (30m, 2h, 7d) or an RFC 3339 time; e.g. --since 2h or --since 2026-11-22T03:45:00Z'],
    [['--since', '3651d'], 'drainctl: invalid --since "3651d": at most 3650d (10 years) ago; e.g. --since 30d'],
    [['--provider', 'nope'], /^drainctl: option '--provider <name>' argument 'nope' is invalid\. Allowed choices are elbv2, elb, .*nginx\. \(see drainctl --help\)$/],
    [['--group', 'elbv2:web', 'elbv2:web'], 'drainctl: history takes a reference or --group, not both (got "elbv2:web" and --group elbv2:web); drop one of the two'],
    [['--group', `elbv2:web/${ID.web1}`], `drainctl: "elbv2:web/${ID.web1}" names a target, not a target group; drop the target: elbv2:web`],
    [['--provider', 'elb', 'elbv2:web'], 'drainctl: --provider elb and the reference elbv2:web name different providers; drop --provider: the reference already names one'],
    [['--provider', 'elb', '--group', 'elbv2:web'], 'drainctl: --provider elb and --group elbv2:web name different providers; drop --provider: --group already names one'],
    [['--limit', '10001'], 'drainctl: invalid --limit "10001": expected a whole number 1-10000'],
  ])('history %j: exit 2, one line, nothing on stdout, the ledger untouched', async (args, stderr) => {
    const ledger = await seeded();
    await expectRefusedLeavingLedger(ledger, () => history(ledger, ...args), stderr);
  });
});
