import type { ApplicationGateway, ApplicationGatewayBackendAddress, ApplicationGatewayBackendHealth } from '@azure/arm-network';
import { throwIfAborted, usageError } from '../../core/errors.js';
import type { DrainProvider, GroupSnapshot, RestoreRequest, TimeoutSetting } from '../../core/provider.js';
import type { CallContext } from '../../core/call.js';
import { azureAgwDescriptor } from './descriptors.js';
import type { GroupRef, TargetRef } from '../../core/refs.js';
import type { Registration, TargetStatus } from '../../core/state.js';
import type { ProviderOptions } from '../options.js';
import { addressKey, findPool, gatewayHealth, healthByAddress, routedSettings, timeoutSetting } from './agw-model.js';
import { type Job, KeyedBatcher } from './batch.js';
import { AzureProviderBase, type AzureProviderTuning, connectToAzure, ifMatch } from './client.js';
import { azureCall } from './errors.js';
import { type Change, readModifyWriteBatch } from './rmw.js';
import { parseBackendAddress, poolPathOf, type PoolPath } from './syntax.js';

type GatewayChange = Change<ApplicationGateway>;

interface GatewayName {
  readonly subscription: string;
  readonly resourceGroup: string;
  readonly gateway: string;
}

/**
 * Application Gateway backend pools. Draining = removing the address from the pool (the
 * gateway then drains it for the connection-draining timeout of the backend settings the
 * pool is routed through); restore = adding the very same address back. The gateway is one
 * resource: every change is a read-modify-write of the whole gateway with If-Match, and all
 * changes to one gateway that arrive together (several pools in one command) share one PUT.
 */
export class AzureAgwProvider extends AzureProviderBase implements DrainProvider {
  readonly descriptor = azureAgwDescriptor;
  private readonly writes = new KeyedBatcher<{ name: GatewayName; change: GatewayChange }, ApplicationGateway>((_key, jobs) => this.writeGateway(jobs));

  /** Loads the SDK and builds the provider; no call is made yet. */
  static async create(options: ProviderOptions, tuning?: AzureProviderTuning): Promise<AzureAgwProvider> {
    return new AzureAgwProvider(await connectToAzure(options), options.debug, tuning);
  }

  async describe(group: GroupRef, targets: readonly TargetRef[] | 'all', ctx: CallContext): Promise<GroupSnapshot> {
    const { signal } = ctx;
    throwIfAborted(signal);
    const path = poolPathOf(group.group);
    const name = gatewayNameOf(path);
    const [gateway, health] = await Promise.all([this.readGateway(name, signal), this.readHealth(name, signal)]);
    const pool = findPool(gateway, name.gateway, path.pool);
    const reports = healthByAddress(health, path.pool);
    const registered = (pool.backendAddresses ?? []).flatMap((a) => {
      const key = addressKey(a);
      return key ? [memberStatus(group, key, a, reports.get(key), path.pool)] : [];
    });
    const members = new Set(registered.map((s) => s.ref.target));
    const providerId = pool.id ?? `${gateway.id}/backendAddressPools/${path.pool}`;
    if (targets === 'all') {
      const draining = [...reports.entries()].filter(([key, r]) => !members.has(key) && r.includes('Draining')).map(([key]) => removedStatus(group, key, true, path.pool));
      return { group, providerId, targets: [...registered, ...draining], registered };
    }
    const named = targets.map((ref) => {
      const key = ref.target.toLowerCase();
      return registered.find((s) => s.ref.target === key) ?? removedStatus(group, key, reports.get(key)?.includes('Draining') ?? false, path.pool, ref);
    });
    return { group, providerId, targets: named, registered };
  }

  async drain(group: GroupRef, targets: readonly TargetStatus[], ctx: CallContext): Promise<void> {
    const path = poolPathOf(group.group);
    const remove = new Set(targets.map((t) => t.ref.target.toLowerCase()));
    await this.change(path, ctx, (gateway) => {
      const pool = findPool(gateway, path.parent, path.pool);
      const before = pool.backendAddresses ?? [];
      const after = before.filter((a) => !remove.has(addressKey(a) ?? ''));
      if (after.length === before.length) return false;
      pool.backendAddresses = after;
      return true;
    });
  }

  async restore(group: GroupRef, targets: readonly RestoreRequest[], ctx: CallContext): Promise<void> {
    const path = poolPathOf(group.group);
    const addresses = targets.map((t) => backendAddressOf(t));
    await this.change(path, ctx, (gateway) => {
      const pool = findPool(gateway, path.parent, path.pool);
      const present = new Set((pool.backendAddresses ?? []).map((a) => addressKey(a)));
      const missing = addresses.filter((a) => !present.has(addressKey(a)));
      if (missing.length === 0) return false;
      pool.backendAddresses = [...(pool.backendAddresses ?? []), ...missing];
      return true;
    });
  }

  async getTimeout(group: GroupRef, ctx: CallContext): Promise<TimeoutSetting> {
    const { signal } = ctx;
    throwIfAborted(signal);
    const path = poolPathOf(group.group);
    const gateway = await this.readGateway(gatewayNameOf(path), signal);
    findPool(gateway, path.parent, path.pool);
    return timeoutSetting(gateway, path.pool);
  }

  /** Sets connection draining (enabled, `seconds`) on every backend setting the pool's rules use. */
  async setTimeout(group: GroupRef, seconds: number, ctx: CallContext): Promise<TimeoutSetting> {
    const path = poolPathOf(group.group);
    const changed: string[] = [];
    const gateway = await this.change(path, ctx, (gw) => {
      findPool(gw, path.parent, path.pool);
      const settings = routedSettings(gw, path.pool);
      if (settings.length === 0) {
        throw usageError(`no request routing rule of application gateway ${path.parent} sends traffic to pool ${path.pool}, so no backend setting's drain timeout applies to it`, 'route the pool through a rule first');
      }
      changed.length = 0;
      for (const s of settings) {
        if (s.connectionDraining?.enabled === true && s.connectionDraining.drainTimeoutInSec === seconds) continue;
        s.connectionDraining = { enabled: true, drainTimeoutInSec: seconds };
        changed.push(s.name ?? '?');
      }
      return changed.length > 0;
    });
    const setting = timeoutSetting(gateway, path.pool);
    return { ...setting, extra: { ...setting.extra, changed: [...changed] } };
  }

  /** Queues a change to the pool's gateway; changes queued together are written in one PUT. */
  private change(path: PoolPath, ctx: CallContext, change: GatewayChange): Promise<ApplicationGateway> {
    throwIfAborted(ctx.signal);
    const name = gatewayNameOf(path);
    const key = `${name.subscription}/${name.resourceGroup}/${name.gateway}`.toLowerCase();
    return this.writes.submit(key, { name, change }, ctx);
  }

  /** One read-modify-write for every change in the batch; a change that fails (an unknown pool) fails alone. */
  private writeGateway(jobs: Job<{ name: GatewayName; change: GatewayChange }, ApplicationGateway>[]): Promise<void> {
    const name = jobs[0]!.input.name;
    return readModifyWriteBatch(jobs, {
      what: `update application gateway ${name.gateway}`,
      policy: this.conflict,
      read: (signal) => this.readGateway(name, signal),
      write: (gateway, etag, signal) => this.putGateway(name, gateway, etag, signal),
      onConflict: (error, delayMs, attempt) => this.debug?.(`azure-agw: ${error.message}; reading ${name.gateway} again in ${Math.round(delayMs)}ms (try ${attempt + 1})`),
    });
  }

  private readGateway(name: GatewayName, signal?: AbortSignal): Promise<ApplicationGateway> {
    return azureCall({ what: `read application gateway ${name.gateway}`, signal, ...notFound(name) }, () =>
      this.azure.client(name.subscription).applicationGateways.get(name.resourceGroup, name.gateway, { abortSignal: signal }),
    );
  }

  /** Backend health; none (health unknown) when the gateway cannot report it, e.g. while stopped (HTTP 400). */
  private readHealth(name: GatewayName, signal?: AbortSignal): Promise<ApplicationGatewayBackendHealth | undefined> {
    return this.optionalReport(
      () =>
        azureCall({ what: `read backend health of application gateway ${name.gateway}`, signal, operation: true, ...notFound(name) }, async () => {
          const poller = await this.azure.client(name.subscription).applicationGateways.beginBackendHealth(name.resourceGroup, name.gateway, { abortSignal: signal, updateIntervalInMs: this.pollIntervalMs });
          return poller.pollUntilDone({ abortSignal: signal });
        }),
      (error) => `azure-agw: no backend health for ${name.gateway}: ${error.message}`,
    );
  }

  private putGateway(name: GatewayName, gateway: ApplicationGateway, etag: string, signal?: AbortSignal): Promise<ApplicationGateway> {
    return azureCall({ what: `update application gateway ${name.gateway}`, signal, operation: true, ...notFound(name) }, async () => {
      const poller = await this.azure.client(name.subscription).applicationGateways.beginCreateOrUpdate(name.resourceGroup, name.gateway, gateway, {
        abortSignal: signal,
        updateIntervalInMs: this.pollIntervalMs,
        ...ifMatch(etag),
      });
      return poller.pollUntilDone({ abortSignal: signal });
    });
  }
}

function gatewayNameOf(path: PoolPath): GatewayName {
  return { subscription: path.subscription, resourceGroup: path.resourceGroup, gateway: path.parent };
}

function notFound(name: GatewayName): { notFound: string; notFoundHint: string } {
  return {
    notFound: `application gateway ${name.gateway} not found in resource group ${name.resourceGroup} of subscription ${name.subscription}`,
    notFoundHint: 'check the names and the subscription (--subscription, AZURE_SUBSCRIPTION_ID)',
  };
}

function memberStatus(group: GroupRef, key: string, address: ApplicationGatewayBackendAddress, reports: string[] | undefined, pool: string): TargetStatus {
  const ref: TargetRef = { kind: 'target', provider: 'azure-agw', group: group.group, target: key };
  const registration: Registration = address.ipAddress ? { ipAddress: address.ipAddress } : { fqdn: address.fqdn };
  const raw = { state: reports && reports.length > 0 ? [...new Set(reports)].join('/') : 'Unknown', description: `in backend pool ${pool}` };
  return { ref, state: 'active', health: gatewayHealth(reports), raw, registration };
}

/**
 * An address not in the pool: draining while backend health still reports it `Draining`,
 * else absent. No registration: restore uses the one drainctl recorded before the drain.
 */
function removedStatus(group: GroupRef, key: string, draining: boolean, pool: string, written?: TargetRef): TargetStatus {
  const ref: TargetRef = written ?? { kind: 'target', provider: 'azure-agw', group: group.group, target: key };
  return draining
    ? { ref, state: 'draining', health: 'unknown', raw: { state: 'Draining', description: `removed from backend pool ${pool}; backend health reports Draining` } }
    : { ref, state: 'absent', health: 'unknown', raw: { state: 'NotInPool', description: `not in backend pool ${pool}` } };
}

/** The backend address to add back: as recorded, or as the reference names it. */
function backendAddressOf(request: RestoreRequest): ApplicationGatewayBackendAddress {
  const r = request.registration;
  if (r && typeof r.ipAddress === 'string' && r.ipAddress !== '') return { ipAddress: r.ipAddress };
  if (r && typeof r.fqdn === 'string' && r.fqdn !== '') return { fqdn: r.fqdn };
  const parsed = parseBackendAddress(request.ref.target);
  return parsed.kind === 'ip' ? { ipAddress: parsed.value } : { fqdn: parsed.value };
}
