import { type DrainctlError, usageError } from '../../core/errors.js';
import { serviceRef, type ServiceUse } from './services.js';

/** What to tell a user who asks to set a drain timeout on a group rather than on a service. */
export function serviceTimeoutHint(refs: readonly string[]): string {
  if (refs.length === 0) return 'no backend service uses this group, so draining has nothing to wait for';
  return refs.map((r) => `drainctl timeout set ${r} <duration>`).join('; ');
}

/** The refusal to set a drain timeout on a group (`provider:group`), naming the services whose timeout it is. */
export function noTimeoutOfItsOwn(ref: string, services: readonly ServiceUse[]): DrainctlError {
  return usageError(`${ref} has no drain timeout of its own: it is each backend service's connectionDraining.drainingTimeoutSec (the largest applies)`, serviceTimeoutHint(services.map(serviceRef)));
}

/**
 * What a provider looks up about a group, once per run: callers at the same time share one
 * lookup, and a failed one is forgotten so that the next call tries again.
 */
export class GroupLookups<T> {
  private readonly pending = new Map<string, Promise<T>>();

  constructor(private readonly lookUp: (group: string, signal?: AbortSignal) => Promise<T>) {}

  get(group: string, signal?: AbortSignal): Promise<T> {
    let pending = this.pending.get(group);
    if (!pending) {
      pending = this.lookUp(group, signal);
      pending.catch(() => this.pending.delete(group));
      this.pending.set(group, pending);
    }
    return pending;
  }
}
