import { usageError } from '../../core/errors.js';

/**
 * What an AWS region name looks like: a two-letter area, one or more words, a number
 * (us-east-1, us-gov-west-1, cn-north-1, eu-central-2, ap-southeast-4, us-isob-east-1).
 * A syntax check only: new regions keep working without a drainctl release.
 */
const AWS_REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/** True when `value` has the shape of an AWS region name. */
export function isAwsRegionName(value: string): boolean {
  return AWS_REGION.test(value);
}

/** Refuses a value that cannot be a region, naming where it came from (`--region`, `AWS_REGION`, the profile). */
export function checkRegionName(value: string, source: string): string {
  if (!isAwsRegionName(value)) {
    throw usageError(`invalid AWS region ${JSON.stringify(value)} (from ${source}): expected a region name like us-east-1`, `fix ${source}; e.g. --region us-east-1`);
  }
  return value;
}

/** The region drainctl itself passes to the SDK, and where it came from: --region, then AWS_REGION, then AWS_DEFAULT_REGION. */
export function configuredRegion(region: string | undefined, env: NodeJS.ProcessEnv, source = '--region'): { value: string; source: string } | undefined {
  if (region !== undefined) return { value: region, source };
  if (env.AWS_REGION) return { value: env.AWS_REGION, source: 'AWS_REGION' };
  // AWS_DEFAULT_REGION is the AWS CLI's variable; honouring it too means one setting serves both tools.
  if (env.AWS_DEFAULT_REGION) return { value: env.AWS_DEFAULT_REGION, source: 'AWS_DEFAULT_REGION' };
  return undefined;
}

/** Resolves the client's region now, so a missing or malformed region is a usage error before any call. */
export async function requireRegion(config: { region: () => Promise<string> }, source = 'the AWS profile'): Promise<string> {
  let region: string | undefined;
  try {
    region = await config.region();
  } catch {
    region = undefined;
  }
  if (!region) throw usageError('no AWS region configured', 'pass --region <region> or set AWS_REGION (or region in your AWS profile)');
  return checkRegionName(region, source);
}
