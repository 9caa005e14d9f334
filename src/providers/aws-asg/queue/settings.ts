import { usageError } from '../../../core/errors.js';
import type { ConsumerOptions } from './types.js';

/** The consumer's defaults, in one place so docs and code cannot disagree. */
export const CONSUMER_DEFAULTS = { concurrency: 10, visibilityTimeoutSeconds: 60, waitTimeSeconds: 20 } as const;

/** SQS's own limits: ReceiveMessage takes at most 10 messages; visibility is at most 12 h; long polls at most 20 s. */
const LIMITS = {
  concurrency: [1, 100],
  visibilityTimeoutSeconds: [1, 43_200],
  waitTimeSeconds: [1, 20],
} as const;

export interface ConsumerSettings {
  readonly concurrency: number;
  readonly visibilityTimeoutSeconds: number;
  readonly waitTimeSeconds: number;
}

/** The options with defaults filled in; refuses values outside SQS's limits (a 0 s wait would spin). */
export function consumerSettings(options: ConsumerOptions): ConsumerSettings {
  const settings = { ...CONSUMER_DEFAULTS };
  for (const key of Object.keys(LIMITS) as (keyof typeof LIMITS)[]) {
    const value = options[key] ?? CONSUMER_DEFAULTS[key];
    const [min, max] = LIMITS[key];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw usageError(`queue consumer: ${key} must be a whole number from ${min} to ${max} (got ${String(value)})`);
    }
    (settings as Record<string, number>)[key] = value;
  }
  return settings;
}
