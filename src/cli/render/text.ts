import { Chalk, type ChalkInstance } from 'chalk';
import type { DrainEvent } from '../../core/events.js';
import type { TerminalFacts } from '../terminal.js';
import { localDeadline } from './deadline.js';
import { describeEvent } from './messages.js';
import type { CommandFailure, CommandResult, Output } from './output.js';
import { createTextStyle, type TextStyle } from './style.js';

interface Spinner {
  text: string;
  start(): Spinner;
  stop(): Spinner;
  clear(): Spinner;
  render(): Spinner;
}

/** The ora options drainctl sets. */
export interface SpinnerOptions {
  readonly text: string;
  readonly stream: NodeJS.WritableStream;
  readonly isEnabled: boolean;
  /**
   * Always false: ora's default puts the terminal in raw mode to swallow keystrokes, and then
   * Ctrl-C is a plain byte, not SIGINT, so the operator cannot stop a drain.
   */
  readonly discardStdin: false;
  /** Hidden while spinning; ora shows it again on stop, and on exit if the process ends first. */
  readonly hideCursor: true;
  readonly color: 'cyan' | false;
}

export interface TextOutputOptions {
  readonly terminal: TerminalFacts;
  readonly writeOut: (text: string) => void;
  readonly writeErr: (text: string) => void;
  readonly debug: boolean;
  /** ora's constructor, loaded only on an interactive terminal. */
  readonly createSpinner?: (options: SpinnerOptions) => Spinner;
  /**
   * Colour for what goes to stdout (the result: `status` states), decided for stdout by the same
   * rules, so `drainctl status > file` writes no colour codes; default: the terminal's level.
   */
  readonly stdoutColorLevel?: TerminalFacts['colorLevel'];
  /** Shortens the references in a line against the defaults in use (see shortenRefs); default: as they are. */
  readonly shortenRefs?: (text: string) => string;
  /** For tests: the clock deadlines are measured from, and the zone they are shown in. */
  readonly now?: () => number;
  readonly timeZone?: string;
}

/** Text for people: progress on stderr (a live spinner on a TTY, plain lines elsewhere), the result on stdout. */
export class TextOutput implements Output {
  readonly format = 'text' as const;
  readonly style: TextStyle;
  private readonly color: ChalkInstance;
  private readonly stderrStyle: TextStyle;
  private readonly refs: (text: string) => string;
  private readonly now: () => number;
  private spinner: Spinner | undefined;
  private readonly pending = new Map<string, string>();
  private readonly lastWaitingLine = new Map<string, number>();

  constructor(private readonly options: TextOutputOptions) {
    this.color = new Chalk({ level: options.terminal.colorLevel });
    this.refs = options.shortenRefs ?? ((text) => text);
    this.now = options.now ?? Date.now;
    this.stderrStyle = createTextStyle(this.color, this.refs);
    this.style = createTextStyle(new Chalk({ level: options.stdoutColorLevel ?? options.terminal.colorLevel }), this.refs);
  }

  event(event: DrainEvent): void {
    const described = describeEvent(event, this.now(), (deadline, now) => localDeadline(deadline, now, this.options.timeZone));
    const level = described.level;
    const message = this.refs(described.message);
    if (event.type === 'waiting') return this.showWaiting(event.group, event.pending, message);
    if (event.type === 'target_state') this.pending.set(event.target, `${event.target}: ${this.stderrStyle.state(event.state)}`);
    if (event.type === 'target_done') this.pending.delete(event.target);
    // Throttling and passing faults are routine and shown only where they cost nothing to show; an
    // endpoint that does not answer is shown always, since drainctl gives up on it after a few tries.
    if (event.type === 'retry' && event.retryable !== 'unreachable' && !this.options.debug && !this.options.terminal.interactive) return;
    const mark = event.type === 'target_done' ? (event.outcome === 'timed_out' ? this.color.red('✗ ') : this.color.green('✓ ')) : '';
    const line = level === 'warn' ? this.color.yellow(`warning: ${message}`) : level === 'error' ? this.color.red(message) : message;
    this.printAboveSpinner(`${mark}${line}`);
  }

  result(result: CommandResult): void {
    this.stopSpinner();
    if (result.text) this.options.writeOut(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
    if (result.problem) this.options.writeErr(`${this.color.red('drainctl:')} ${this.refs(result.problem.message)}${result.problem.hint ? `; ${this.refs(result.problem.hint)}` : ''}\n`);
  }

  failure(failure: CommandFailure): void {
    this.stopSpinner();
    const hint = failure.hint ? `; ${this.refs(failure.hint)}` : '';
    this.options.writeErr(`${this.color.red('drainctl:')} ${this.refs(failure.message)}${hint}\n`);
  }

  debug(line: string): void {
    if (this.options.debug) this.printAboveSpinner(this.color.dim(`debug: ${line}`));
  }

  print(line: string): void {
    this.options.writeOut(`${line}\n`);
  }

  note(line: string): void {
    this.printAboveSpinner(this.color.bold(this.refs(line)));
  }

  close(): void {
    this.stopSpinner();
  }

  progress(text: string | undefined): void {
    if (!this.spinnerEnabled()) return;
    if (text !== undefined) {
      // Drawn now, not at the next frame: what it announces may be over before then.
      const spinner = this.ensureSpinner(text);
      spinner.text = text;
      spinner.render();
    }
    // Once a wait has begun the spinner shows it; otherwise it goes away with what it announced.
    else if (this.pending.size === 0 && this.lastWaitingLine.size === 0) this.stopSpinner();
  }

  /** On a TTY the spinner shows every pending target; elsewhere one plain line per group every 10 s at most. */
  private showWaiting(group: string, pending: readonly string[], message: string): void {
    if (this.spinnerEnabled()) {
      const lines = pending.map((t) => this.refs(this.pending.get(t) ?? `${t}: waiting`));
      this.ensureSpinner().text = `${message}\n${lines.map((l) => `  ${l}`).join('\n')}`;
      return;
    }
    const last = this.lastWaitingLine.get(group);
    if (last !== undefined && this.now() - last < 10_000) return;
    this.lastWaitingLine.set(group, this.now());
    this.options.writeErr(`${message}\n`);
  }

  private printAboveSpinner(line: string): void {
    this.spinner?.clear();
    this.options.writeErr(`${line}\n`);
    this.spinner?.render();
  }

  private spinnerEnabled(): boolean {
    return this.options.terminal.interactive && this.options.createSpinner !== undefined;
  }

  /** The spinner, started with `text` when there is none yet (its first frame is drawn at once). */
  private ensureSpinner(text = ''): Spinner {
    this.spinner ??= this.options.createSpinner!({
      text,
      stream: process.stderr,
      isEnabled: true,
      discardStdin: false,
      hideCursor: true,
      color: this.options.terminal.colorLevel > 0 ? 'cyan' : false,
    }).start();
    return this.spinner;
  }

  private stopSpinner(): void {
    this.spinner?.stop();
    this.spinner = undefined;
  }
}
