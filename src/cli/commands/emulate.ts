import { usageError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import type { CommandResult } from '../render/output.js';

export interface EmulateFlags {
  readonly port?: string;
  readonly seed?: string;
  readonly throttle: 'aws' | 'off';
}

/** `drainctl emulate aws`: serves the emulator until SIGINT or SIGTERM, then exits 0. */
export async function emulateCommand(ctx: CommandContext, provider: string, flags: EmulateFlags): Promise<CommandResult> {
  if (provider !== 'aws') throw usageError(`no emulator for "${provider}"`, 'available: aws');
  const port = parsePort(flags.port);
  const { startAwsEmulator, loadSeedFile, demoSeed } = await import('../../emulators/aws/index.js');
  let seed;
  try {
    seed = flags.seed ? await loadSeedFile(flags.seed) : demoSeed();
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error), 'see docs/emulators.md for the seed format');
  }
  let emulator;
  try {
    emulator = await startAwsEmulator({ port, seed, throttle: flags.throttle });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') throw usageError(`port ${port} is already in use`, 'pick another --port, or leave it out for any free port');
    throw error;
  }
  // The first line on stdout is the contract scripts wait for, whatever the output format.
  ctx.output.print(`listening on ${emulator.url}`);
  ctx.output.note(`serving the AWS ELB emulator; stop with Ctrl-C (SIGINT) or SIGTERM`);
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) return resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await emulator.stop();
  return { kind: 'emulate', data: { url: emulator.url, requests: emulator.requestLog.length }, text: `stopped after ${emulator.requestLog.length} requests`, exitCode: 0 };
}

function parsePort(text: string | undefined): number {
  if (text === undefined) return 0;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw usageError(`invalid --port "${text}": expected 1-65535`, 'or leave it out for any free port');
  return port;
}
