import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DrainctlError } from '../../src/core/errors.js';
import { readLatencyLog } from '../../src/latency/reader.js';
import type { LatencySummary } from '../../src/latency/sketch.js';
import { tempDir, tempFile } from '../cli-timeouts/helpers.js';
import * as S from './samples.js';

/** n ALB lines with target times 1..n ms (request and response 0). */
function albLines(n: number): string[] {
  return Array.from({ length: n }, (_, i) => S.ALB_DOC_HTTPS.replace('0.086 0.048 0.037', `0.000 ${((i + 1) / 1000).toFixed(3)} 0.000`));
}

/** A summary's numbers, without its inflightBeyond function. */
function numbers(summary: LatencySummary): Omit<LatencySummary, 'inflightBeyond'> {
  const { inflightBeyond: _f, ...rest } = summary;
  return rest;
}

async function usageMessage(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DrainctlError);
  expect((error as DrainctlError).kind).toBe('usage');
  return (error as DrainctlError).message;
}

describe('readLatencyLog', () => {
  it('reads a plain log: quantiles, and an account of every line', async () => {
    const lines = [...albLines(1000), '', S.ALB_NO_TARGET, 'garbage line', S.HAPROXY_DOC];
    const path = tempFile('access.log', `${lines.join('\n')}\n`);
    const result = await readLatencyLog({ path, format: 'alb' });
    expect(result).toMatchObject({ gzip: false, lines: 1004, samples: 1000, blank: 1, notApplicable: 1, unparsed: 2 });
    expect(result.unparsedExamples).toEqual([
      { line: 1003, text: 'garbage line' },
      { line: 1004, text: S.HAPROXY_DOC.slice(0, 120) },
    ]);
    expect(result.summary.p99).toBeCloseTo(0.99, 2); // rank ⌊0.99·999⌋ = 989 → 0.990 s, within 0.5%
    expect(Math.abs(result.summary.p99 - 0.99) / 0.99).toBeLessThanOrEqual(0.005);
    expect(result.summary.max).toBeCloseTo(1.0, 9);
    expect(result.bytes).toBe(Buffer.byteLength(`${lines.join('\n')}\n`));
  });

  it('reads gzip (detected by magic bytes, whatever the name), CRLF and a last line without a newline', async () => {
    const text = albLines(200).join('\r\n');
    const path = tempFile('access.txt', gzipSync(text));
    const result = await readLatencyLog({ path, format: 'alb' });
    expect(result).toMatchObject({ gzip: true, samples: 200, unparsed: 0, lines: 200 });
    expect(result.summary.max).toBeCloseTo(0.2, 9);
  });

  it('reads concatenated gzip members (as S3 log files are often joined)', async () => {
    const lines = albLines(100);
    const path = tempFile('joined.log.gz', Buffer.concat([gzipSync(`${lines.slice(0, 50).join('\n')}\n`), gzipSync(`${lines.slice(50).join('\n')}\n`)]));
    expect((await readLatencyLog({ path, format: 'alb' })).samples).toBe(100);
  });

  it('reads standard input ("-"), plain or gzip, in small chunks', async () => {
    const text = `${albLines(300).join('\n')}\n`;
    const chunks = (buf: Buffer) => Readable.from(Array.from({ length: Math.ceil(buf.length / 7) }, (_, i) => buf.subarray(i * 7, i * 7 + 7)));
    const plain = await readLatencyLog({ path: '-', format: 'alb', input: chunks(Buffer.from(text)) });
    const gz = await readLatencyLog({ path: '-', format: 'alb', input: chunks(gzipSync(text)) });
    expect(plain).toMatchObject({ gzip: false, samples: 300 });
    expect(gz).toMatchObject({ gzip: true, samples: 300 });
    expect(numbers(gz.summary)).toEqual(numbers(plain.summary));
    expect(gz.summary.inflightBeyond!(0.1)).toBe(plain.summary.inflightBeyond!(0.1));
  });

  it('gives the same answer whatever the buffer size (lines split across reads)', async () => {
    const lines = albLines(500);
    const path = tempFile('split.log', `${lines.join('\n')}\n`);
    const big = await readLatencyLog({ path, format: 'alb' });
    for (const bufferBytes of [700, 1024, 4096]) {
      const small = await readLatencyLog({ path, format: 'alb', bufferBytes });
      expect(numbers(small.summary)).toEqual(numbers(big.summary));
      expect(small.lines).toBe(500);
    }
  });

  it('counts a line longer than the buffer as unparsed and goes on with the next', async () => {
    const lines = albLines(3);
    const path = tempFile('long.log', `${lines[0]}\n${'x'.repeat(5000)}\n${lines[1]}\n${lines[2]}`);
    const result = await readLatencyLog({ path, format: 'alb', bufferBytes: 1024 });
    expect(result).toMatchObject({ samples: 3, unparsed: 1, lines: 4 });
    expect(result.unparsedExamples[0]?.line).toBe(2);
  });

  it('keeps memory bounded: the buffer it reads through does not grow with the log', async () => {
    const path = tempFile('many.log', `${albLines(20_000).join('\n')}\n`);
    const before = process.memoryUsage().arrayBuffers;
    const result = await readLatencyLog({ path, format: 'alb', bufferBytes: 64 * 1024 });
    expect(result.samples).toBe(20_000);
    // The log is ~10 MB; what was allocated for reading it stays near the 64 KiB buffer.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 * 1024 * 1024);
  });

  it.each([
    ['an empty file', () => tempFile('empty.log', ''), 'is empty'],
    ['blank lines only', () => tempFile('blank.log', '\n\n\n'), 'is empty'],
    ['no line in the format', () => tempFile('haproxy.log', `${S.HAPROXY_DOC}\n${S.HAPROXY_DOC}\n`), 'no line of'],
    ['only requests without a duration', () => tempFile('na.log', `${S.ALB_NO_TARGET}\n`), 'has a duration'],
    ['a file that does not exist', () => '/nonexistent/dir/access.log', 'log file not found: /nonexistent/dir/access.log'],
    ['a directory', () => tempDir(), 'is a directory'],
    ['a broken gzip file', () => tempFile('broken.log.gz', gzipSync(albLines(50).join('\n')).subarray(0, 60)), 'not a valid gzip file'],
  ])('%s is a one-line usage error', async (_what, path, message) => {
    const text = await usageMessage(readLatencyLog({ path: path(), format: 'alb' }));
    expect(text).toContain(message);
    expect(text).not.toContain('\n');
  });

  it('says which line did not parse when none did', async () => {
    const path = tempFile('wrong.log', `${S.NGINX_TIMED}\n`);
    expect(await usageMessage(readLatencyLog({ path, format: 'alb' }))).toContain(`line 1: ${JSON.stringify(S.NGINX_TIMED)}`);
  });
});
