import type { Capabilities, TimeoutLimits } from '../../core/provider.js';

/**
 * GCP shows no drain progress for instance groups or backends: a removed member simply
 * disappears, so drain() returns once the operation is DONE and the core counts the draining
 * timeout down from there.
 */
export const GCP_CAPABILITIES: Capabilities = { completion: 'countdown', completesEarly: false, forceClose: false, reportsInFlight: false };

/** connectionDraining.drainingTimeoutSec: 0-3600, 0 = draining off; an unset field behaves as 0. */
export const GCP_TIMEOUT_LIMITS: TimeoutLimits = { minSeconds: 0, maxSeconds: 3600, defaultSeconds: 0 };

/** What to tell a user who asks to set a drain timeout on a group rather than on a service. */
export function serviceTimeoutHint(refs: readonly string[]): string {
  if (refs.length === 0) return 'no backend service uses this group, so draining has nothing to wait for';
  return refs.map((r) => `drainctl timeout set ${r} <duration>`).join('; ');
}
