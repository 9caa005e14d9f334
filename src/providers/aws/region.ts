import { usageError } from '../../core/errors.js';

/** Resolves the client's region now, so a missing region is a usage error before any call. */
export async function requireRegion(config: { region: () => Promise<string> }): Promise<string> {
  let region: string | undefined;
  try {
    region = await config.region();
  } catch {
    region = undefined;
  }
  if (!region) throw usageError('no AWS region configured', 'pass --region <region> or set AWS_REGION (or region in your AWS profile)');
  return region;
}
