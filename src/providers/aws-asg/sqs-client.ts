import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig } from '../aws/client-config.js';
import { addDebugLogging } from '../aws/debug.js';
import { requireRegion } from '../aws/region.js';
import type { ProviderOptions } from '../options.js';

/**
 * The SQS client of the lifecycle hook's consumer, with drainctl's shared AWS configuration.
 * Not paced by the ELB pacer (it sorts calls by ELB action names, and SQS has budgets of its
 * own); a long poll is one call per 20 s.
 */
export async function createSqsClient(options: ProviderOptions): Promise<SQSClient> {
  const client = new SQSClient(await awsClientConfig(options));
  await requireRegion(client.config);
  if (options.debug) addDebugLogging(client.middlewareStack, 'sqs', options.debug);
  return client;
}
