import type { DrainEvent } from '../../core/events.js';
import { describeEvent } from './messages.js';
import type { CommandFailure, CommandResult, Output } from './output.js';

/** Fields every machine-readable document starts with. */
function header(version: string, schema: string): Record<string, unknown> {
  return { drainctl: version, schema };
}

/** `-o json`: one document on stdout at the end; progress is not printed. */
export class JsonOutput implements Output {
  readonly format = 'json' as const;
  private readonly warnings: string[] = [];

  constructor(
    private readonly writeOut: (text: string) => void,
    private readonly writeErr: (text: string) => void,
    private readonly version: string,
    private readonly schema: string,
    private readonly debugEnabled: boolean,
  ) {}

  event(event: DrainEvent): void {
    if (event.type === 'warning') this.warnings.push(event.message);
  }

  result(result: CommandResult): void {
    const doc = snakeKeys({ ...header(this.version, this.schema), kind: result.kind, ...result.data, warnings: this.warnings, ...(result.problem && { problem: result.problem }), exit_code: result.exitCode });
    this.writeOut(`${JSON.stringify(doc, null, 2)}\n`);
    if (result.problem) this.writeErr(`drainctl: ${result.problem.message}${result.problem.hint ? `; ${result.problem.hint}` : ''}\n`);
  }

  failure(failure: CommandFailure): void {
    const doc = snakeKeys({ ...header(this.version, this.schema), kind: 'error', error: errorObject(failure), warnings: this.warnings, exit_code: failure.exitCode });
    this.writeOut(`${JSON.stringify(doc, null, 2)}\n`);
    this.writeErr(`drainctl: ${failure.message}${failure.hint ? `; ${failure.hint}` : ''}\n`);
  }

  debug(line: string): void {
    if (this.debugEnabled) this.writeErr(`debug: ${line}\n`);
  }

  print(line: string): void {
    this.writeOut(`${line}\n`);
  }

  note(): void {}

  close(): void {}

  progress(): void {}
}

/** `-o ndjson`: a version record, one line per event, and a summary line carrying exit_code. */
export class NdjsonOutput implements Output {
  readonly format = 'ndjson' as const;

  constructor(
    private readonly writeOut: (text: string) => void,
    private readonly writeErr: (text: string) => void,
    version: string,
    schema: string,
    private readonly debugEnabled: boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.line({ '@level': 'info', '@message': `drainctl ${version}`, type: 'version', ...header(version, schema) });
  }

  event(event: DrainEvent): void {
    const { level, message } = describeEvent(event, this.now());
    this.line({ '@level': level, '@message': message, ...event });
  }

  result(result: CommandResult): void {
    this.line({ '@level': result.exitCode === 0 ? 'info' : 'error', '@message': result.problem?.message ?? `${result.kind} finished with exit code ${result.exitCode}`, type: 'summary', kind: result.kind, ...result.data, ...(result.problem && { problem: result.problem }), exit_code: result.exitCode });
    if (result.problem) this.writeErr(`drainctl: ${result.problem.message}${result.problem.hint ? `; ${result.problem.hint}` : ''}\n`);
  }

  failure(failure: CommandFailure): void {
    this.line({ '@level': 'error', '@message': failure.message, type: 'diagnostic', diagnostic: errorObject(failure) });
    this.line({ '@level': 'error', '@message': `failed with exit code ${failure.exitCode}`, type: 'summary', kind: 'error', error: errorObject(failure), exit_code: failure.exitCode });
    this.writeErr(`drainctl: ${failure.message}${failure.hint ? `; ${failure.hint}` : ''}\n`);
  }

  debug(line: string): void {
    if (this.debugEnabled) this.line({ '@level': 'debug', '@message': line, type: 'log' });
  }

  /** Raw lines would break the stream: they travel as log records. */
  print(line: string): void {
    this.line({ '@level': 'info', '@message': line, type: 'log' });
  }

  note(line: string): void {
    this.line({ '@level': 'info', '@message': line, type: 'log' });
  }

  close(): void {}

  progress(): void {}

  private line(record: Record<string, unknown>): void {
    this.writeOut(`${JSON.stringify(snakeKeys({ '@timestamp': new Date(this.now()).toISOString(), ...record }))}\n`);
  }
}

function errorObject(failure: CommandFailure): Record<string, unknown> {
  return { kind: failure.kind, message: failure.message, hint: failure.hint ?? null, ...failure.details };
}

/**
 * Machine output uses snake_case keys throughout (drain_timeout_seconds, elapsed_ms),
 * whatever the in-memory names are, so consumers see one convention.
 */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.startsWith('@') ? k : k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeKeys(v)]));
}
