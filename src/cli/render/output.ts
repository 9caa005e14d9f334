import type { DrainEvent } from '../../core/events.js';
import type { TextStyle } from './style.js';

export type OutputFormat = 'text' | 'json' | 'ndjson';

/** The final result of a command, in data (json/ndjson) and in words (text). */
export interface CommandResult {
  /** What kind of result this is: "drain", "status", "timeout", "history"… */
  readonly kind: string;
  readonly data: Record<string, unknown>;
  /** What text mode prints on stdout. */
  readonly text: string;
  readonly exitCode: number;
  /** When the exit code is not 0: one line for stderr, and what to do about it. */
  readonly problem?: { readonly message: string; readonly hint?: string };
}

/** A failure to report, already mapped to its exit code. */
export interface CommandFailure {
  readonly message: string;
  readonly hint: string | undefined;
  readonly kind: string;
  readonly exitCode: number;
  readonly details: Record<string, unknown>;
}

/** Where commands send what happens. One implementation per output format. */
export interface Output {
  readonly format: OutputFormat;
  /** How the text a result shows is dressed (colours, short references); absent means plain. */
  readonly style?: TextStyle;
  event(event: DrainEvent): void;
  result(result: CommandResult): void;
  failure(failure: CommandFailure): void;
  debug(line: string): void;
  /** A line for stdout as is, in every format (the emulator's "listening on" contract). */
  print(line: string): void;
  /** A line of narration for people (the demo's commentary); machine formats keep it as a log record or drop it. */
  note(line: string): void;
  /**
   * Something slow is under way before any event can say so (loading a cloud's client): shown at
   * once on an interactive terminal, so a command never sits silent; undefined when it is over.
   * Other formats and pipes show nothing.
   */
  progress(text: string | undefined): void;
  /** Stops spinners; called once before the process exits. */
  close(): void;
}
