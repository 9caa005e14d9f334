import { usageError } from '../core/errors.js';
import { checkRegionName, configuredRegion } from '../providers/aws/region.js';
import type { GlobalOptions } from './context.js';

/**
 * Checks the global options that name where API calls go, once, before any provider is loaded
 * or called: a bad endpoint or region is invalid input (exit 2) naming the value, not a lookup
 * that fails later with "Invalid URL" or "no AWS region configured".
 */
export function validateGlobalOptions(options: GlobalOptions, env: NodeJS.ProcessEnv, fromFile: { readonly endpointUrl?: string; readonly region?: string } = {}): void {
  if (options.endpointUrl !== undefined) checkEndpointUrl(options.endpointUrl, fromFile.endpointUrl ? `endpoint-url in ${fromFile.endpointUrl}` : '--endpoint-url');
  // The SDK reads AWS_ENDPOINT_URL itself, and drainctl decides from it whether credentials are sent.
  if (env.AWS_ENDPOINT_URL) checkEndpointUrl(env.AWS_ENDPOINT_URL, 'AWS_ENDPOINT_URL');
  // Only the region in effect: a stale AWS_DEFAULT_REGION under a good --region is not in the way.
  const region = configuredRegion(options.region, env);
  if (region) checkRegionName(region.value, fromFile.region && options.region !== undefined ? `region in ${fromFile.region}` : region.source);
}

/** An endpoint is an http: or https: URL with a host; anything else (ftp:, file:, a bare word) is refused. */
export function checkEndpointUrl(value: string, source: string): URL {
  const example = 'e.g. --endpoint-url http://127.0.0.1:4566';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(`invalid ${source} ${JSON.stringify(value)}: not a URL`, example);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`invalid ${source} ${JSON.stringify(value)}: only http:// and https:// endpoints are supported, not ${url.protocol}//`, example);
  }
  if (url.hostname === '') throw usageError(`invalid ${source} ${JSON.stringify(value)}: the URL has no host`, example);
  return url;
}
