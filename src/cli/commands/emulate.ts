import { usageError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import { EMULATORS, type RunningEmulator } from '../emulators.js';
import type { CommandResult } from '../render/output.js';

export interface EmulateFlags {
  readonly port?: string;
  readonly seed?: string;
  readonly throttle: string;
}

/** `drainctl emulate <provider>`: serves a built-in emulator until SIGINT or SIGTERM, then exits 0. */
export async function emulateCommand(ctx: CommandContext, provider: string, flags: EmulateFlags): Promise<CommandResult> {
  const load = EMULATORS[provider];
  if (!load) throw usageError(`no emulator for "${provider}"`, `available: ${Object.keys(EMULATORS).join(', ')}`);
  const port = parsePort(flags.port);
  const kind = await load();
  let emulator: RunningEmulator;
  try {
    emulator = await kind.start({ port, seedFile: flags.seed, throttle: flags.throttle !== 'off' });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') throw usageError(`port ${port} is already in use`, 'pick another --port, or leave it out for any free port');
    if (code === 'ENOENT') throw usageError(`seed file ${flags.seed} does not exist`, 'see docs/emulators.md for the seed format');
    throw usageError(error instanceof Error ? error.message : String(error), 'see docs/emulators.md for the seed format');
  }
  // The first line on stdout is the contract scripts wait for.
  ctx.output.print(`listening on ${emulator.url}`);
  ctx.output.note(`serving the ${provider} emulator; stop with Ctrl-C (SIGINT) or SIGTERM`);
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
