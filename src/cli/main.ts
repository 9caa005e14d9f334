import { setMaxListeners } from 'node:events';
import { CommanderError } from 'commander';
import { DrainctlError } from '../core/errors.js';
import { refSyntaxes } from '../providers/registry.js';
import { createContext, type GlobalOptions, refDefaults } from './context.js';
import { EXIT, exitCodeForError } from './exit-codes.js';
import { buildProgram } from './program.js';
import { createRedactor } from './redact.js';
import { JsonOutput, NdjsonOutput } from './render/json.js';
import type { Output } from './render/output.js';
import { shortenRefs } from './render/refs.js';
import { TextOutput } from './render/text.js';
import { detectTerminal } from './terminal.js';
import { drainctlVersion, OUTPUT_SCHEMA } from './version.js';

export interface MainIo {
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Where SIGINT/SIGTERM come from. */
  readonly signals: NodeJS.EventEmitter;
}

/** Runs drainctl and resolves to the exit code. Never exits the process itself: bin/drainctl does, once. */
export async function main(io: MainIo): Promise<number> {
  const redact = createRedactor(io.env);
  // A reader that goes away (`drainctl status … | head`) must not stop a drain half-way:
  // output is best effort, the operation and its ledger record are not.
  ignoreClosedPipe(io.stdout);
  ignoreClosedPipe(io.stderr);
  const writeOut = (text: string): void => void io.stdout.write(redact(text));
  const writeErr = (text: string): void => void io.stderr.write(redact(text));
  const args = io.argv.slice(2);
  const version = drainctlVersion();
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    writeOut(`${version}\n`);
    return EXIT.ok;
  }

  const controller = new AbortController();
  // Every concurrent API call listens on this one signal; a fleet drain has hundreds in flight.
  setMaxListeners(0, controller.signal);
  let interrupts = 0;
  const onSignal = (signal: string) => (): void => {
    interrupts += 1;
    if (interrupts === 1) controller.abort(`interrupted by ${signal}`);
  };
  const onInt = onSignal('SIGINT');
  const onTerm = onSignal('SIGTERM');
  io.signals.on('SIGINT', onInt);
  io.signals.on('SIGTERM', onTerm);

  let exitCode: number = EXIT.ok;
  let commanderError = '';
  const program = buildProgram(version, async (handler) => {
    const options = program.opts<GlobalOptions>();
    const output = await createOutput(options, io, writeOut, writeErr, version);
    // On a terminal, something is on screen at once; loading a provider or its first call replaces it.
    output.progress('starting');
    let ctx: ReturnType<typeof createContext> | undefined;
    try {
      ctx = createContext(options, output, controller.signal, io.env, { redact });
      const result = await handler(ctx);
      output.result(result);
      exitCode = result.exitCode;
    } catch (error) {
      exitCode = exitCodeForError(error);
      output.failure(toFailure(error, exitCode, Boolean(options.debug)));
    } finally {
      output.close();
      await ctx?.dispose();
    }
  });
  program.exitOverride();
  program.configureOutput({
    writeOut,
    writeErr: (text) => {
      commanderError += text;
    },
    outputError: (text) => {
      commanderError += text;
    },
  });
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());
  for (const command of program.commands.flatMap((c) => c.commands)) command.exitOverride().configureOutput(program.configureOutput());

  try {
    await program.parseAsync(io.argv as string[]);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // `drainctl` or `drainctl timeout` alone: commander calls that an error (it writes the help to
    // stderr, exit 1), but someone who typed just the command wants the help, and nothing failed.
    if (error.exitCode === 0 || error.code === 'commander.help') {
      if (commanderError) writeOut(commanderError);
      return EXIT.ok;
    }
    const message = usageLine(commanderError || error.message);
    const format = outputFormatFromArgv(args);
    if (format === 'text') writeErr(`drainctl: ${message}\n`);
    else (await createOutput({ output: format }, io, writeOut, writeErr, version)).failure({ message, hint: undefined, kind: 'usage', exitCode: EXIT.usage, details: {} });
    return EXIT.usage;
  } finally {
    io.signals.off('SIGINT', onInt);
    io.signals.off('SIGTERM', onTerm);
  }
  return exitCode;
}

async function createOutput(options: GlobalOptions, io: MainIo, writeOut: (t: string) => void, writeErr: (t: string) => void, version: string): Promise<Output> {
  const debug = Boolean(options.debug);
  if (options.output === 'json') return new JsonOutput(writeOut, writeErr, version, OUTPUT_SCHEMA, debug);
  if (options.output === 'ndjson') return new NdjsonOutput(writeOut, writeErr, version, OUTPUT_SCHEMA, debug);
  const terminal = detectTerminal(io.env, io.stderr);
  // ora is loaded only for an interactive terminal, where a spinner will actually be drawn.
  const createSpinner = terminal.interactive ? ((await import('ora')).default as unknown as TextSpinnerFactory) : undefined;
  const defaults = refDefaults(options, io.env);
  return new TextOutput({
    terminal,
    stdoutColorLevel: detectTerminal(io.env, io.stdout).colorLevel,
    writeOut,
    writeErr,
    debug,
    createSpinner,
    shortenRefs: (text) => shortenRefs(text, refSyntaxes, defaults),
  });
}

type TextSpinnerFactory = NonNullable<ConstructorParameters<typeof TextOutput>[0]['createSpinner']>;

/** The -o/--output value when the command line could not be parsed, so machine readers still get their format. */
function outputFormatFromArgv(args: readonly string[]): GlobalOptions['output'] {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = arg === '-o' || arg === '--output' ? args[i + 1] : arg.startsWith('--output=') ? arg.slice(9) : arg.startsWith('-o') && arg.length > 2 ? arg.slice(2) : undefined;
    if (value === 'json' || value === 'ndjson') return value;
  }
  return 'text';
}

function ignoreClosedPipe(stream: NodeJS.WritableStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

/** Commander's message, as one line that names the fix: its "did you mean" suggestion when it has one, else the help. */
function usageLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const message = (lines[0] ?? text).replace(/^error:\s*/, '');
  // Commander puts the suggestion on a line of its own: "(Did you mean drain?)".
  const suggestion = lines.map((l) => /^\(Did you mean (.+)\?\)$/.exec(l)?.[1]).find((s) => s !== undefined);
  if (suggestion !== undefined) return `${message}; did you mean ${suggestion}?`;
  return /--help/.test(message) ? message : `${message} (see drainctl --help)`;
}

function toFailure(error: unknown, exitCode: number, debug: boolean) {
  if (error instanceof DrainctlError) {
    return { message: error.message, hint: error.hint, kind: error.kind, exitCode, details: error.details };
  }
  const message = error instanceof Error ? (debug && error.stack ? error.stack : error.message) : String(error);
  return { message: `unexpected error: ${message}`, hint: 'rerun with --debug, and report it if it persists', kind: 'internal', exitCode, details: {} };
}
