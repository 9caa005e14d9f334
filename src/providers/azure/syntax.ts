import { usageError } from '../../core/errors.js';
import type { RefDefaults, RefSyntax } from '../../core/refs.js';

/**
 * Azure references name a backend pool by its resource path:
 *
 *   azure-agw:<subscription>/<resource-group>/<application-gateway>/<backend-pool>/<address>
 *   azure-lb:<subscription>/<resource-group>/<load-balancer>/<backend-pool>/<address-name>
 *
 * The subscription may be left out when a default is set (--subscription or
 * AZURE_SUBSCRIPTION_ID). A first segment that is a GUID is always the subscription, so a
 * resource group whose name is a GUID needs the subscription written out. The canonical
 * form always includes the subscription (lower-cased).
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Resource group names: letters, digits, underscores, parentheses, hyphens and periods, 1-90, not ending in a period. */
const RESOURCE_GROUP = /^[\p{L}\p{N}_().-]{1,90}$/u;
/** Network resource and child names: 1-80, start with a letter or digit, end with a letter, digit or underscore. */
const RESOURCE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** A backend pool of a gateway or load balancer, as its parts. */
export interface PoolPath {
  readonly subscription: string;
  readonly resourceGroup: string;
  /** The application gateway or load balancer. */
  readonly parent: string;
  readonly pool: string;
}

interface Kind {
  readonly provider: 'azure-agw' | 'azure-lb';
  readonly parentNoun: string;
}

export function isSubscriptionId(text: string): boolean {
  return GUID.test(text);
}

/** True when a reference body names a pool alone (4 segments with a subscription, 3 without). */
function isPoolBody(body: string): boolean {
  const segments = body.split('/');
  return isSubscriptionId(segments[0] ?? '') ? segments.length === 4 : segments.length === 3;
}

function parsePoolPath(kind: Kind, group: string, defaults: RefDefaults): PoolPath {
  const example = `${kind.provider}:00000000-0000-0000-0000-000000000001/my-rg/my-${kind.provider === 'azure-agw' ? 'agw' : 'lb'}/web-pool`;
  const segments = group.split('/');
  const hasSubscription = isSubscriptionId(segments[0] ?? '');
  const expected = hasSubscription ? 4 : 3;
  if (!hasSubscription && segments.length === 4) {
    throw usageError(`"${segments[0]}" is not a subscription ID (a GUID)`, `example: ${example}`);
  }
  if (segments.length !== expected) {
    throw usageError(
      `"${group}" is not a backend pool: expected [<subscription>/]<resource-group>/<${kind.parentNoun}>/<backend-pool>`,
      `example: ${example}`,
    );
  }
  const [resourceGroup, parent, pool] = hasSubscription ? segments.slice(1) : segments;
  let subscription = hasSubscription ? segments[0]! : defaults.subscription;
  if (subscription === undefined || subscription === '') {
    throw usageError(
      `the Azure subscription is missing from "${group}"`,
      `write it first (${example}), pass --subscription <id>, or set AZURE_SUBSCRIPTION_ID`,
    );
  }
  if (!isSubscriptionId(subscription)) {
    throw usageError(`the default subscription "${subscription}" is not a subscription ID (a GUID)`, 'check --subscription or AZURE_SUBSCRIPTION_ID');
  }
  subscription = subscription.toLowerCase();
  if (!RESOURCE_GROUP.test(resourceGroup!) || resourceGroup!.endsWith('.')) {
    throw usageError(`"${resourceGroup}" is not a resource group name (1-90 letters, digits, _ ( ) - and ., not ending in .)`, `example: ${example}`);
  }
  for (const [value, noun] of [[parent!, kind.parentNoun], [pool!, 'backend pool']] as const) {
    if (!RESOURCE_NAME.test(value)) throw usageError(`"${value}" is not a valid ${noun} name (1-80 letters, digits, _ . and -, starting with a letter or digit)`, `example: ${example}`);
  }
  return { subscription, resourceGroup: resourceGroup!, parent: parent!, pool: pool! };
}

/** The canonical group text of a pool. */
export function formatPoolPath(p: PoolPath): string {
  return `${p.subscription}/${p.resourceGroup}/${p.parent}/${p.pool}`;
}

/** Parses canonical group text (as stored in a GroupRef) back to its parts. */
export function poolPathOf(group: string): PoolPath {
  const [subscription, resourceGroup, parent, pool] = group.split('/');
  return { subscription: subscription!, resourceGroup: resourceGroup!, parent: parent!, pool: pool! };
}

/** Parses an application gateway backend address: an IPv4 or IPv6 address, or an FQDN. Returns it lower-cased. */
export function parseBackendAddress(text: string): { kind: 'ip' | 'fqdn'; value: string } {
  if (IPV4.test(text)) return { kind: 'ip', value: text };
  if (text.includes(':') && IPV6.test(text)) return { kind: 'ip', value: text.toLowerCase() };
  const labels = text.split('.');
  if (labels.length >= 2 && text.length <= 253 && labels.every((l) => HOST_LABEL.test(l)) && !/^[\d.]+$/.test(text)) return { kind: 'fqdn', value: text.toLowerCase() };
  throw usageError(`"${text}" is not a backend address: expected an IP address or a fully qualified domain name`, 'examples: 10.0.1.4, app1.internal.example.com');
}

const AGW: Kind = { provider: 'azure-agw', parentNoun: 'application-gateway' };
const LB: Kind = { provider: 'azure-lb', parentNoun: 'load-balancer' };

export const agwSyntax: RefSyntax = {
  provider: 'azure-agw',
  groupNoun: 'application gateway backend pool',
  targetNoun: 'backend address',
  groupExample: 'azure-agw:00000000-0000-0000-0000-000000000001/my-rg/my-agw/web-pool',
  targetExample: 'azure-agw:00000000-0000-0000-0000-000000000001/my-rg/my-agw/web-pool/10.0.1.4',
  parseGroup: (group, defaults) => formatPoolPath(parsePoolPath(AGW, group, defaults)),
  parseTarget: (target) => parseBackendAddress(target).value,
  isWholeGroup: isPoolBody,
  covers: (written, concrete) => written.toLowerCase() === concrete.toLowerCase(),
};

export const lbSyntax: RefSyntax = {
  provider: 'azure-lb',
  groupNoun: 'load balancer backend pool',
  targetNoun: 'backend address name',
  groupExample: 'azure-lb:00000000-0000-0000-0000-000000000001/my-rg/my-lb/web-pool',
  targetExample: 'azure-lb:00000000-0000-0000-0000-000000000001/my-rg/my-lb/web-pool/web-1',
  parseGroup: (group, defaults) => formatPoolPath(parsePoolPath(LB, group, defaults)),
  parseTarget(target) {
    if (!RESOURCE_NAME.test(target)) throw usageError(`"${target}" is not a backend address name (1-80 letters, digits, _ . and -)`, 'name the address as the pool lists it, e.g. web-1');
    return target;
  },
  isWholeGroup: isPoolBody,
  covers: (written, concrete) => written.toLowerCase() === concrete.toLowerCase(),
};
