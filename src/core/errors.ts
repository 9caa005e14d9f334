/**
 * Errors the core raises. Each carries a kind that the CLI maps to an exit code
 * (docs/exit-codes.md) and, where there is one, the way out.
 */

/** Why a failed call may be worth repeating. */
export type Retryable = 'throttle' | 'transient' | 'unreachable';

/** What went wrong, in the terms a caller branches on. */
export type ErrorKind =
  | 'usage' // bad reference, bad duration, unknown option: the caller must change the call
  | 'not_found' // the group or target does not exist
  | 'timeout' // waited as long as allowed; targets may be left draining
  | 'refused' // a safety check said no
  | 'provider' // the provider's API failed (after retries)
  | 'interrupted'; // SIGINT/SIGTERM or an aborted signal

export interface DrainctlErrorOptions {
  /** What the user can do about it, one sentence. */
  readonly hint?: string;
  readonly cause?: unknown;
  /** Structured facts for json/ndjson output. */
  readonly details?: Record<string, unknown>;
  /**
   * Set when the same call may succeed later: throttled, a transient server fault, or an endpoint
   * that did not answer at all (connection refused, reset, no route; details.endpoint names it),
   * which is retried a bounded number of times only.
   */
  readonly retryable?: Retryable;
}

/** The one error type the core throws on purpose. */
export class DrainctlError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;
  readonly retryable: Retryable | undefined;

  constructor(kind: ErrorKind, message: string, options: DrainctlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DrainctlError';
    this.kind = kind;
    this.hint = options.hint;
    this.details = options.details ?? {};
    this.retryable = options.retryable;
  }
}

/**
 * Thrown under the lock when the plan no longer fits the group: a target the plan would only
 * follow (another runner's drain) is back in service. Following it would wait for a drain that
 * no longer happens; the operation plans again from a fresh look instead.
 */
export class StalePlan extends Error {
  constructor(readonly targets: readonly string[]) {
    super(`${targets.join(', ')} went back in service while this drain waited`);
    this.name = 'StalePlan';
  }
}

/** A usage error: the input is wrong and nothing was changed. */
export function usageError(message: string, hint?: string): DrainctlError {
  return new DrainctlError('usage', message, { hint });
}

export function notFoundError(message: string, hint?: string): DrainctlError {
  return new DrainctlError('not_found', message, { hint });
}

export function isDrainctlError(error: unknown): error is DrainctlError {
  return error instanceof DrainctlError;
}

/** The error raised when an AbortSignal fires; callers map it to exit 130. */
export function interruptedError(reason?: unknown): DrainctlError {
  const why = typeof reason === 'string' ? reason : reason instanceof Error ? reason.message : 'interrupted';
  return new DrainctlError('interrupted', why);
}

/** Throws the interrupted error if the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw interruptedError(signal.reason);
}
