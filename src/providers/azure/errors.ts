import { DrainctlError, interruptedError } from '../../core/errors.js';

/** Codes of a request that got no HTTP answer: the endpoint is unreachable (or the answer was lost). */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'REQUEST_SEND_ERROR']);
const DEFAULT_ENDPOINT = 'https://management.azure.com';
const CREDENTIAL_ERRORS = new Set(['CredentialUnavailableError', 'AggregateAuthenticationError', 'AuthenticationError', 'AuthenticationRequiredError']);

interface RestErrorShape {
  name?: string;
  message?: string;
  code?: string;
  statusCode?: number;
  response?: { headers?: { get(name: string): string | undefined } };
  /** The request that failed (RestError carries it); only its URL's origin is ever shown. */
  request?: { url?: string };
  cause?: { code?: string; message?: string };
}

/** Facts about one Azure call, for messages. */
export interface AzureCallContext {
  /** "read application gateway demo-agw". */
  readonly what: string;
  readonly signal?: AbortSignal;
  /** The message for HTTP 404, naming the resource that is missing. */
  readonly notFound?: string;
  readonly notFoundHint?: string;
  /** The endpoint, named when it does not answer and the error carries no request URL. */
  readonly endpoint?: string;
  /** The call follows a long-running operation: an error without an HTTP status is the operation ending Failed. */
  readonly operation?: boolean;
}

/** `scheme://host:port` of a request URL, and nothing else: no path, query or credentials. */
export function endpointOrigin(url: string | undefined): string {
  try {
    const parsed = new URL(url ?? DEFAULT_ENDPOINT);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || (parsed.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return 'the Azure Resource Manager endpoint';
  }
}

/** The network failure of an error that never got an HTTP answer, if it is one. */
function networkCode(error: RestErrorShape): string | undefined {
  if (error.statusCode !== undefined) return undefined;
  // REQUEST_SEND_ERROR wraps the socket's own code, which the message names.
  const named = /\b(E[A-Z]{4,})\b/.exec(error.message ?? '')?.[1];
  for (const code of [error.code === 'REQUEST_SEND_ERROR' ? named : error.code, error.cause?.code]) if (code !== undefined && NETWORK_CODES.has(code)) return code;
  if (/socket hang up|other side closed/i.test(error.message ?? '')) return 'ECONNRESET';
  if (/fetch failed/i.test(error.message ?? '')) return 'EFETCH';
  return error.code === 'REQUEST_SEND_ERROR' ? error.code : undefined;
}

/** Milliseconds the server asked to wait (Retry-After), if it said. */
function retryAfterMs(error: RestErrorShape): number | undefined {
  const value = error.response?.headers?.get('retry-after');
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * Turns an SDK, identity or network error into a DrainctlError that says what failed and
 * whether it may be retried. 409 AnotherOperationInProgress and 412 come back marked
 * `conflict`: the caller must read the resource again before trying again.
 */
export function toDrainctlError(error: unknown, context: AzureCallContext): DrainctlError {
  if (error instanceof DrainctlError) return error;
  if (context.signal?.aborted) return interruptedError(context.signal.reason);
  const e = (error ?? {}) as RestErrorShape;
  const name = e.name ?? 'Error';
  const message = e.message ?? String(error);
  if (name === 'AbortError') return interruptedError(message);
  const status = e.statusCode;
  const code = e.code;
  const details = { azureError: code ?? name, httpStatus: status };

  if (CREDENTIAL_ERRORS.has(name)) {
    return new DrainctlError('provider', `${context.what}: no usable Azure credentials (${name}: ${firstLine(message)})`, {
      hint: 'sign in with az login, set AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, or run with a managed identity',
      cause: error,
      details,
    });
  }
  if (status === 404) return new DrainctlError('not_found', context.notFound ?? `${context.what}: not found (${code}: ${message})`, { hint: context.notFoundHint, cause: error, details });
  if (status === 409 && code === 'AnotherOperationInProgress') {
    return new DrainctlError('provider', `${context.what}: another operation on the resource is in progress`, { retryable: 'transient', cause: error, details: { ...details, conflict: true, retryAfterMs: retryAfterMs(e) } });
  }
  if (status === 412) {
    return new DrainctlError('provider', `${context.what}: the resource changed since it was read (etag no longer matches)`, { retryable: 'transient', cause: error, details: { ...details, conflict: true } });
  }
  if (status === 429) return new DrainctlError('provider', `${context.what}: throttled by Azure Resource Manager (${code ?? 'TooManyRequests'})`, { retryable: 'throttle', cause: error, details: { ...details, retryAfterMs: retryAfterMs(e) } });
  if (status === 401) return new DrainctlError('provider', `${context.what}: authentication failed (${code}: ${firstLine(message)})`, { hint: 'check the signed-in account and tenant (az account show)', cause: error, details });
  if (status === 403) {
    return new DrainctlError('provider', `${context.what}: access denied (${code}: ${firstLine(message)})`, { hint: 'grant the permissions listed in docs/providers/azure.md (the built-in Network Contributor role has them)', cause: error, details });
  }
  const network = networkCode(e);
  if (network !== undefined) {
    const endpoint = endpointOrigin(e.request?.url ?? context.endpoint);
    return new DrainctlError('provider', `${context.what}: ${endpoint} did not answer (${network === 'EFETCH' ? 'no answer' : network})`, {
      retryable: 'unreachable',
      hint: 'check the network path to the endpoint (and --endpoint-url or DRAINCTL_ENDPOINT_URL if set), then run the command again: it is safe to repeat',
      cause: error,
      details: { ...details, endpoint, code: network },
    });
  }
  if ((status !== undefined && status >= 500) || (code !== undefined && NETWORK_CODES.has(code))) {
    return new DrainctlError('provider', `${context.what}: ${status !== undefined ? `HTTP ${status} ${code ?? ''}`.trim() : code}: ${firstLine(message)}`, { retryable: 'transient', cause: error, details });
  }
  if (status === undefined && code === undefined && context.operation) {
    return new DrainctlError('provider', `${context.what}: the Azure operation failed: ${firstLine(message)}`, { hint: 'the resource may show provisioningState Failed; check it in the portal or with az, then run drainctl again', cause: error, details });
  }
  return new DrainctlError('provider', `${context.what}: ${status !== undefined ? `HTTP ${status} ` : ''}${code ?? name}: ${firstLine(message)}`, { cause: error, details });
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** Runs one SDK call and maps its errors. */
export async function azureCall<T>(context: AzureCallContext, send: () => Promise<T>): Promise<T> {
  if (context.signal?.aborted) throw interruptedError(context.signal.reason);
  try {
    return await send();
  } catch (error) {
    throw toDrainctlError(error, context);
  }
}

/** True for a 409/412 that a fresh read and a second try may resolve. */
export function isConflict(error: unknown): error is DrainctlError {
  return error instanceof DrainctlError && error.details.conflict === true;
}
