import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { timeoutRecommendCommand } from '../../src/cli/commands/recommend.js';
import type { LatencySourceFlags } from '../../src/cli/commands/timeout-from.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { createMemoryLedger } from '../../src/ledger/memory.js';
import * as S from '../latency/samples.js';
import { runCommand, tempDir, tempFile } from './helpers.js';

const recommend = (flags: LatencySourceFlags, options: Parameters<typeof runCommand>[1] = {}) => runCommand((ctx) => timeoutRecommendCommand(ctx, flags), options);

/** An ALB log whose target times are 1..n ms, plus the given extra lines. */
function albLog(n: number, extra: string[] = [], scale = 0.001): string {
  const lines = Array.from({ length: n }, (_, i) => S.ALB_DOC_HTTPS.replace('0.086 0.048 0.037', `0.000 ${((i + 1) * scale).toFixed(3)} 0.000`));
  return `${[...lines, ...extra].join('\n')}\n`;
}

describe('drainctl timeout recommend', () => {
  it('--p99: the recommendation, per provider, as data and as text', async () => {
    const run = await recommend({ p99: '1.2s' });
    expect(run.code).toBe(EXIT.ok);
    const data = run.result!.data;
    expect(run.result!.kind).toBe('timeout_recommendation');
    expect(data.source).toEqual({ kind: 'p99', p99_ms: 1200 });
    expect(data.latency).toMatchObject({ samples: null, p50_ms: null, p99_ms: 1200, max_ms: null });
    expect(data.recommendation).toMatchObject({ seconds: 30, margin: 2, floor_seconds: 30, basis: 'floor' });
    expect((data.providers as { provider: string; seconds: number }[]).map((p) => [p.provider, p.seconds])).toEqual([
      ['elbv2', 30],
      ['elb', 30],
      ['gcp-bs', 30],
      ['azure-agw', 30],
    ]);
    expect(run.warnings).toEqual([]);
    expect(run.result!.text).toContain('recommended drain timeout: 30s');
    expect(run.result!.text).toMatch(/elbv2\s+0-3600s\s+30s\s+for an NLB target group AWS recommends at least 120s/);
    expect(run.result!.text).toContain('apply with: drainctl timeout set <group-ref> 30s');
  });

  it('--margin and --floor change the formula', async () => {
    const run = await recommend({ p99: '20s', margin: '3', floor: '0' });
    expect(run.result!.data.recommendation).toMatchObject({ seconds: 60, margin: 3, floor_seconds: 0, basis: 'p99' });
  });

  it('--from-log: a gzip ALB log with bad lines counted and reported, not fatal', async () => {
    const path = tempFile('alb.log.gz', gzipSync(albLog(2000, [S.ALB_NO_TARGET, 'not a log line', ''], 0.01)));
    const run = await recommend({ fromLog: path, format: 'alb' });
    expect(run.code).toBe(EXIT.ok);
    expect(run.result!.data.source).toMatchObject({ kind: 'log', format: 'alb', gzip: true, samples: 2000, unparsed_lines: 1, not_applicable: 1, blank_lines: 1 });
    expect((run.result!.data.source as { unparsed_examples: unknown[] }).unparsed_examples).toEqual([{ line: 2002, text: 'not a log line' }]);
    const latency = run.result!.data.latency as Record<string, number>;
    expect(Math.abs(latency.p99_ms! - 19_800) / 19_800).toBeLessThanOrEqual(0.005);
    expect(latency.max_ms).toBe(20_000);
    expect(latency.samples).toBe(2000);
    // p99 19.8 s × 2 = 39.6 → 40 s; p99.9 19.98 s and max 20 s fit.
    expect(run.result!.data.recommendation).toMatchObject({ seconds: 40 });
    expect(run.warnings).toEqual([]);
    expect(run.result!.text).toContain('1 line did not parse (first: line 2002)');
    // Uniform 10 ms-20 s requests: at 40 s nothing in flight is still running.
    expect((run.result!.data.recommendation as { inflight_cut_share: number }).inflight_cut_share).toBe(0);
    expect(run.result!.text).toContain('of the requests in flight when a drain starts, 0.000% would still be running at 40s');
  });

  it('warns when the slowest requests outlast the recommendation, and when draining is the wrong tool', async () => {
    const slow = tempFile('slow.log', albLog(1000, [S.ALB_DOC_HTTPS.replace('0.086 0.048 0.037', '0.000 900.000 0.000')]));
    const run = await recommend({ fromLog: slow, format: 'alb' });
    expect(run.warnings.join('\n')).toMatch(/longest request \(15m\) is longer than 30s/);

    const jobs = await recommend({ p99: '2h' });
    expect(jobs.code).toBe(EXIT.ok);
    expect(jobs.warnings[0]).toMatch(/draining is the wrong tool.*Stop taking new work.*queue/);
    expect(jobs.warnings).toHaveLength(1);
    expect((jobs.result!.data.providers as { seconds: number; clamped: string }[]).every((p) => p.seconds === 3600 && p.clamped === 'max')).toBe(true);

    const capped = await recommend({ p99: '40m' });
    expect(capped.warnings).toEqual(['4800s is above the maximum of elbv2, elb, gcp-bs, azure-agw: capped at 3600s, a margin of only 1.50 over p99']);
  });

  it('every format, through the command', async () => {
    const cases: [LatencySourceFlags, string, number][] = [
      [{ format: 'elb' }, `${S.ELB_DOC}\n`, 2.471],
      [{ format: 'haproxy' }, `${S.HAPROXY_DOC}\n${S.HAPROXY_LOGASAP}\n`, 109],
      [{ format: 'nginx' }, `${S.NGINX_TIMED}\n`, 245],
      [{ format: 'nginx', field: 'request_time' }, `${S.NGINX_KV}\n`, 1250],
      [{ format: 'jsonl', field: 'timings.total', unit: 's' }, '{"timings":{"total":0.75}}\n', 750],
      [{ format: 'jsonl', field: 'duration_ms' }, '{"duration_ms":42}\n{"duration_ms":7}\n', 42],
    ];
    for (const [flags, content, maxMs] of cases) {
      const run = await recommend({ ...flags, fromLog: tempFile('log', content) });
      expect(run.code, JSON.stringify(flags)).toBe(EXIT.ok);
      expect((run.result!.data.latency as { max_ms: number }).max_ms).toBeCloseTo(maxMs, 6);
    }
  });

  it('--from-history: drains recorded in the ledger', async () => {
    const ledger = createMemoryLedger();
    const t0 = Date.parse('2026-11-01T10:00:00Z');
    for (let i = 0; i < 10; i++) {
      const key = { provider: 'elb', group: 'legacy', target: `i-0a1b2c3d4e5f6000${i}` };
      await ledger.record(key, {}, { type: 'drain_requested', at: new Date(t0 + i * 60_000).toISOString() });
      await ledger.record(key, {}, { type: 'drained', at: new Date(t0 + i * 60_000 + (10 + i) * 1000).toISOString() });
    }
    const run = await recommend({ fromHistory: 'elb:legacy' }, { ledgerInstance: ledger });
    expect(run.code).toBe(EXIT.ok);
    expect(run.result!.data.source).toMatchObject({ kind: 'history', group: 'elb:legacy', completed: 10, targets: 10 });
    expect((run.result!.data.latency as { max_ms: number }).max_ms).toBe(19_000);
    expect(run.warnings).toEqual([expect.stringMatching(/only 10 samples/)]);
    expect(run.result!.text).toContain('apply with: drainctl timeout set elb:legacy 40s');

    const v2 = createMemoryLedger();
    await v2.record({ provider: 'elbv2', group: 'web', target: 'i-01' }, {}, { type: 'drain_requested', at: '2026-11-01T10:00:00.000Z' });
    await v2.record({ provider: 'elbv2', group: 'web', target: 'i-01' }, {}, { type: 'drained', at: '2026-11-01T10:05:00.000Z' });
    const measured = await recommend({ fromHistory: 'elbv2:web' }, { ledgerInstance: v2 });
    expect(measured.warnings[0]).toMatch(/elbv2 shows a target draining for the whole timeout/);

    const none = await recommend({ fromHistory: 'elb:other' }, { ledgerInstance: ledger });
    expect(none.code).toBe(EXIT.usage);
    expect(none.error?.message).toBe('no finished drain of elb:other in the ledger');
  });
});

describe('bad input: one line, exit 2, nothing read or changed', () => {
  const empty = () => tempFile('empty.log', '');
  const garbage = () => tempFile('garbage.log', 'hello\nworld\n');
  it.each<[string, () => LatencySourceFlags, RegExp]>([
    ['no source', () => ({}), /^no latency source: give one of --p99, --from-log, --from-cloudwatch or --from-history$/],
    ['two sources', () => ({ p99: '1s', fromHistory: 'elb:x' }), /^give one latency source, not 2 \(--p99, --from-history\)$/],
    ['--p99 0', () => ({ p99: '0' }), /^invalid --p99 "0": a p99 latency must be more than zero$/],
    ['--p99 0ms', () => ({ p99: '0ms' }), /more than zero/],
    ['--p99 -5s', () => ({ p99: '-5s' }), /^invalid --p99 "-5s"/],
    ['--p99 fast', () => ({ p99: 'fast' }), /^invalid --p99 "fast"/],
    ['--margin 0', () => ({ p99: '1s', margin: '0' }), /^invalid --margin 0: expected a factor from 1 to 10$/],
    ['--margin -2', () => ({ p99: '1s', margin: '-2' }), /^invalid --margin "-2"/],
    ['--margin 50', () => ({ p99: '1s', margin: '50' }), /^invalid --margin 50/],
    ['--margin lots', () => ({ p99: '1s', margin: 'lots' }), /^invalid --margin "lots"/],
    ['--floor 2h', () => ({ p99: '1s', floor: '2h' }), /^invalid --floor "2h"/],
    ['--format without --from-log', () => ({ p99: '1s', format: 'alb' }), /^--format applies to --from-log only$/],
    ['--since without --from-cloudwatch', () => ({ p99: '1s', since: '1d' }), /^--since applies to --from-cloudwatch only$/],
    ['--from-log without --format', () => ({ fromLog: '/tmp/x.log' }), /^--from-log needs --format/],
    ['a wrong --format', () => ({ fromLog: '/tmp/x.log', format: 'apache' }), /^unknown log format "apache": expected one of alb, elb, haproxy, nginx, jsonl$/],
    ['jsonl without --field', () => ({ fromLog: '/tmp/x.log', format: 'jsonl' }), /^--format jsonl needs --field <path>$/],
    ['a log that does not exist', () => ({ fromLog: '/nonexistent/access.log', format: 'alb' }), /^log file not found: \/nonexistent\/access\.log$/],
    ['an empty log', () => ({ fromLog: empty(), format: 'alb' }), /is empty: there is no line to read$/],
    ['a log where no line parses', () => ({ fromLog: garbage(), format: 'alb' }), /no line of .* parsed as --format alb \(2 of 2 did not\); line 1: "hello"$/],
    ['a directory as the log', () => ({ fromLog: tempDir(), format: 'alb' }), /is a directory, not a log file$/],
    ['--since 30s', () => ({ fromCloudwatch: 'elbv2:web', since: '30s' }), /^invalid --since "30s": at least 1m/],
    ['--since 2y', () => ({ fromCloudwatch: 'elbv2:web', since: '900d' }), /^invalid --since "900d": at most 455d/],
    ['--from-cloudwatch without a reference', () => ({ fromCloudwatch: true }), /^--from-cloudwatch needs a group reference$/],
    ['--from-history with a bad reference', () => ({ fromHistory: 'web' }), /^invalid reference "web"/],
  ])('%s', async (_what, flags, message) => {
    const run = await recommend(flags());
    expect(run.code).toBe(EXIT.usage);
    expect(run.error?.message).toMatch(message);
    expect(run.error?.message).not.toContain('\n');
    expect(run.result).toBeUndefined();
  });
});
