import { usageError } from '../../core/errors.js';
import type { ProviderOptions } from '../options.js';
import { abortable, type GcpCallContext, toDrainctlError } from './errors.js';
import { backendServices, instanceGroupManagers, instanceGroups, networkEndpointGroups, operations } from './resources.js';
import type { RestTarget } from './rest.js';

/** The OAuth scope drainctl asks Application Default Credentials for. */
export const COMPUTE_SCOPE = 'https://www.googleapis.com/auth/compute';
const DEFAULT_ORIGIN = 'https://compute.googleapis.com';

/** The endpoint in force: --endpoint-url, then DRAINCTL_ENDPOINT_URL. */
export function endpointFor(options: ProviderOptions): string | undefined {
  const env = options.env ?? process.env;
  return options.endpointUrl ?? (env.DRAINCTL_ENDPOINT_URL || undefined);
}

/**
 * Where requests go and how they are authorised: Application Default Credentials with the
 * compute scope (google-auth-library, loaded at the first request that needs a token), or, for a
 * plain http:// endpoint (an emulator), no token at all, never fetched and never sent.
 */
function restTarget(options: ProviderOptions): RestTarget {
  const endpoint = endpointFor(options);
  if (endpoint === undefined) return { origin: DEFAULT_ORIGIN, token: adcToken() };
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw usageError(`invalid endpoint URL "${endpoint}"`, 'expected http://host:port or https://host[:port]');
  }
  if (url.protocol === 'http:') return { origin: url.origin, token: undefined };
  if (url.protocol === 'https:') return { origin: url.origin, token: adcToken() };
  throw usageError(`invalid endpoint URL "${endpoint}": only http:// and https:// are supported`);
}

/** A token source over Application Default Credentials; the library caches and refreshes the token. */
function adcToken(): () => Promise<string | undefined> {
  let auth: Promise<{ getAccessToken(): Promise<string | null | undefined> }> | undefined;
  return async () => {
    auth ??= import('google-auth-library').then((m) => new m.GoogleAuth({ scopes: [COMPUTE_SCOPE] }));
    return (await (await auth).getAccessToken()) ?? undefined;
  };
}

/** The Compute Engine collections drainctl calls, and a wrapper that maps errors, honours the signal and logs. */
export class ComputeApi {
  readonly backendServices;
  readonly regionBackendServices;
  readonly instanceGroups;
  readonly instanceGroupManagers;
  readonly networkEndpointGroups;
  readonly operations;

  private constructor(
    target: RestTarget,
    private readonly debug: ((line: string) => void) | undefined,
    readonly endpointText: string,
  ) {
    this.backendServices = backendServices(target, false);
    this.regionBackendServices = backendServices(target, true);
    this.instanceGroups = instanceGroups(target);
    this.instanceGroupManagers = instanceGroupManagers(target);
    this.networkEndpointGroups = networkEndpointGroups(target);
    this.operations = operations(target);
  }

  /** Checks the endpoint; nothing is loaded or fetched until the first call. */
  static async create(options: ProviderOptions): Promise<ComputeApi> {
    return new ComputeApi(restTarget(options), options.debug, endpointFor(options) ?? DEFAULT_ORIGIN);
  }

  /**
   * Runs one API call: cancels the request when the signal fires, maps errors to DrainctlErrors
   * (naming the endpoint when it did not answer) and, with --debug, logs the method and resource
   * (never headers or tokens).
   */
  async call<T>(method: string, resource: string, context: GcpCallContext, send: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    if (context.signal?.aborted) throw toDrainctlError(undefined, context);
    const started = Date.now();
    this.debug?.(`gcp ${method} ${resource} -> ${this.endpointText}`);
    try {
      const result = await abortable(send(context.signal), context.signal);
      this.debug?.(`gcp ${method} <- ok in ${Date.now() - started}ms`);
      return result;
    } catch (error) {
      const mapped = toDrainctlError(error, { ...context, endpoint: this.endpointText });
      this.debug?.(`gcp ${method} <- ${String(mapped.details.httpStatus ?? mapped.kind)} in ${Date.now() - started}ms`);
      throw mapped;
    }
  }

  /** Nothing to close: fetch keeps no client open. Kept so providers can close what they use. */
  close(): void {}
}
