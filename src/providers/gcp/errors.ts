import { DrainctlError, interruptedError } from '../../core/errors.js';

/**
 * The REST client (rest.ts) throws ComputeHttpError, shaped like the library's GaxiosError: a
 * numeric `status` and Google's JSON error body. Every throttling and transient fault is marked
 * retryable here for the core's own retry; an endpoint that does not answer at all is
 * 'unreachable', naming the endpoint (scheme, host and port only).
 */

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);
const THROTTLE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'RATE_LIMIT_EXCEEDED']);

/** Facts about the call, for messages. */
export interface GcpCallContext {
  /** "remove instances from instance group p/us-central1-a/web-ig" */
  readonly what: string;
  readonly signal?: AbortSignal;
  /** The message for a 404, naming the resource. */
  readonly notFound?: string;
  readonly notFoundHint?: string;
  /** The API endpoint, named in the error when it does not answer. */
  readonly endpoint?: string;
}

interface ErrorShape {
  name?: string;
  message?: string;
  status?: number;
  code?: number | string;
  response?: { status?: number; data?: unknown };
  cause?: { code?: string; message?: string; cause?: { code?: string; message?: string } };
}

/** Google's error body, parsed from wherever the client put it. */
export interface GoogleErrorInfo {
  readonly status: number | undefined;
  readonly reason: string | undefined;
  readonly message: string;
}

function parseBody(text: unknown): { code?: number; message?: string; errors?: { reason?: string; message?: string }[] } | undefined {
  let value = text;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const error = (value as { error?: unknown } | null)?.error;
  return error && typeof error === 'object' ? (error as ReturnType<typeof parseBody>) : undefined;
}

/** The HTTP status, Google reason and message of a client error. */
export function googleErrorInfo(error: unknown): GoogleErrorInfo {
  const e = (error ?? {}) as ErrorShape;
  const body = parseBody(e.message) ?? parseBody(e.response?.data);
  const status = e.status ?? e.response?.status ?? (typeof e.code === 'number' ? e.code : undefined) ?? body?.code;
  return { status, reason: body?.errors?.[0]?.reason, message: body?.message ?? e.message ?? String(error) };
}

/** The network failure code of an error that never got an HTTP answer (fetch wraps it in `cause`, undici once more). */
function networkCode(error: ErrorShape): string | undefined {
  for (const code of [error.code, error.cause?.code, error.cause?.cause?.code]) if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  if (/socket hang up|other side closed|ECONNRESET/i.test(`${error.message ?? ''} ${error.cause?.message ?? ''}`)) return 'ECONNRESET';
  if (/fetch failed/i.test(error.message ?? '')) return 'EFETCH';
  return undefined;
}

/** `scheme://host:port` of an endpoint, and nothing else (no path, query or credentials). */
export function endpointOrigin(endpoint: string | undefined): string {
  try {
    const url = new URL(endpoint ?? 'https://compute.googleapis.com');
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    return `${url.protocol}//${url.hostname}:${port}`;
  } catch {
    return 'the Compute Engine endpoint';
  }
}

/** Turns a client or network error into a DrainctlError that says what failed and whether it may be retried. */
export function toDrainctlError(error: unknown, context: GcpCallContext): DrainctlError {
  if (error instanceof DrainctlError) return error;
  if (context.signal?.aborted) return interruptedError(context.signal.reason);
  const e = (error ?? {}) as ErrorShape;
  const info = googleErrorInfo(error);
  const details = { httpStatus: info.status ?? null, reason: info.reason ?? null };
  if (/Could not load the default credentials|Could not refresh access token|invalid_grant|The file at .* does not exist, or it is not a file/i.test(info.message)) {
    return new DrainctlError('provider', `${context.what}: no usable Google Cloud credentials (${info.message})`, {
      hint: 'run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key (Application Default Credentials)',
      cause: error,
    });
  }
  if (info.status === 404) return new DrainctlError('not_found', context.notFound ?? `${context.what}: not found (${info.message})`, { hint: context.notFoundHint, cause: error, details });
  if (info.status === 429 || (info.status === 403 && info.reason !== undefined && THROTTLE_REASONS.has(info.reason))) {
    return new DrainctlError('provider', `${context.what}: throttled by Compute Engine (HTTP ${info.status}${info.reason ? ` ${info.reason}` : ''}: ${info.message})`, { retryable: 'throttle', cause: error, details });
  }
  if (info.status === 401 || info.status === 403) {
    return new DrainctlError('provider', `${context.what}: access denied (HTTP ${info.status}: ${info.message})`, { hint: 'grant the IAM permissions listed in docs/providers/gcp.md', cause: error, details });
  }
  const network = info.status === undefined ? networkCode(e) : undefined;
  if (network) {
    const endpoint = endpointOrigin(context.endpoint);
    const why = network === 'EFETCH' ? 'no answer' : network;
    return new DrainctlError('provider', `${context.what}: ${endpoint} did not answer (${why})`, {
      retryable: 'unreachable',
      hint: 'check the network path to the endpoint (and --endpoint-url or DRAINCTL_ENDPOINT_URL if set), then run the command again: it is safe to repeat',
      cause: error,
      details: { ...details, endpoint, code: network },
    });
  }
  if (info.status !== undefined && info.status >= 500) {
    return new DrainctlError('provider', `${context.what}: HTTP ${info.status}: ${info.message}`, { retryable: 'transient', cause: error, details });
  }
  return new DrainctlError('provider', `${context.what}: ${info.status === undefined ? '' : `HTTP ${info.status} `}${info.reason ?? e.name ?? 'error'}: ${info.message}`, { cause: error, details });
}

/** Rejects with the interrupted error as soon as the signal fires; the request itself runs on unobserved. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(interruptedError(signal.reason));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(interruptedError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
