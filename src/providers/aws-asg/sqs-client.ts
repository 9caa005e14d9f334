import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig } from '../aws/client-config.js';
import { addDebugLogging } from '../aws/debug.js';
import { requireRegion } from '../aws/region.js';
import type { ProviderOptions } from '../options.js';

/**
 * The SQS client of the lifecycle hook's consumer, with drainctl's shared AWS configuration.
 * Not paced by the ELB pacer (it sorts calls by ELB action names, and SQS has budgets of its
 * own); a long poll is one call per 20 s. A queue URL that is not on AWS (a local SQS such as
 * moto or ElasticMQ) names its own endpoint: --endpoint-url points at the load balancers' API,
 * which need not be the queue's.
 */
export async function createSqsClient(options: ProviderOptions, queueUrl: string): Promise<SQSClient> {
  const url = new URL(queueUrl);
  const onAws = /(^|\.)amazonaws\.com(\.cn)?$/.test(url.hostname);
  const client = new SQSClient(await awsClientConfig(onAws ? options : { ...options, endpointUrl: url.origin }));
  await requireRegion(client.config);
  if (options.debug) addDebugLogging(client.middlewareStack, 'sqs', options.debug);
  return client;
}
