import { connect, type Socket } from 'node:net';
import { type CallContext, deadlineError, remainingMs } from '../../core/call.js';
import { DrainctlError, interruptedError } from '../../core/errors.js';
import { printable, quote } from '../../core/quote.js';
import { formatHaproxyAddress, type HaproxyAddress } from './syntax.js';

/** How long one runtime API command may take, connect to end of answer (the call's deadline may end it sooner). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;
/** Answers larger than this are cut off: `show stat` of a very large configuration stays well below. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
/**
 * The least time a command gets when the caller's deadline is (almost) there: the core's waiter
 * takes one last look at the deadline itself, and that look must still be able to say what it saw.
 * A local runtime API answers in milliseconds.
 */
const LAST_LOOK_MS = 500;
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED', 'EAGAIN']);

export interface CommandOptions {
  readonly timeoutMs?: number;
  /** The signal that stops the command, and the clock and deadline that bound it. */
  readonly call: CallContext;
  readonly debug?: (line: string) => void;
}

/**
 * Sends one command to the HAProxy runtime API and reads the answer to EOF. HAProxy's
 * non-interactive mode answers one line and closes; the write side is half-closed right
 * after the command, so a peer that only echoes ends too. Its bound (its own, or the call's
 * deadline when that comes first) is timed on the call's clock.
 */
export function runtimeCommand(address: HaproxyAddress, command: string, options: CommandOptions): Promise<string> {
  const { call } = options;
  const where = formatHaproxyAddress(address);
  const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const started = Date.now(); // for the debug line only
  const startedAt = call.clock.now();
  return new Promise<string>((resolve, reject) => {
    if (call.signal?.aborted) return reject(interruptedError(call.signal.reason));
    const bound = Math.min(timeoutMs, Math.max(remainingMs(call), LAST_LOOK_MS));
    const byDeadline = bound < timeoutMs;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const socket: Socket = address.kind === 'unix' ? connect({ path: address.path }) : connect({ host: address.host, port: address.port });
    const finish = (error: DrainctlError | undefined, answer?: string): void => {
      if (settled) return;
      settled = true;
      stopTimer.abort();
      call.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      options.debug?.(`haproxy ${where} ${command} <- ${error ? `error: ${error.message}` : `${answer?.split('\n').length ?? 0} lines`} in ${Date.now() - started}ms`);
      if (error) reject(error);
      else resolve(answer ?? '');
    };
    const onAbort = (): void => finish(interruptedError(call.signal?.reason));
    const stopTimer = new AbortController();
    call.clock.sleep(bound, stopTimer.signal).then(
      () => {
        if (byDeadline) return finish(deadlineError(`waiting for the HAProxy runtime API at ${where} to answer "${command}"`, call, startedAt));
        const partial = Buffer.concat(chunks).toString('utf8');
        finish(partial === ''
          ? new DrainctlError('provider', `HAProxy runtime API at ${where}: no answer to "${command}" within ${timeoutMs} ms`, { retryable: 'transient', details: { address: where } })
          : notHaproxy(where, partial));
      },
      () => {}, // answered first
    );
    call.signal?.addEventListener('abort', onAbort, { once: true });
    options.debug?.(`haproxy ${where} -> ${command}`);
    socket.on('connect', () => {
      socket.write(`${command}\n`);
      socket.end();
    });
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) return finish(new DrainctlError('provider', `HAProxy runtime API at ${where}: answer to "${command}" exceeds ${MAX_ANSWER_BYTES} bytes`, { details: { address: where } }));
      chunks.push(chunk);
    });
    socket.on('end', () => finish(undefined, Buffer.concat(chunks).toString('utf8')));
    socket.on('close', () => finish(undefined, Buffer.concat(chunks).toString('utf8')));
    socket.on('error', (error: NodeJS.ErrnoException) => finish(connectionError(where, address, error)));
  });
}

/** A peer that answered, but not as HAProxy does; its answer is shown quoted and cut short, as it may be anything. */
export function notHaproxy(where: string, answer: string): DrainctlError {
  const shown = quote(answer.replace(/[ \t\r\n]+/g, ' ').trim(), 60);
  return new DrainctlError('usage', `${where} is not an HAProxy runtime API (it answered ${shown})`, {
    hint: 'point the reference at a stats socket: "stats socket ipv4@127.0.0.1:9999 level admin" or "stats socket /run/haproxy/admin.sock level admin"',
    details: { address: where },
  });
}

function connectionError(where: string, address: HaproxyAddress, error: NodeJS.ErrnoException): DrainctlError {
  const code = error.code ?? 'ERROR';
  const details = { address: where, code };
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new DrainctlError('provider', `HAProxy runtime API at ${where}: no such socket`, {
      hint: 'check that HAProxy runs and that the path matches its "stats socket" line; a backend named alone needs the path marked, e.g. haproxy:/var/lib/haproxy/stats//be_app',
      cause: error,
      details,
    });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new DrainctlError('provider', `HAProxy runtime API at ${where}: permission denied opening the socket`, {
      hint: 'run drainctl as a user allowed by the socket\'s "mode"/"user"/"group" settings',
      cause: error,
      details,
    });
  }
  if (TRANSIENT_CODES.has(code)) {
    const refused = code === 'ECONNREFUSED' && address.kind === 'unix' ? ' (is it a socket HAProxy listens on?)' : '';
    return new DrainctlError('provider', `HAProxy runtime API at ${where}: ${code === 'ECONNREFUSED' ? 'connection refused' : code}${refused}`, {
      retryable: 'transient',
      hint: 'check that HAProxy runs and has a "stats socket" on this address',
      cause: error,
      details,
    });
  }
  return new DrainctlError('provider', `HAProxy runtime API at ${where}: ${code}: ${printable(error.message)}`, { cause: error, details });
}
