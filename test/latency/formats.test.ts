import { describe, expect, it } from 'vitest';
import { DrainctlError } from '../../src/core/errors.js';
import { createLineParser, NOT_APPLICABLE, UNPARSED, unitFromFieldName } from '../../src/latency/formats.js';
import * as S from './samples.js';

function parse(format: string, line: string, options: { field?: string; unit?: string } = {}): number {
  const parser = createLineParser({ format, ...options });
  // Parse in the middle of a larger buffer, as the reader does, to catch reads outside [start, end).
  const buf = Buffer.from(`xx\n${line}\nyy 9 9 9 9 9 9 9 9`, 'utf8');
  return parser(buf, 3, 3 + Buffer.byteLength(line));
}

describe('log formats', () => {
  it.each([
    ['alb', 'the AWS docs HTTP example', S.ALB_DOC_HTTP, 0.001],
    ['alb', 'the AWS docs HTTPS example', S.ALB_DOC_HTTPS, 0.171],
    ['elb', 'the Classic ELB docs HTTPS example', S.ELB_DOC, 0.002471],
    ['elb', 'the Classic ELB docs TCP example', S.ELB_DOC_TCP, 0.001138],
    ['haproxy', 'the HAProxy manual HTTP example (Ta = 109 ms)', S.HAPROXY_DOC, 0.109],
    ['haproxy', 'option logasap (+Ta)', S.HAPROXY_LOGASAP, 0.03],
    ['haproxy', 'an aborted request (Tr -1, Ta 2345 ms)', S.HAPROXY_ABORTED, 2.345],
    ['nginx', 'combined + $request_time last', S.NGINX_TIMED, 0.245],
  ])('%s: %s', (format, _what, line, seconds) => {
    expect(parse(format, line)).toBeCloseTo(seconds, 9);
  });

  it('ALB and Classic ELB: -1 means the request has no duration (not applicable), not a bad line', () => {
    expect(parse('alb', S.ALB_NO_TARGET)).toBe(NOT_APPLICABLE);
    expect(parse('elb', '2015-05-13T23:39:43.945958Z my-lb 192.168.131.39:2817 - -1 -1 -1 503 0 0 0 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -')).toBe(NOT_APPLICABLE);
  });

  it('HAProxy: a TCP log (three timers) does not parse; a negative Ta is not applicable', () => {
    expect(parse('haproxy', S.HAPROXY_TCP)).toBe(UNPARSED);
    expect(parse('haproxy', S.HAPROXY_DOC.replace('10/0/30/69/109', '10/0/30/69/-1'))).toBe(NOT_APPLICABLE);
  });

  it('nginx key=value: --field finds the key at a field start, quoted or not, and "-" is not applicable', () => {
    expect(parse('nginx', S.NGINX_KV, { field: 'request_time' })).toBeCloseTo(1.25, 9);
    expect(parse('nginx', S.NGINX_KV, { field: 'upstream_response_time' })).toBeCloseTo(1.248, 9);
    expect(parse('nginx', S.NGINX_KV, { field: '$request_time' })).toBeCloseTo(1.25, 9);
    expect(parse('nginx', 'status=200 rt=-', { field: 'rt' })).toBe(NOT_APPLICABLE);
    expect(parse('nginx', 'xrequest_time=5 status=200', { field: 'request_time' })).toBe(UNPARSED);
    expect(parse('nginx', 'request_time=250 status=200', { field: 'request_time', unit: 'ms' })).toBeCloseTo(0.25, 9);
  });

  it('jsonl: a dotted path, the unit from --unit or the field name', () => {
    expect(parse('jsonl', '{"duration_ms": 1250, "path": "/x"}', { field: 'duration_ms' })).toBeCloseTo(1.25, 9);
    expect(parse('jsonl', '{"timings": {"total": 0.5}}', { field: 'timings.total', unit: 's' })).toBeCloseTo(0.5, 9);
    expect(parse('jsonl', '{"timings": {"total": "750"}}', { field: 'timings.total', unit: 'us' })).toBeCloseTo(0.00075, 12);
    expect(parse('jsonl', '{"duration_ms": null}', { field: 'duration_ms' })).toBe(NOT_APPLICABLE);
    expect(parse('jsonl', '{"other": 1}', { field: 'duration_ms' })).toBe(UNPARSED);
    expect(parse('jsonl', '{"duration_ms": -5}', { field: 'duration_ms' })).toBe(UNPARSED);
    expect(parse('jsonl', 'not json', { field: 'duration_ms' })).toBe(UNPARSED);
    expect(parse('jsonl', '[1,2]', { field: 'duration_ms' })).toBe(UNPARSED);
  });

  it.each([
    ['duration_ms', 'ms'],
    ['latencyMs', 'ms'],
    ['elapsed_us', 'us'],
    ['took_ns', 'ns'],
    ['time_s', 's'],
    ['durationSeconds', 's'],
    ['request_time_seconds', 's'],
    ['total', undefined],
    ['timings', undefined],
  ])('the field name %s implies %s', (name, unit) => {
    expect(unitFromFieldName(name)).toBe(unit);
  });

  it.each([
    ['alb', 'a line of another format', S.HAPROXY_DOC],
    ['alb', 'a cut-off line', S.ALB_DOC_HTTP.slice(0, 100)],
    ['alb', 'a letter where a time belongs', S.ALB_DOC_HTTP.replace('0.000 0.001', '0.000 x.001')],
    ['alb', 'two dots', S.ALB_DOC_HTTP.replace('0.000 0.001', '0.0.0 0.001')],
    ['elb', 'an ALB line', S.ALB_DOC_HTTP.replace('0.000 0.001 0.000', 'a b c')],
    ['haproxy', 'an ALB line', S.ALB_DOC_HTTP],
    ['nginx', 'a line ending in text', '203.0.113.7 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/8.4.0"'],
  ])('%s: %s does not parse', (format, _what, line) => {
    expect(parse(format, line)).toBe(UNPARSED);
  });

  it.each([
    [{ format: 'apache' }, 'unknown log format "apache"'],
    [{ format: 'jsonl' }, '--format jsonl needs --field'],
    [{ format: 'jsonl', field: 'timings.total' }, 'cannot tell the unit of "timings.total"'],
    [{ format: 'jsonl', field: 'a..b', unit: 's' }, 'invalid --field'],
    [{ format: 'alb', field: 'x' }, '--field does not apply to --format alb'],
    [{ format: 'haproxy', unit: 'ms' }, '--unit does not apply to --format haproxy'],
    [{ format: 'nginx', unit: 'minutes' }, 'unknown --unit "minutes"'],
    [{ format: 'nginx', field: 'a b' }, 'invalid --field'],
  ])('refuses %j as a usage error', (options, message) => {
    const error = (() => {
      try {
        createLineParser(options);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DrainctlError);
    expect((error as DrainctlError).kind).toBe('usage');
    expect((error as DrainctlError).message).toContain(message);
  });
});
