/**
 * Application gateway facts drainctl derives from the gateway document: which backend
 * settings a pool's traffic goes through (so which connection-draining timeouts apply), how
 * backend health reads for an address, and the TimeoutSetting that results. Pure: SDK types
 * only, no calls.
 */
import type {
  ApplicationGateway,
  ApplicationGatewayBackendAddress,
  ApplicationGatewayBackendAddressPool,
  ApplicationGatewayBackendHealth,
  ApplicationGatewayBackendHttpSettings,
  SubResource,
} from '@azure/arm-network';
import { notFoundError } from '../../core/errors.js';
import type { TimeoutSetting } from '../../core/provider.js';
import type { Health } from '../../core/state.js';

/** The lower-cased last segment of a sub-resource id. */
export function refName(ref: SubResource | undefined): string | undefined {
  return ref?.id?.split('/').pop()?.toLowerCase();
}

/** The address a backend address names (its IP address or FQDN), lower-cased. */
export function addressKey(address: ApplicationGatewayBackendAddress): string | undefined {
  return (address.ipAddress || address.fqdn || undefined)?.toLowerCase();
}

/** The named pool, or a not_found error listing the pools there are. */
export function findPool(gateway: ApplicationGateway, gatewayName: string, pool: string): ApplicationGatewayBackendAddressPool {
  const pools = gateway.backendAddressPools ?? [];
  const found = pools.find((p) => p.name?.toLowerCase() === pool.toLowerCase());
  if (found) return found;
  throw notFoundError(
    `application gateway ${gatewayName} has no backend pool ${pool} (pools: ${pools.map((p) => p.name).join(', ') || 'none'})`,
    `check the reference with: drainctl status azure-agw:<subscription>/<resource-group>/${gatewayName}/<pool>`,
  );
}

/** Every (pool, settings) pair request routing rules send traffic through, by lower-cased name. */
export function routedPairs(gateway: ApplicationGateway): { pool: string; settings: string }[] {
  const pairs: { pool: string; settings: string }[] = [];
  const add = (pool: SubResource | undefined, settings: SubResource | undefined) => {
    const p = refName(pool);
    const s = refName(settings);
    if (p && s) pairs.push({ pool: p, settings: s });
  };
  const maps = new Map((gateway.urlPathMaps ?? []).map((m) => [m.name?.toLowerCase(), m]));
  for (const rule of gateway.requestRoutingRules ?? []) {
    add(rule.backendAddressPool, rule.backendHttpSettings);
    const map = maps.get(refName(rule.urlPathMap));
    if (!map) continue;
    add(map.defaultBackendAddressPool, map.defaultBackendHttpSettings);
    for (const pathRule of map.pathRules ?? []) add(pathRule.backendAddressPool, pathRule.backendHttpSettings);
  }
  return pairs;
}

/** The backend HTTP settings through which the pool receives traffic, in the gateway's order. */
export function routedSettings(gateway: ApplicationGateway, pool: string): ApplicationGatewayBackendHttpSettings[] {
  const names = new Set(routedPairs(gateway).filter((p) => p.pool === pool.toLowerCase()).map((p) => p.settings));
  return (gateway.backendHttpSettingsCollection ?? []).filter((s) => names.has(s.name?.toLowerCase() ?? ''));
}

/** Other pools whose traffic also goes through these settings (a change to them reaches those pools too). */
export function poolsSharing(gateway: ApplicationGateway, pool: string, settings: readonly ApplicationGatewayBackendHttpSettings[]): string[] {
  const names = new Set(settings.map((s) => s.name?.toLowerCase()));
  const poolNames = new Map((gateway.backendAddressPools ?? []).map((p) => [p.name?.toLowerCase(), p.name ?? '']));
  const others = routedPairs(gateway).filter((p) => names.has(p.settings) && p.pool !== pool.toLowerCase()).map((p) => poolNames.get(p.pool) ?? p.pool);
  return [...new Set(others)];
}

function describeSettings(s: ApplicationGatewayBackendHttpSettings): string {
  const cd = s.connectionDraining;
  return `${s.name}=${cd?.enabled ? `${cd.drainTimeoutInSec}s` : 'disabled'}`;
}

/**
 * The pool's drain timeout: the largest connection-draining timeout among the settings its
 * rules use (an address drains through all of them), enabled only when every one has
 * draining on. A pool no rule routes to carries no traffic: it drains at once.
 */
export function timeoutSetting(gateway: ApplicationGateway, pool: string): TimeoutSetting {
  const settings = routedSettings(gateway, pool);
  if (settings.length === 0) return { seconds: 0, enabled: true, extra: { backendSettings: [], note: 'no request routing rule sends traffic to this pool' } };
  const enabled = settings.filter((s) => s.connectionDraining?.enabled === true);
  const timeouts = (list: ApplicationGatewayBackendHttpSettings[]) => list.map((s) => s.connectionDraining?.drainTimeoutInSec).filter((t): t is number => typeof t === 'number');
  const pick = timeouts(enabled.length > 0 ? enabled : settings);
  const extra: Record<string, unknown> = { backendSettings: settings.map(describeSettings) };
  const sharing = poolsSharing(gateway, pool, settings);
  if (sharing.length > 0) extra.sharedWithPools = sharing;
  return { seconds: pick.length > 0 ? Math.max(...pick) : undefined, enabled: enabled.length === settings.length, extra };
}

/** Backend health of one pool: address (lower-cased) → the health each of its settings reports. */
export function healthByAddress(health: ApplicationGatewayBackendHealth | undefined, pool: string): Map<string, string[]> {
  const byAddress = new Map<string, string[]>();
  for (const p of health?.backendAddressPools ?? []) {
    if (refName(p.backendAddressPool) !== pool.toLowerCase()) continue;
    for (const settings of p.backendHttpSettingsCollection ?? []) {
      for (const server of settings.servers ?? []) {
        if (!server.address) continue;
        const key = server.address.toLowerCase();
        byAddress.set(key, [...(byAddress.get(key) ?? []), server.health ?? 'Unknown']);
      }
    }
  }
  return byAddress;
}

/** drainctl's health from the per-settings reports: healthy only when every one says Up. */
export function gatewayHealth(reports: readonly string[] | undefined): Health {
  if (!reports || reports.length === 0) return 'unknown';
  if (reports.every((r) => r === 'Up')) return 'healthy';
  if (reports.some((r) => r === 'Down' || r === 'Partial')) return 'unhealthy';
  return 'unknown';
}
