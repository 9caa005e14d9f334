/**
 * The @azure/arm-network client as drainctl configures it, loaded on first use.
 *
 * - https (Azure): DefaultAzureCredential (environment, workload identity, managed identity,
 *   Azure CLI, …) and the SDK's bearer-token policy.
 * - plain http (an emulator, via --endpoint-url or DRAINCTL_ENDPOINT_URL): no credential is
 *   constructed, the bearer-token policy is removed so no token is ever requested or sent,
 *   and insecure connections are allowed. Operations are polled every 50 ms unless the
 *   server's Retry-After says otherwise, since an emulator answers in milliseconds.
 *
 * The SDK's own retries are narrowed to 5xx/408 and network errors, two tries at most, so a
 * blip inside a long-running operation's polling does not abandon it; throttling (429) is
 * not retried by the SDK and reaches drainctl's retry loop, which reports each retry.
 */
import type { NetworkManagementClient } from '@azure/arm-network';
import { DrainctlError, usageError } from '../../core/errors.js';
import type { ProviderOptions } from '../options.js';
import { type ConflictPolicy, DEFAULT_CONFLICT_POLICY } from './rmw.js';

type Credential = ConstructorParameters<typeof NetworkManagementClient>[0];

/** Settings tests and benchmarks may change; drainctl itself uses the defaults. */
export interface AzureProviderTuning {
  readonly conflict?: Partial<ConflictPolicy>;
  /** Overrides the long-running-operation poll interval. */
  readonly pollIntervalMs?: number;
}

/** The header that carries an etag to the If-Match policy (see `ifMatch`). */
const IF_MATCH_CARRIER = 'x-drainctl-if-match';

/** Operation options that send `If-Match: <etag>` on the PUT and on no other request of the operation. */
export function ifMatch(etag: string): { requestOptions: { customHeaders: Record<string, string> } } {
  return { requestOptions: { customHeaders: { [IF_MATCH_CARRIER]: etag } } };
}

/** How drainctl talks to Azure for one run. */
export interface AzureConnection {
  /** A client for one subscription (created once). */
  client(subscription: string): NetworkManagementClient;
  /** Poll interval for long-running operations; undefined: the SDK's default (2 s) unless Retry-After says otherwise. */
  readonly pollIntervalMs: number | undefined;
  /** True over plain http (an emulator). */
  readonly insecure: boolean;
}

/** What both Azure providers start from: the connection, the debug sink, and the tuning applied to the defaults. */
export abstract class AzureProviderBase {
  protected readonly conflict: ConflictPolicy;
  protected readonly pollIntervalMs: number | undefined;

  constructor(
    protected readonly azure: AzureConnection,
    protected readonly debug: ((line: string) => void) | undefined,
    tuning: AzureProviderTuning = {},
  ) {
    this.conflict = { ...DEFAULT_CONFLICT_POLICY, ...tuning.conflict };
    this.pollIntervalMs = tuning.pollIntervalMs ?? azure.pollIntervalMs;
  }

  /** A health report the resource cannot give now (HTTP 400, e.g. a stopped gateway) is none: undefined, and a debug line. */
  protected async optionalReport<T>(read: () => Promise<T>, unavailable: (error: DrainctlError) => string): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof DrainctlError && error.details.httpStatus === 400) {
        this.debug?.(unavailable(error));
        return undefined;
      }
      throw error;
    }
  }
}

/** --endpoint-url, then DRAINCTL_ENDPOINT_URL; checked here so a typo is a usage error, not a network one. */
export function endpointOf(options: ProviderOptions): URL | undefined {
  const env = options.env ?? process.env;
  const text = options.endpointUrl ?? (env.DRAINCTL_ENDPOINT_URL || undefined);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`invalid endpoint URL "${text}"`, 'expected http(s)://host[:port], e.g. http://127.0.0.1:8086');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`invalid endpoint URL "${text}": only http and https are supported`);
  return url;
}

/** Loads the SDK and builds the connection; nothing is sent yet. */
export async function connectToAzure(options: ProviderOptions): Promise<AzureConnection> {
  const endpoint = endpointOf(options);
  const insecure = endpoint?.protocol === 'http:';
  const [{ NetworkManagementClient }, pipeline] = await Promise.all([import('@azure/arm-network'), import('@azure/core-rest-pipeline')]);
  let credential: Credential;
  if (insecure) {
    // Never called: the bearer policy that would ask for a token is removed below.
    credential = { getToken: async () => { throw new Error('drainctl requests no Azure token over plain http'); } };
  } else {
    const { DefaultAzureCredential } = await import('@azure/identity');
    credential = new DefaultAzureCredential();
  }
  const retry = insecure ? { maxRetries: 2, retryDelayInMs: 20, maxRetryDelayInMs: 100 } : { maxRetries: 2, retryDelayInMs: 500, maxRetryDelayInMs: 4000 };
  const clients = new Map<string, NetworkManagementClient>();
  const debug = options.debug;

  const create = (subscription: string): NetworkManagementClient => {
    const client = new NetworkManagementClient(credential, subscription, {
      ...(endpoint && { endpoint: endpoint.origin + endpoint.pathname.replace(/\/$/, '') }),
      ...(insecure && { allowInsecureConnection: true }),
      userAgentOptions: { userAgentPrefix: 'drainctl' },
    });
    if (insecure) client.pipeline.removePolicy({ name: pipeline.bearerTokenAuthenticationPolicyName });
    client.pipeline.removePolicy({ name: 'defaultRetryPolicy' });
    client.pipeline.addPolicy(pipeline.exponentialRetryPolicy(retry), { phase: 'Retry' });
    client.pipeline.addPolicy(pipeline.systemErrorRetryPolicy(retry), { phase: 'Retry' });
    client.pipeline.addPolicy({
      name: 'drainctlIfMatch',
      sendRequest(request, next) {
        const etag = request.headers.get(IF_MATCH_CARRIER);
        if (etag !== undefined) {
          request.headers.delete(IF_MATCH_CARRIER);
          // The SDK repeats an operation's headers on every poll; the condition belongs to the write only.
          if (request.method === 'PUT') request.headers.set('If-Match', etag);
        }
        return next(request);
      },
    });
    if (debug) {
      client.pipeline.addPolicy(
        {
          name: 'drainctlDebug',
          async sendRequest(request, next) {
            // Method, path and status only: never headers (Authorization carries the token) or bodies.
            const path = new URL(request.url).pathname;
            const started = Date.now();
            debug(`azure ${request.method} ${path} ->`);
            try {
              const response = await next(request);
              debug(`azure ${request.method} ${path} <- ${response.status} in ${Date.now() - started}ms request-id=${response.headers.get('x-ms-request-id') ?? '-'}`);
              return response;
            } catch (error) {
              const e = error as { statusCode?: number; code?: string };
              debug(`azure ${request.method} ${path} <- ${e.statusCode ?? e.code ?? 'error'} in ${Date.now() - started}ms`);
              throw error;
            }
          },
        },
        { afterPhase: 'Retry' },
      );
    }
    return client;
  };

  return {
    client(subscription) {
      let client = clients.get(subscription);
      if (!client) {
        client = create(subscription);
        clients.set(subscription, client);
      }
      return client;
    },
    pollIntervalMs: insecure ? 50 : undefined,
    insecure,
  };
}
