import type { DrainState, Health, RawState } from '../../core/state.js';

/**
 * Classic ELB InstanceState → drainctl state. While connection draining runs, Classic
 * reports the instance as InService with the description "Instance deregistration
 * currently in progress."; when it finishes (early, once in-flight work is done, or at
 * the timeout) the instance is OutOfService "not currently registered".
 */
export function mapInstanceState(raw: RawState): { state: DrainState; health: Health } {
  const description = raw.description ?? '';
  if (/deregistration currently in progress/i.test(description)) return { state: 'draining', health: 'unknown' };
  if (raw.state === 'InService') return { state: 'active', health: 'healthy' };
  if (raw.state === 'OutOfService') {
    if (/not currently registered/i.test(description)) return { state: 'absent', health: 'unknown' };
    if (/registration is still in progress/i.test(description)) return { state: 'active', health: 'initial' };
    return { state: 'active', health: 'unhealthy' };
  }
  if (raw.state === 'Unknown') return { state: 'active', health: 'unknown' };
  return { state: 'unknown', health: 'unknown' };
}
