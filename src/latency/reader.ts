import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DrainctlError, interruptedError, usageError } from '../core/errors.js';
import { createLineParser, type FormatOptions, type LineParser, type LogFormat, NOT_APPLICABLE } from './formats.js';
import { type LatencySummary, QuantileSketch } from './sketch.js';

/** Where to read a log from, and how to parse it. */
export interface LogReadOptions extends FormatOptions {
  /** A file path, or "-" for `input` (standard input). */
  readonly path: string;
  /** What "-" reads; defaults to process.stdin. */
  readonly input?: NodeJS.ReadableStream;
  readonly signal?: AbortSignal;
  /** The working buffer, which is also the longest line read in full (default 1 MiB). */
  readonly bufferBytes?: number;
}

/** A line that did not parse, for messages. */
export interface UnparsedLine {
  readonly line: number;
  readonly text: string;
}

/** What a log held: the latency quantiles and an account of every line. */
export interface LogReadResult {
  readonly path: string;
  readonly format: LogFormat;
  readonly gzip: boolean;
  /** Bytes of log text scanned (after decompression). */
  readonly bytes: number;
  readonly lines: number;
  readonly samples: number;
  /** Lines in another format, cut off, or longer than the buffer. */
  readonly unparsed: number;
  /** Requests logged without a duration (ALB -1, HAProxy aborted, nginx "-"). */
  readonly notApplicable: number;
  readonly blank: number;
  /** The first few lines that did not parse. */
  readonly unparsedExamples: readonly UnparsedLine[];
  readonly summary: LatencySummary;
}

const DEFAULT_BUFFER_BYTES = 1 << 20;
const EXAMPLES_KEPT = 3;
const EXAMPLE_CHARS = 120;
const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Reads a log (plain or gzip, detected by its magic bytes) line by line through one fixed buffer and
 * a fixed-size sketch: memory stays flat whatever the size of the log. Lines that do not parse are
 * counted, never fatal; a log with no duration at all is a usage error.
 */
export async function readLatencyLog(options: LogReadOptions): Promise<LogReadResult> {
  const parse = createLineParser(options);
  const label = options.path === '-' ? 'standard input' : options.path;
  const scanner = new LogScanner(parse, options.bufferBytes ?? DEFAULT_BUFFER_BYTES);
  const gzip = options.path === '-' ? await scanStream(scanner, options.input ?? process.stdin, options.signal, label) : await scanFile(scanner, options.path, options.signal);
  scanner.finish();
  return result(scanner, options, label, gzip);
}

function result(s: LogScanner, options: LogReadOptions, label: string, gzip: boolean): LogReadResult {
  const summary = s.sketch.summary();
  if (!summary) {
    if (s.lines === s.blank) throw usageError(`${label} is empty: there is no line to read`, 'point --from-log at an access log with at least one request');
    if (s.unparsed === 0) {
      throw usageError(`no request in ${label} has a duration: all ${s.notApplicable} logged none (-1 or "-")`, 'use a log of requests that reached a target');
    }
    const first = s.examples[0];
    throw usageError(
      `no line of ${label} parsed as --format ${options.format} (${s.unparsed} of ${s.lines - s.blank} did not)${first ? `; line ${first.line}: ${JSON.stringify(first.text)}` : ''}`,
      'check --format (alb, elb, haproxy, nginx, jsonl) and --field; see docs/timeouts.md#log-formats',
    );
  }
  return {
    path: options.path,
    format: options.format as LogFormat,
    gzip,
    bytes: s.bytes,
    lines: s.lines,
    samples: s.sketch.count,
    unparsed: s.unparsed,
    notApplicable: s.notApplicable,
    blank: s.blank,
    unparsedExamples: s.examples,
    summary,
  };
}

/** Reads a file straight into the scanner's buffer; a gzip file goes through zlib instead. */
async function scanFile(scanner: LogScanner, path: string, signal: AbortSignal | undefined): Promise<boolean> {
  const handle = await openLog(path);
  try {
    const first = await handle.read(scanner.buf, 0, scanner.buf.length, 0);
    if (first.bytesRead >= 2 && scanner.buf[0] === 0x1f && scanner.buf[1] === 0x8b) {
      await gunzipInto(scanner, handle.createReadStream({ start: 0, autoClose: false }), signal, path);
      return true;
    }
    let position = first.bytesRead;
    let length = first.bytesRead;
    while (length > 0) {
      if (signal?.aborted) throw interruptedError(signal.reason);
      scanner.scan(scanner.carry + length);
      const read = await handle.read(scanner.buf, scanner.carry, scanner.buf.length - scanner.carry, position);
      length = read.bytesRead;
      position += length;
    }
    return false;
  } finally {
    await handle.close();
  }
}

async function openLog(path: string) {
  try {
    const handle = await open(path, 'r');
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      throw usageError(`${path} is a directory, not a log file`);
    }
    return handle;
  } catch (error) {
    if (error instanceof DrainctlError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw usageError(`log file not found: ${path}`, 'check the path given to --from-log');
    if (code === 'EACCES' || code === 'EPERM') throw usageError(`cannot read ${path}: permission denied`);
    if (code === 'EISDIR') throw usageError(`${path} is a directory, not a log file`);
    throw usageError(`cannot open ${path}: ${(error as Error).message}`);
  }
}

/** Reads a stream (standard input), decompressing it when its first bytes are gzip's magic. */
async function scanStream(scanner: LogScanner, input: NodeJS.ReadableStream, signal: AbortSignal | undefined, label: string): Promise<boolean> {
  const iterator = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headBytes = 0;
  let done = false;
  while (headBytes < 2) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    head.push(chunk);
    headBytes += chunk.length;
  }
  const first = Buffer.concat(head);
  const rest = async function* (): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    }
  };
  if (first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b) {
    await gunzipInto(scanner, Readable.from(rest()), signal, label);
    return true;
  }
  for await (const chunk of rest()) {
    if (signal?.aborted) throw interruptedError(signal.reason);
    scanner.feed(chunk);
  }
  return false;
}

async function gunzipInto(scanner: LogScanner, source: NodeJS.ReadableStream, signal: AbortSignal | undefined, label: string): Promise<void> {
  try {
    await pipeline(source, createGunzip(), async (inflated: AsyncIterable<Buffer>) => {
      for await (const chunk of inflated) scanner.feed(chunk);
    }, { signal });
  } catch (error) {
    if (signal?.aborted) throw interruptedError(signal.reason);
    if (error instanceof DrainctlError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_') || code === 'ERR_STREAM_PREMATURE_CLOSE') throw usageError(`${label} is not a valid gzip file: ${(error as Error).message}`);
    throw error;
  }
}

/**
 * Splits bytes into lines in one reused buffer and parses each in place. A line longer than the
 * buffer counts as unparsed and is skipped up to its newline, so memory is bounded by the buffer.
 */
class LogScanner {
  readonly buf: Buffer;
  readonly sketch = new QuantileSketch();
  readonly examples: UnparsedLine[] = [];
  /** Bytes of an unfinished line kept at the front of buf. */
  carry = 0;
  bytes = 0;
  lines = 0;
  blank = 0;
  unparsed = 0;
  notApplicable = 0;
  private skipping = false;

  constructor(
    private readonly parse: LineParser,
    bufferBytes: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(16, bufferBytes));
  }

  /** Copies a chunk into the buffer piece by piece and scans each piece. */
  feed(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(this.buf.length - this.carry, chunk.length - offset);
      chunk.copy(this.buf, this.carry, offset, offset + n);
      offset += n;
      this.scan(this.carry + n);
    }
  }

  /** Parses every complete line in buf[0, end) and keeps the unfinished rest at the front. */
  scan(end: number): void {
    const buf = this.buf;
    this.bytes += end - this.carry;
    const view = end === buf.length ? buf : buf.subarray(0, end);
    let pos = 0;
    if (this.skipping) {
      const nl = view.indexOf(NEWLINE);
      if (nl < 0) {
        this.carry = 0;
        return;
      }
      this.skipping = false;
      pos = nl + 1;
    }
    const parse = this.parse;
    const sketch = this.sketch;
    let lines = this.lines;
    let blank = this.blank;
    let notApplicable = this.notApplicable;
    for (;;) {
      const nl = view.indexOf(NEWLINE, pos);
      if (nl < 0) break;
      const e = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
      lines++;
      if (e === pos) {
        blank++;
      } else {
        const value = parse(buf, pos, e);
        if (value >= 0) sketch.add(value);
        else if (value === NOT_APPLICABLE) notApplicable++;
        else this.unparsedLine(lines, pos, e);
      }
      pos = nl + 1;
    }
    this.lines = lines;
    this.blank = blank;
    this.notApplicable = notApplicable;
    const rest = end - pos;
    if (rest === buf.length) {
      // No newline in a full buffer: too long to be a log line worth reading.
      this.lines++;
      this.unparsedLine(this.lines, 0, Math.min(end, EXAMPLE_CHARS));
      this.skipping = true;
      this.carry = 0;
      return;
    }
    if (rest > 0 && pos > 0) buf.copyWithin(0, pos, end);
    this.carry = rest;
  }

  /** The last line when the log does not end with a newline. */
  finish(): void {
    if (this.carry === 0 || this.skipping) return;
    this.buf[this.carry] = NEWLINE;
    this.scan(this.carry + 1);
    this.bytes -= 1; // the newline added here was not in the log
  }

  private unparsedLine(line: number, start: number, end: number): void {
    this.unparsed++;
    if (this.examples.length < EXAMPLES_KEPT) this.examples.push({ line, text: this.buf.toString('utf8', start, Math.min(end, start + EXAMPLE_CHARS)) });
  }
}
