/** A generic SQS consumer: the lifecycle hook gives it a handler; it does the SQS side. */
export { consumeQueue } from './consumer.js';
export { CONSUMER_DEFAULTS } from './settings.js';
export type { ConsumerEvent, ConsumerOptions, ConsumerSummary, MessageHandler, QueueMessage, Verdict } from './types.js';
