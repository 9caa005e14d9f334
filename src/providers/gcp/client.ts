import { usageError } from '../../core/errors.js';
import type { ProviderOptions } from '../options.js';
import { abortable, type CallContext, toDrainctlError } from './errors.js';

type ComputeModule = typeof import('@google-cloud/compute');
type ClientOptions = NonNullable<ConstructorParameters<ComputeModule['BackendServicesClient']>[0]>;

/** The OAuth scope drainctl asks Application Default Credentials for. */
export const COMPUTE_SCOPE = 'https://www.googleapis.com/auth/compute';

/** The endpoint in force: --endpoint-url, then DRAINCTL_ENDPOINT_URL. */
export function endpointFor(options: ProviderOptions): string | undefined {
  const env = options.env ?? process.env;
  return options.endpointUrl ?? (env.DRAINCTL_ENDPOINT_URL || undefined);
}

/**
 * Client options: Application Default Credentials with the compute scope, or, for a plain
 * http:// endpoint (an emulator), a PassThroughClient that never fetches or sends a token.
 * The Compute client needs host, port and protocol as separate options: a port inside
 * apiEndpoint is overridden by the default 443.
 */
async function clientOptions(options: ProviderOptions): Promise<ClientOptions> {
  const endpoint = endpointFor(options);
  const auth = await import('google-auth-library');
  if (endpoint === undefined) return { auth: new auth.GoogleAuth({ scopes: [COMPUTE_SCOPE] }) };
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw usageError(`invalid endpoint URL "${endpoint}"`, 'expected http://host:port or https://host[:port]');
  }
  if (url.protocol === 'http:') return { apiEndpoint: url.hostname, port: Number(url.port || 80), protocol: 'http', authClient: new auth.PassThroughClient() };
  if (url.protocol === 'https:') return { apiEndpoint: url.hostname, port: Number(url.port || 443), protocol: 'https', auth: new auth.GoogleAuth({ scopes: [COMPUTE_SCOPE] }) };
  throw usageError(`invalid endpoint URL "${endpoint}": only http:// and https:// are supported`);
}

/** One lazily created client per Compute API, and a wrapper that maps errors, honours the signal and logs. */
export class ComputeApi {
  private readonly made = new Map<string, { close(): Promise<void> }>();

  private constructor(
    private readonly compute: ComputeModule,
    private readonly options: ClientOptions,
    private readonly debug: ((line: string) => void) | undefined,
    readonly endpointText: string,
  ) {}

  /** Loads the SDK (only now, so `drainctl --version` stays fast) and prepares credentials. */
  static async create(options: ProviderOptions): Promise<ComputeApi> {
    const [compute, opts] = await Promise.all([import('@google-cloud/compute'), clientOptions(options)]);
    return new ComputeApi(compute, opts, options.debug, endpointFor(options) ?? 'https://compute.googleapis.com');
  }

  get backendServices() {
    return this.client('backendServices', () => new this.compute.BackendServicesClient(this.options));
  }
  get regionBackendServices() {
    return this.client('regionBackendServices', () => new this.compute.RegionBackendServicesClient(this.options));
  }
  get instanceGroups() {
    return this.client('instanceGroups', () => new this.compute.InstanceGroupsClient(this.options));
  }
  get instanceGroupManagers() {
    return this.client('instanceGroupManagers', () => new this.compute.InstanceGroupManagersClient(this.options));
  }
  get networkEndpointGroups() {
    return this.client('networkEndpointGroups', () => new this.compute.NetworkEndpointGroupsClient(this.options));
  }
  get globalOperations() {
    return this.client('globalOperations', () => new this.compute.GlobalOperationsClient(this.options));
  }
  get regionOperations() {
    return this.client('regionOperations', () => new this.compute.RegionOperationsClient(this.options));
  }
  get zoneOperations() {
    return this.client('zoneOperations', () => new this.compute.ZoneOperationsClient(this.options));
  }

  /**
   * Runs one API call: stops waiting when the signal fires, maps errors to DrainctlErrors and,
   * with --debug, logs the method and resource (never headers or tokens).
   */
  async call<T>(method: string, resource: string, context: CallContext, send: () => Promise<T>): Promise<T> {
    if (context.signal?.aborted) throw toDrainctlError(undefined, context);
    const started = Date.now();
    this.debug?.(`gcp ${method} ${resource} -> ${this.endpointText}`);
    try {
      const result = await abortable(send(), context.signal);
      this.debug?.(`gcp ${method} <- ok in ${Date.now() - started}ms`);
      return result;
    } catch (error) {
      const mapped = toDrainctlError(error, context);
      this.debug?.(`gcp ${method} <- ${String(mapped.details.httpStatus ?? mapped.kind)} in ${Date.now() - started}ms`);
      throw mapped;
    }
  }

  /** Closes every client created. */
  close(): void {
    for (const client of this.made.values()) client.close().catch(() => {});
    this.made.clear();
  }

  private client<T extends { close(): Promise<void> }>(key: string, make: () => T): T {
    let client = this.made.get(key) as T | undefined;
    if (!client) {
      client = make();
      this.made.set(key, client);
    }
    return client;
  }
}
