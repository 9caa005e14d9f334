import { DrainctlError, interruptedError } from '../../core/errors.js';

const THROTTLE_NAMES = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'PriorRequestNotComplete', 'SlowDown', 'RequestThrottled']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET']);

/** Authorization refusals: AWS checked the caller before doing anything. */
const DENIED_NAMES = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess', 'AuthFailure']);
/** Requests AWS rejected as invalid before acting on them (HTTP 400, not throttling). */
const REJECTED_NAMES = new Set(['ValidationError', 'ValidationException', 'InvalidParameterValue', 'InvalidParameterCombination', 'MissingParameter', 'InvalidAction', 'InvalidClientTokenId', 'SignatureDoesNotMatch']);

/** host:port of the endpoint a network error is about, from Node's error (or the first of an AggregateError's). */
function endpointOf(error: unknown): string | undefined {
  const e = error as { address?: string; port?: number; hostname?: string; errors?: unknown[] };
  const first = (Array.isArray(e.errors) ? e.errors[0] : undefined) as { address?: string; port?: number } | undefined;
  const address = e.address ?? first?.address ?? e.hostname;
  const port = e.port ?? first?.port;
  if (!address) return undefined;
  const host = address.includes(':') ? `[${address}]` : address;
  return port === undefined ? host : `${host}:${port}`;
}

/** Node reports a connection to every address of a name failing as an AggregateError whose parts carry the code. */
function aggregateCode(error: unknown): string | undefined {
  const errors = (error as { errors?: unknown[] }).errors;
  return Array.isArray(errors) ? (errors[0] as { code?: string } | undefined)?.code : undefined;
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Facts about the call, for messages. */
export interface AwsCallContext {
  readonly what: string; // "describe target health of web"
  readonly signal?: AbortSignal;
  /** The error names that mean "not found" for this call, with the message to show. */
  readonly notFound?: Record<string, string>;
  readonly notFoundHint?: string;
}

/** Turns an SDK or network error into a DrainctlError that says what failed and whether it may be retried. */
export function toDrainctlError(error: unknown, context: AwsCallContext): DrainctlError {
  if (error instanceof DrainctlError) return error;
  if (context.signal?.aborted) return interruptedError(context.signal.reason);
  const e = (error ?? {}) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const message = e.message ?? String(error);
  const status = e.$metadata?.httpStatusCode;

  const notFound = context.notFound?.[name];
  if (notFound) return new DrainctlError('not_found', notFound, { hint: context.notFoundHint, cause: error, details: { awsError: name } });
  if (THROTTLE_NAMES.has(name)) {
    return new DrainctlError('provider', `${context.what}: throttled by AWS (${name}: ${message})`, { retryable: 'throttle', cause: error, details: { awsError: name } });
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new DrainctlError('provider', `${context.what}: no AWS credentials found`, {
      hint: 'configure credentials (aws configure, AWS_PROFILE, SSO, or an instance role), or pass --profile',
      cause: error,
    });
  }
  // A refused request was not applied: the ledger must not record a change (details.applied).
  if (DENIED_NAMES.has(name)) {
    return new DrainctlError('provider', `${context.what}: access denied (${message})`, {
      hint: 'grant the IAM actions listed in docs/providers/aws.md',
      cause: error,
      details: { awsError: name, httpStatus: status, applied: false },
    });
  }
  const code = e.code ?? aggregateCode(error);
  if ((code && NETWORK_CODES.has(code)) || name === 'TimeoutError') {
    // No answer at all: retried a bounded number of times, naming the endpoint that did not answer.
    const endpoint = endpointOf(error);
    return new DrainctlError('provider', `${context.what}: ${endpoint ?? 'the endpoint'} did not answer (${code ?? name}: ${message})`, {
      retryable: 'unreachable',
      cause: error,
      details: { awsError: name, ...(code && { code }), ...(endpoint && { endpoint }) },
    });
  }
  if (status !== undefined && status >= 500) {
    return new DrainctlError('provider', `${context.what}: HTTP ${status} ${name}: ${message}`, { retryable: 'transient', cause: error, details: { awsError: name } });
  }
  const rejected = REJECTED_NAMES.has(name) || status === 403;
  return new DrainctlError('provider', `${context.what}: ${name}: ${message}`, { cause: error, details: { awsError: name, httpStatus: status, ...(rejected && { applied: false }) } });
}

/** Runs one SDK call and maps its errors. */
export async function call<T>(context: AwsCallContext, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw toDrainctlError(error, context);
  }
}
