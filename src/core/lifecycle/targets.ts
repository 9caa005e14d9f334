import { formatRef, type TargetRef } from '../refs.js';

/**
 * Everything that routes to one instance, as drainctl references: the load balancers attached to
 * its group (Auto Scaling already deregistered it there; drainctl follows those drains to their
 * end), the target groups nobody told the group about (found by the scan), and the groups the
 * configuration names for it (HAProxy, NGINX, anything else). Each target once.
 */
export interface RoutesToInstance {
  /** From the group's traffic sources. */
  readonly attached: readonly TargetRef[];
  /** From the scan of the region's target groups, less those attached. */
  readonly found: readonly TargetRef[];
  /** From the configuration's hook targets. */
  readonly configured: readonly TargetRef[];
}

export function routesToInstance(attached: readonly TargetRef[], found: readonly TargetRef[], configured: readonly TargetRef[]): RoutesToInstance {
  // A group found by the scan that is also attached is followed as attached (Auto Scaling drains it).
  const attachedGroups = new Set(attached.map((r) => `${r.provider}:${r.group}`));
  return { attached: uniqueRoutes(attached), found: uniqueRoutes(found.filter((r) => !attachedGroups.has(`${r.provider}:${r.group}`))), configured: uniqueRoutes(configured) };
}

/** All of them, each once. */
export function allRoutes(routes: RoutesToInstance): TargetRef[] {
  return uniqueRoutes([...routes.attached, ...routes.found, ...routes.configured]);
}


/** Each target once, first mention first. */
export function uniqueRoutes(refs: readonly TargetRef[]): TargetRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const key = formatRef(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Fills `{id}` and `{ip}` in a configured target template for one instance. `{ip}` needs an
 * address: without one the template cannot name the instance, which is an error, not a guess.
 */
export function fillTemplate(template: string, instanceId: string, addresses: readonly string[]): string {
  if (template.includes('{ip}') && addresses.length === 0) {
    throw new Error(`"${template}" needs the instance's private IP ({ip}), and none could be read for ${instanceId}`);
  }
  return template.replaceAll('{id}', instanceId).replaceAll('{ip}', addresses[0] ?? '');
}
