import { formatRef, type TargetRef } from '../refs.js';
import type { Registration, TrafficSource } from './ports.js';

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

export function routesToInstance(instanceId: string, sources: readonly TrafficSource[], registrations: readonly Registration[], configured: readonly TargetRef[]): RoutesToInstance {
  const attachedArns = new Set(sources.filter((s) => s.kind === 'elbv2').map((s) => s.targetGroupArn));
  const attached: TargetRef[] = sources.map((s) =>
    s.kind === 'elbv2' ? { kind: 'target', provider: 'elbv2', group: s.targetGroupArn, target: instanceId } : { kind: 'target', provider: 'elb', group: s.loadBalancerName, target: instanceId },
  );
  const found: TargetRef[] = registrations
    .filter((r) => !attachedArns.has(r.targetGroupArn))
    .map((r) => ({ kind: 'target', provider: 'elbv2', group: r.targetGroupArn, target: r.port === undefined ? targetId(r.targetId) : `${targetId(r.targetId)}:${r.port}` }));
  return { attached, found: uniqueRoutes(found), configured: uniqueRoutes(configured) };
}

/** All of them, each once. */
export function allRoutes(routes: RoutesToInstance): TargetRef[] {
  return uniqueRoutes([...routes.attached, ...routes.found, ...routes.configured]);
}

function targetId(id: string): string {
  return id.includes(':') ? `[${id}]` : id; // an IPv6 address is written in brackets before a port
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
