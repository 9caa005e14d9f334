import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { type CommandContext, createContext, type GlobalOptions } from '../../src/cli/context.js';
import { exitCodeForError } from '../../src/cli/exit-codes.js';
import type { CommandFailure, CommandResult, Output } from '../../src/cli/render/output.js';
import { DrainctlError } from '../../src/core/errors.js';
import type { DrainEvent } from '../../src/core/events.js';
import type { Ledger } from '../../src/core/ledger.js';

/** What a command run produced, as main() would map it: the exit code, the result or the failure, and warnings. */
export interface Outcome {
  readonly code: number;
  readonly result: CommandResult | undefined;
  readonly error: DrainctlError | Error | undefined;
  readonly warnings: string[];
  readonly events: DrainEvent[];
}

/** An Output that records what a command sends it. */
function recordingOutput(events: DrainEvent[]): Output {
  return {
    format: 'json',
    event: (e) => void events.push(e),
    result: () => {},
    failure: (_f: CommandFailure) => {},
    debug: () => {},
    print: () => {},
    note: () => {},
    progress: () => {},
    close: () => {},
  };
}

/**
 * Runs a command function with a context built as src/cli/main.ts builds it (until the lead wires the
 * commands into program.ts), mapping thrown errors to exit codes the same way.
 */
export async function runCommand(
  handler: (ctx: CommandContext) => Promise<CommandResult>,
  options: Partial<GlobalOptions> & { ledgerInstance?: Ledger; env?: NodeJS.ProcessEnv } = {},
): Promise<Outcome> {
  const events: DrainEvent[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'drainctl-timeouts-'));
  const { ledgerInstance, env, ...global } = options;
  const base = createContext({ output: 'json', ledger: join(dir, 'ledger.db'), ...global }, recordingOutput(events), new AbortController().signal, env ?? { NO_COLOR: '1' });
  const ctx: CommandContext = ledgerInstance ? { ...base, ledger: async () => ledgerInstance } : base;
  try {
    const result = await handler(ctx);
    return { code: result.exitCode, result, error: undefined, warnings: warningsOf(events), events };
  } catch (error) {
    return { code: exitCodeForError(error), result: undefined, error: error as Error, warnings: warningsOf(events), events };
  } finally {
    base.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

function warningsOf(events: readonly DrainEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Writes a file in a temporary directory removed after the suite; returns its path. */
export function tempFile(name: string, content: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'drainctl-timeouts-files-'));
  dirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** A directory removed after the suite. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'drainctl-timeouts-dir-'));
  dirs.push(dir);
  return dir;
}
