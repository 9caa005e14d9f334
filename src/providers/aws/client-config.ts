import type { ProviderOptions } from '../options.js';
import { addDebugLogging } from './debug.js';
import { addPacing, pacerFor } from './pacer.js';
import { checkProfileExists } from './profiles.js';
import { checkRegionName, configuredRegion, requireRegion } from './region.js';

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

/** The SDK's logger interface, as far as drainctl fills it. */
interface SdkLogger {
  debug(...content: unknown[]): void;
  info(...content: unknown[]): void;
  warn(...content: unknown[]): void;
  error(...content: unknown[]): void;
  trace(...content: unknown[]): void;
}

/**
 * A logger for the SDK that keeps its warnings (such as the 8-line "multiple credential sources"
 * notice) off the user's screen: one debug line each with --debug, nothing otherwise. Everything
 * else is dropped even with --debug: the SDK logs request inputs and outputs at info and error,
 * and drainctl reports failed calls itself.
 */
export function sdkLogger(debug: ((line: string) => void) | undefined): SdkLogger {
  const warn = (...content: unknown[]): void => {
    const text = content.filter((c) => typeof c === 'string').join(' ').replace(/\s+/g, ' ').trim();
    if (text) debug?.(`aws sdk warning: ${text}`);
  };
  const drop = (): void => {};
  return { debug: drop, info: drop, trace: drop, warn, error: drop };
}

type CredentialIdentity = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** The SDK's default chain, handing every value it resolves to `registerSecret` before the SDK signs with it. */
async function credentialChain(options: ProviderOptions, logger: SdkLogger): Promise<(args?: unknown) => Promise<CredentialIdentity>> {
  const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
  const chain = fromNodeProviderChain({ ...(options.profile ? { profile: options.profile } : {}), logger });
  return async (args) => {
    const identity = await chain(args as Parameters<typeof chain>[0]);
    for (const value of [identity.accessKeyId, identity.secretAccessKey, identity.sessionToken]) {
      if (value) options.registerSecret?.(value);
    }
    return identity;
  };
}

/**
 * Configuration shared by drainctl's AWS clients: the standard credential chain and
 * region resolution, SDK retries (standard or adaptive), and an explicit endpoint
 * when one is given. Against a plain-http endpoint with no credentials configured,
 * fixed dummy credentials are used so no real secret is looked up or sent.
 * A malformed region or a profile that does not exist is refused here, before any call.
 */
export async function awsClientConfig(options: ProviderOptions): Promise<Record<string, unknown>> {
  const env = options.env ?? process.env;
  // drainctl pins its SDK versions; the SDK's notice about its own future Node support
  // would land in every operator's terminal and CI log without telling them anything actionable.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const endpoint = endpointFor(options) ?? env.AWS_ENDPOINT_URL ?? undefined;
  const logger = sdkLogger(options.debug);
  // The SDK's standard retries (3 attempts, full jitter, throttling-aware) unless the user chose otherwise,
  // through drainctl's options or the SDK's own AWS_RETRY_MODE / AWS_MAX_ATTEMPTS.
  const config: Record<string, unknown> = { logger };
  if (options.maxAttempts !== undefined || !env.AWS_MAX_ATTEMPTS) config.maxAttempts = options.maxAttempts ?? 3;
  if (options.retryMode !== undefined || !env.AWS_RETRY_MODE) config.retryMode = options.retryMode ?? 'standard';
  const region = configuredRegion(options.region, env, options.regionSource);
  if (region) config.region = checkRegionName(region.value, region.source);
  if (endpointFor(options)) config.endpoint = endpointFor(options);
  if (endpoint?.startsWith('http://') && !hasConfiguredCredentials(options)) {
    config.credentials = EMULATOR_CREDENTIALS;
  } else {
    const profile = options.profile ?? (env.AWS_PROFILE || undefined);
    if (profile !== undefined) checkProfileExists(profile, options.profile !== undefined ? '--profile' : 'AWS_PROFILE', env);
    config.credentials = await credentialChain(options, logger);
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
