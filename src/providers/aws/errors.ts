import { DrainctlError, interruptedError } from '../../core/errors.js';

const THROTTLE_NAMES = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'PriorRequestNotComplete', 'SlowDown', 'RequestThrottled']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET']);

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
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'UnauthorizedOperation') {
    return new DrainctlError('provider', `${context.what}: access denied (${message})`, { hint: 'grant the IAM actions listed in docs/providers/aws.md', cause: error });
  }
  const code = (error as { code?: string }).code;
  if ((code && NETWORK_CODES.has(code)) || name === 'TimeoutError' || (status !== undefined && status >= 500)) {
    const why = status !== undefined && status >= 500 ? `HTTP ${status} ${name}` : code ?? name;
    return new DrainctlError('provider', `${context.what}: ${why}: ${message}`, { retryable: 'transient', cause: error, details: { awsError: name } });
  }
  return new DrainctlError('provider', `${context.what}: ${name}: ${message}`, { cause: error, details: { awsError: name, httpStatus: status } });
}

/** Runs one SDK call and maps its errors. */
export async function call<T>(context: AwsCallContext, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw toDrainctlError(error, context);
  }
}
