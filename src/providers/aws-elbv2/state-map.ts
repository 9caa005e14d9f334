import type { DrainState, Health, RawState } from '../../core/state.js';

/**
 * ELBv2 TargetHealth → drainctl state. `unused` means different things by reason:
 * Target.NotRegistered is the end of a deregistration; the others are registered
 * targets that the load balancer is not using (stopped instance, group not attached).
 */
export function mapTargetHealth(raw: RawState): { state: DrainState; health: Health } {
  switch (raw.state) {
    case 'healthy':
      return { state: 'active', health: 'healthy' };
    case 'initial':
      return { state: 'active', health: 'initial' };
    case 'unhealthy':
      return { state: 'active', health: 'unhealthy' };
    case 'unavailable':
      return { state: 'active', health: 'unknown' };
    case 'draining':
    case 'unhealthy.draining':
      return { state: 'draining', health: 'unknown' };
    case 'unused':
      return raw.reason === 'Target.NotRegistered' ? { state: 'absent', health: 'unknown' } : { state: 'active', health: 'unhealthy' };
    default:
      return { state: 'unknown', health: 'unknown' };
  }
}
