import type { BackendAddressPool, LoadBalancerBackendAddress, LoadBalancerHealthPerRule } from '@azure/arm-network';
import { DrainctlError, notFoundError, throwIfAborted, usageError } from '../../core/errors.js';
import type { DrainProvider, GroupSnapshot, RestoreRequest, TimeoutSetting } from '../../core/provider.js';
import type { CallContext } from '../../core/call.js';
import { azureLbDescriptor } from './descriptors.js';
import type { GroupRef, TargetRef } from '../../core/refs.js';
import type { Health, Registration, TargetStatus } from '../../core/state.js';
import type { ProviderOptions } from '../options.js';
import { type Job, KeyedBatcher } from './batch.js';
import { AzureProviderBase, type AzureProviderTuning, connectToAzure, ifMatch } from './client.js';
import { azureCall } from './errors.js';
import { type Change, readModifyWriteBatch } from './rmw.js';
import { poolPathOf, type PoolPath } from './syntax.js';

type AdminState = 'None' | 'Up' | 'Down';
type PoolChange = Change<BackendAddressPool>;

/**
 * Azure Load Balancer backend pools (IP-based, addresses by name). Draining = setting the
 * address's admin state to Down: per the admin-state documentation the load balancer then
 * sends it no new connections while established TCP connections persist. Restore = the
 * admin state it had before (None or Up, as drainctl recorded it). Azure Load Balancer has
 * no drain timeout of its own, so the caller's --timeout is the drain: completion 'countdown'.
 */
export class AzureLbProvider extends AzureProviderBase implements DrainProvider {
  readonly descriptor = azureLbDescriptor;
  // Keyed by load balancer: pools share its etag and its one-operation-at-a-time rule.
  private readonly writes = new KeyedBatcher<{ path: PoolPath; change: PoolChange }, BackendAddressPool>((_key, jobs) => this.writePools(jobs));

  static async create(options: ProviderOptions, tuning?: AzureProviderTuning): Promise<AzureLbProvider> {
    return new AzureLbProvider(await connectToAzure(options), options.debug, tuning);
  }

  async describe(group: GroupRef, targets: readonly TargetRef[] | 'all', ctx: CallContext): Promise<GroupSnapshot> {
    const { signal } = ctx;
    throwIfAborted(signal);
    const path = poolPathOf(group.group);
    const pool = await this.readPool(path, signal);
    const health = await this.readRuleHealth(path, pool, signal);
    const registered = (pool.loadBalancerBackendAddresses ?? []).filter((a) => a.name).map((a) => addressStatus(group, a, health));
    const providerId = pool.id ?? group.group;
    if (targets === 'all') return { group, providerId, targets: registered, registered };
    const named = targets.map((ref) => registered.find((s) => s.ref.target.toLowerCase() === ref.target.toLowerCase()) ?? absent(ref, path));
    return { group, providerId, targets: named, registered };
  }

  async drain(group: GroupRef, targets: readonly TargetStatus[], ctx: CallContext): Promise<void> {
    const path = poolPathOf(group.group);
    const names = new Set(targets.map((t) => t.ref.target.toLowerCase()));
    await this.change(path, ctx, (pool) => {
      let changed = false;
      for (const address of pool.loadBalancerBackendAddresses ?? []) {
        if (!names.has(address.name?.toLowerCase() ?? '') || address.adminState === 'Down') continue;
        address.adminState = 'Down';
        changed = true;
      }
      return changed;
    });
  }

  async restore(group: GroupRef, targets: readonly RestoreRequest[], ctx: CallContext): Promise<void> {
    const path = poolPathOf(group.group);
    await this.change(path, ctx, (pool) => {
      let changed = false;
      const addresses = pool.loadBalancerBackendAddresses ?? [];
      for (const request of targets) {
        const wanted = adminStateOf(request.registration);
        const address = addresses.find((a) => a.name?.toLowerCase() === request.ref.target.toLowerCase());
        if (address) {
          if ((address.adminState ?? 'None') === wanted) continue;
          address.adminState = wanted;
          changed = true;
          continue;
        }
        addresses.push(readdable(request, path));
        changed = true;
      }
      pool.loadBalancerBackendAddresses = addresses;
      return changed;
    });
  }

  /** Azure Load Balancer has no drain timeout: the pool is read so a missing one is still not_found. */
  async getTimeout(group: GroupRef, ctx: CallContext): Promise<TimeoutSetting> {
    const { signal } = ctx;
    throwIfAborted(signal);
    const pool = await this.readPool(poolPathOf(group.group), signal);
    const extra: Record<string, unknown> = { drain: 'admin state Down; --timeout bounds how long established connections may run' };
    if (pool.drainPeriodInSeconds !== undefined) extra.drainPeriodInSeconds = pool.drainPeriodInSeconds;
    return { seconds: undefined, enabled: true, extra };
  }

  async setTimeout(group: GroupRef, _seconds: number, _ctx: CallContext): Promise<TimeoutSetting> {
    throw usageError(`load balancer backend pool ${group.group} has no drain timeout to set`, 'pass --timeout to drain instead: it bounds how long in-flight work may run');
  }

  private change(path: PoolPath, ctx: CallContext, change: PoolChange): Promise<BackendAddressPool> {
    throwIfAborted(ctx.signal);
    const key = `${path.subscription}/${path.resourceGroup}/${path.parent}`.toLowerCase();
    return this.writes.submit(key, { path, change }, ctx);
  }

  /** One read-modify-write per pool, pools of one load balancer one after another. */
  private async writePools(jobs: Job<{ path: PoolPath; change: PoolChange }, BackendAddressPool>[]): Promise<void> {
    const byPool = new Map<string, typeof jobs>();
    for (const job of jobs) {
      const key = job.input.path.pool.toLowerCase();
      byPool.set(key, [...(byPool.get(key) ?? []), job]);
    }
    for (const poolJobs of byPool.values()) await this.writePool(poolJobs);
  }

  private writePool(jobs: Job<{ path: PoolPath; change: PoolChange }, BackendAddressPool>[]): Promise<void> {
    const path = jobs[0]!.input.path;
    return readModifyWriteBatch(jobs, {
      what: `update backend pool ${path.pool} of load balancer ${path.parent}`,
      policy: this.conflict,
      read: (signal) => this.readPool(path, signal),
      write: (pool, etag, signal) => this.putPool(path, pool, etag, signal),
      onConflict: (error, delayMs, attempt) => this.debug?.(`azure-lb: ${error.message}; reading ${path.pool} again in ${Math.round(delayMs)}ms (try ${attempt + 1})`),
    });
  }

  private async readPool(path: PoolPath, signal?: AbortSignal): Promise<BackendAddressPool> {
    try {
      return await azureCall({ what: `read backend pool ${path.pool} of load balancer ${path.parent}`, signal }, () =>
        this.azure.client(path.subscription).loadBalancerBackendAddressPools.get(path.resourceGroup, path.parent, path.pool, { abortSignal: signal }),
      );
    } catch (error) {
      if (error instanceof DrainctlError && error.kind === 'not_found') throw await this.whatIsMissing(path, signal);
      throw error;
    }
  }

  /** A missing pool or a missing load balancer: says which, listing the pools there are. */
  private async whatIsMissing(path: PoolPath, signal?: AbortSignal): Promise<DrainctlError> {
    const where = `resource group ${path.resourceGroup} of subscription ${path.subscription}`;
    const lb = await azureCall({ what: `read load balancer ${path.parent}`, signal, notFound: `load balancer ${path.parent} not found in ${where}`, notFoundHint: 'check the names and the subscription (--subscription, AZURE_SUBSCRIPTION_ID)' }, () =>
      this.azure.client(path.subscription).loadBalancers.get(path.resourceGroup, path.parent, { abortSignal: signal }),
    );
    const pools = (lb.backendAddressPools ?? []).map((p) => p.name).join(', ') || 'none';
    return notFoundError(`load balancer ${path.parent} has no backend pool ${path.pool} (pools: ${pools})`);
  }

  /**
   * Probe health per address from the first load-balancing rule that uses the pool
   * (POST …/loadBalancingRules/{rule}/health). None when no rule uses it, or when the rule
   * cannot report (the API does not serve non-probed rules).
   */
  private async readRuleHealth(path: PoolPath, pool: BackendAddressPool, signal?: AbortSignal): Promise<LoadBalancerHealthPerRule | undefined> {
    const rule = pool.loadBalancingRules?.[0]?.id?.split('/').pop();
    if (!rule) return undefined;
    return this.optionalReport(
      () =>
        azureCall({ what: `read health of rule ${rule} of load balancer ${path.parent}`, signal, operation: true }, async () => {
          const poller = await this.azure.client(path.subscription).loadBalancerLoadBalancingRules.beginHealth(path.resourceGroup, path.parent, rule, { abortSignal: signal, updateIntervalInMs: this.pollIntervalMs });
          return poller.pollUntilDone({ abortSignal: signal });
        }),
      (error) => `azure-lb: no rule health for ${rule}: ${error.message}`,
    );
  }

  private putPool(path: PoolPath, pool: BackendAddressPool, etag: string, signal?: AbortSignal): Promise<BackendAddressPool> {
    return azureCall({ what: `update backend pool ${path.pool} of load balancer ${path.parent}`, signal, operation: true, notFound: `load balancer ${path.parent} not found in resource group ${path.resourceGroup}` }, async () => {
      const poller = await this.azure.client(path.subscription).loadBalancerBackendAddressPools.beginCreateOrUpdate(path.resourceGroup, path.parent, path.pool, pool, {
        abortSignal: signal,
        updateIntervalInMs: this.pollIntervalMs,
        ...ifMatch(etag),
      });
      return poller.pollUntilDone({ abortSignal: signal });
    });
  }
}

function probeHealth(health: LoadBalancerHealthPerRule | undefined, address: LoadBalancerBackendAddress): { health: Health; reason?: string } {
  const found = health?.loadBalancerBackendAddresses?.find((h) => address.ipAddress !== undefined && h.ipAddress === address.ipAddress);
  if (!found) return { health: 'unknown' };
  const value: Health = found.state === 'Up' ? 'healthy' : found.state === 'Down' ? 'unhealthy' : 'unknown';
  return { health: value, reason: found.reason };
}

/**
 * Down is draining (no new connections; established TCP connections persist). A Down
 * address reports no registration: the admin state it had before the drain lives in
 * drainctl's ledger, and restore must put that one back, not the Down it sees now.
 */
function addressStatus(group: GroupRef, address: LoadBalancerBackendAddress, health: LoadBalancerHealthPerRule | undefined): TargetStatus {
  const admin = (address.adminState ?? 'None') as AdminState;
  const ref: TargetRef = { kind: 'target', provider: 'azure-lb', group: group.group, target: address.name! };
  const probe = probeHealth(health, address);
  if (admin === 'Down') {
    return { ref, state: 'draining', health: probe.health, raw: { state: 'Down', reason: probe.reason, description: 'admin state Down: no new connections; established TCP connections continue' } };
  }
  const registration: Registration = {
    name: address.name,
    adminState: admin,
    ...(address.ipAddress !== undefined && { ipAddress: address.ipAddress }),
    ...(address.virtualNetwork?.id !== undefined && { virtualNetwork: address.virtualNetwork.id }),
    ...(address.subnet?.id !== undefined && { subnet: address.subnet.id }),
  };
  return { ref, state: 'active', health: probe.health, raw: { state: admin, reason: probe.reason }, registration };
}

function absent(ref: TargetRef, path: PoolPath): TargetStatus {
  return { ref, state: 'absent', health: 'unknown', raw: { state: 'NotInPool', description: `no backend address named ${ref.target} in pool ${path.pool}` } };
}

/** The admin state to put back: the recorded None or Up; None (follow the health probe) when nothing usable was recorded. */
function adminStateOf(registration: Registration | undefined): AdminState {
  const recorded = registration?.adminState;
  return recorded === 'Up' || recorded === 'None' ? recorded : 'None';
}

/** An address that left the pool altogether, rebuilt from its recorded registration. */
function readdable(request: RestoreRequest, path: PoolPath): LoadBalancerBackendAddress {
  const r = request.registration;
  if (!r || typeof r.ipAddress !== 'string') {
    throw notFoundError(`backend address ${request.ref.target} is no longer in pool ${path.pool} and drainctl has no recorded registration to add it back`, 'add it back in Azure (portal or az network lb address-pool address add)');
  }
  return {
    name: typeof r.name === 'string' ? r.name : request.ref.target,
    ipAddress: r.ipAddress,
    adminState: adminStateOf(r),
    ...(typeof r.virtualNetwork === 'string' && { virtualNetwork: { id: r.virtualNetwork } }),
    ...(typeof r.subnet === 'string' && { subnet: { id: r.subnet } }),
  };
}
