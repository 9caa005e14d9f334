import type { ProviderOptions } from '../options.js';
import { addDebugLogging } from './debug.js';
import { addPacing, pacerFor } from './pacer.js';
import { requireRegion } from './region.js';

/** Credentials used against a plain-http endpoint when none are configured: an emulator needs a signature, not a secret. */
const EMULATOR_CREDENTIALS = { accessKeyId: 'DRAINCTLEMULATOR', secretAccessKey: 'drainctl-emulator' };

/** The endpoint in force: --endpoint-url, then DRAINCTL_ENDPOINT_URL; AWS_ENDPOINT_URL is left to the SDK itself. */
export function endpointFor(options: ProviderOptions): string | undefined {
  const env = options.env ?? process.env;
  return options.endpointUrl ?? (env.DRAINCTL_ENDPOINT_URL || undefined);
}

function hasConfiguredCredentials(options: ProviderOptions): boolean {
  const env = options.env ?? process.env;
  return Boolean(options.profile || env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE);
}

/**
 * Configuration shared by drainctl's AWS clients: the standard credential chain and
 * region resolution, SDK retries (standard or adaptive), and an explicit endpoint
 * when one is given. Against a plain-http endpoint with no credentials configured,
 * fixed dummy credentials are used so no real secret is looked up or sent.
 */
export async function awsClientConfig(options: ProviderOptions): Promise<Record<string, unknown>> {
  const env = options.env ?? process.env;
  // drainctl pins its SDK versions; the SDK's notice about its own future Node support
  // would land in every operator's terminal and CI log without telling them anything actionable.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const endpoint = endpointFor(options) ?? env.AWS_ENDPOINT_URL ?? undefined;
  // The SDK's standard retries (3 attempts, full jitter, throttling-aware) unless the user chose otherwise,
  // through drainctl's options or the SDK's own AWS_RETRY_MODE / AWS_MAX_ATTEMPTS.
  const config: Record<string, unknown> = {};
  if (options.maxAttempts !== undefined || !env.AWS_MAX_ATTEMPTS) config.maxAttempts = options.maxAttempts ?? 3;
  if (options.retryMode !== undefined || !env.AWS_RETRY_MODE) config.retryMode = options.retryMode ?? 'standard';
  // AWS_DEFAULT_REGION is the AWS CLI's variable; honouring it too means one setting serves both tools.
  const region = options.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  if (region) config.region = region;
  if (endpointFor(options)) config.endpoint = endpointFor(options);
  if (endpoint?.startsWith('http://') && !hasConfiguredCredentials(options)) {
    config.credentials = EMULATOR_CREDENTIALS;
  } else {
    const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
    config.credentials = fromNodeProviderChain(options.profile ? { profile: options.profile } : {});
  }
  if (options.profile) config.profile = options.profile;
  return config;
}

/** The parts of an AWS SDK v3 client drainctl touches when creating one. */
interface AwsClientLike {
  readonly config: { region: () => Promise<string> };
  readonly middlewareStack: Parameters<typeof addDebugLogging>[0];
}

/** Creates an SDK client with drainctl's configuration, failing on a missing region before any call. */
export async function createAwsClient<C extends AwsClientLike>(Client: new (config: Record<string, unknown>) => C, options: ProviderOptions, service: string): Promise<C> {
  const client = new Client(await awsClientConfig(options));
  const region = await requireRegion(client.config);
  addPacing(client.middlewareStack, pacerFor(`${region} ${endpointFor(options) ?? ''}`));
  if (options.debug) addDebugLogging(client.middlewareStack, service, options.debug);
  return client;
}
