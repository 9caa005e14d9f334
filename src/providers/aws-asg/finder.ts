import { DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type CallContext, withDeadline } from '../../core/call.js';
import { DrainctlError, usageError } from '../../core/errors.js';
import type { InstanceFinder } from '../../core/lifecycle/ports.js';
import type { TargetRef } from '../../core/refs.js';
import type { Registration } from './types.js';
import { createAwsClient } from '../aws/client-config.js';
import { call as awsCall } from '../aws/errors.js';
import type { ProviderOptions } from '../options.js';
import { readAllPages } from './pages.js';

/** Reads an instance's private IPv4 and IPv6 addresses (EC2 DescribeInstances). */
export type InstanceAddressReader = (instanceId: string, call: CallContext) => Promise<readonly string[]>;

/** How an instance finder caches and paces. */
export interface InstanceFinderOptions {
  /** How long the region's list of target groups is reused before it is read again; default 5 minutes. */
  readonly cacheTtlMs?: number;
  /** How long a read of who is registered in a target group is reused; default 1 minute. See `findRegistrations`. */
  readonly membershipTtlMs?: number;
  /** DescribeTargetHealth calls queued or in flight at once; default 8. */
  readonly concurrency?: number;
  /** Reads the instance's addresses for `ip` target groups; without one, `instanceAddresses` returns none. */
  readonly readAddresses?: InstanceAddressReader;
}

const DEFAULTS = { cacheTtlMs: 5 * 60_000, membershipTtlMs: 60_000, concurrency: 8 };

type FinderSettings = typeof DEFAULTS & Pick<InstanceFinderOptions, 'readAddresses'>;
/** DescribeTargetGroups' largest page (service model: PageSize 1-400). */
const TARGET_GROUP_PAGE_SIZE = 400;
/** Target types whose targets can be an EC2 instance or one of its addresses; `lambda` and `alb` ones cannot. */
const INSTANCE_TARGET_TYPES = new Set(['instance', 'ip']);

/** A target group that can hold an instance. */
interface CatalogGroup {
  readonly arn: string;
  readonly name: string;
}

/** Who was registered in one target group when it was last read. */
interface Membership {
  readonly readAt: number;
  readonly targets: readonly { readonly id: string; readonly port: number | undefined }[];
}

/** An instance finder that owns an SDK client: `close()` releases its sockets. */
export type ClosableInstanceFinder = InstanceFinder & {
  close(): void;
  /** Each registration of the instance, with its target group and port. */
  findRegistrations(instanceId: string, addresses: readonly string[], call: CallContext): Promise<readonly Registration[]>;
};

/** Finds an instance's ELBv2 registrations by reading every target group in the region, with a cache for long-running consumers. */
export function createInstanceFinder(options: ProviderOptions, finderOptions: InstanceFinderOptions = {}): ClosableInstanceFinder {
  const settings: FinderSettings = {
    cacheTtlMs: finderOptions.cacheTtlMs ?? DEFAULTS.cacheTtlMs,
    membershipTtlMs: finderOptions.membershipTtlMs ?? DEFAULTS.membershipTtlMs,
    concurrency: finderOptions.concurrency ?? DEFAULTS.concurrency,
    readAddresses: finderOptions.readAddresses,
  };
  if (!(settings.cacheTtlMs >= 0) || !(settings.membershipTtlMs >= 0)) throw usageError('instance finder: cacheTtlMs and membershipTtlMs must be 0 or more');
  if (!Number.isInteger(settings.concurrency) || settings.concurrency < 1) throw usageError(`instance finder: concurrency must be a whole number of at least 1 (got ${settings.concurrency})`);
  return new CachingInstanceFinder(options, settings);
}

class CachingInstanceFinder implements ClosableInstanceFinder {
  private client: Promise<ElasticLoadBalancingV2Client> | undefined;
  private catalog: { readonly readAt: number; readonly groups: readonly CatalogGroup[] } | undefined;
  private catalogRead: Promise<readonly CatalogGroup[]> | undefined;
  private readonly memberships = new Map<string, Membership>();
  /** Reads in flight, shared by concurrent lookups (several instances of a scale-in at once). */
  private readonly membershipReads = new Map<string, Promise<void>>();

  constructor(
    private readonly options: ProviderOptions,
    private readonly settings: FinderSettings,
  ) {}

  /**
   * Needs EC2 DescribeInstances (PrivateIpAddress, and every network interface's private and IPv6
   * addresses), which drainctl's dependencies do not include yet (@aws-sdk/client-ec2): without a
   * reader given in the options, no addresses are known, and `ip` target groups are not matched.
   */
  async instanceAddresses(instanceId: string, call: CallContext): Promise<readonly string[]> {
    return this.settings.readAddresses ? this.settings.readAddresses(instanceId, call) : [];
  }

  /**
   * Every registration of the instance (by ID in `instance` groups, by address in `ip` groups) in
   * any state but `unused`: a target already `draining` is returned so the hook can see its drain end.
   *
   * The cache trades API calls for freshness. The region's target groups change rarely and are
   * reused for `cacheTtlMs`. Registrations change all the time, so a read of a group's members is
   * reused for `membershipTtlMs` only, and never on its own word: every group it says holds the
   * instance is read again before answering, so a registration that has ended is not reported.
   * What a cached read can miss is a registration made after it; two rules narrow that: an
   * instance no cached read knows at all (most likely launched after them) makes every cached
   * group be read again, and no read is older than `membershipTtlMs`. What is left is an instance
   * found in one group and registered in another within the last `membershipTtlMs`; a consumer
   * that cannot accept that sets `membershipTtlMs: 0` and pays one DescribeTargetHealth per group.
   */
  async findRoutes(instanceId: string, addresses: readonly string[], call: CallContext): Promise<readonly TargetRef[]> {
    return (await this.findRegistrations(instanceId, addresses, call)).map((r): TargetRef => {
      // An IPv6 address is written in brackets before its port.
      const id = r.targetId.includes(':') ? `[${r.targetId}]` : r.targetId;
      return { kind: 'target', provider: 'elbv2', group: r.targetGroupArn, target: r.port === undefined ? id : `${id}:${r.port}` };
    });
  }

  async findRegistrations(instanceId: string, addresses: readonly string[], call: CallContext): Promise<readonly Registration[]> {
    return withDeadline(call, `find the target groups of ${instanceId}`, async (bounded) => {
      const groups = await this.targetGroups(bounded);
      const now = bounded.clock.now();
      const cached = groups.filter((g) => this.isFresh(g, now));
      await this.readMemberships(groups.filter((g) => !this.isFresh(g, now)), bounded);
      const found = this.registrationsIn(groups, instanceId, addresses);
      if (cached.length === 0) return found;
      const matched = new Set(found.map((r) => r.targetGroupArn));
      await this.readMemberships(found.length === 0 ? cached : cached.filter((g) => matched.has(g.arn)), bounded, true);
      return this.registrationsIn(groups, instanceId, addresses);
    });
  }

  close(): void {
    void this.client?.then((c) => c.destroy(), () => {});
  }

  private elbv2(): Promise<ElasticLoadBalancingV2Client> {
    // createAwsClient paces the client with the process's ELB pacer: the scan shares the account's
    // describe budget with drains in this process, behind their deregistrations.
    if (!this.client) {
      const created = createAwsClient(ElasticLoadBalancingV2Client, this.options, 'elbv2');
      // A failed creation (no region) is not kept: the next lookup tries again and says why.
      created.catch(() => {
        if (this.client === created) this.client = undefined;
      });
      this.client = created;
    }
    return this.client;
  }

  private isFresh(group: CatalogGroup, now: number): boolean {
    const membership = this.memberships.get(group.arn);
    return membership !== undefined && now - membership.readAt < this.settings.membershipTtlMs;
  }

  /** The region's instance and ip target groups, from the cache while it is younger than cacheTtlMs. */
  private async targetGroups(call: CallContext): Promise<readonly CatalogGroup[]> {
    if (this.catalog && call.clock.now() - this.catalog.readAt < this.settings.cacheTtlMs) return this.catalog.groups;
    const shared = this.catalogRead;
    if (shared) {
      try {
        return await shared;
      } catch (error) {
        // Another lookup's read failed, perhaps because that lookup was cancelled: read for this one.
        if (call.signal?.aborted) throw error;
      }
    }
    const read = this.readCatalog(call).finally(() => {
      if (this.catalogRead === read) this.catalogRead = undefined;
    });
    this.catalogRead = read;
    return read;
  }

  private async readCatalog(call: CallContext): Promise<readonly CatalogGroup[]> {
    const client = await this.elbv2();
    const { signal } = call;
    const readAt = call.clock.now();
    const what = 'list the target groups of the region';
    const all = await readAllPages(what, async (marker) => {
      const page = await awsCall({ what, signal }, () => client.send(new DescribeTargetGroupsCommand({ PageSize: TARGET_GROUP_PAGE_SIZE, Marker: marker }), { abortSignal: signal }));
      return { items: page.TargetGroups ?? [], next: page.NextMarker };
    });
    const groups = all.flatMap((g): CatalogGroup[] =>
      g.TargetGroupArn && g.TargetGroupName && INSTANCE_TARGET_TYPES.has(g.TargetType ?? 'instance')
        ? [{ arn: g.TargetGroupArn, name: g.TargetGroupName }]
        : [],
    );
    const present = new Set(groups.map((g) => g.arn));
    for (const arn of this.memberships.keys()) if (!present.has(arn)) this.memberships.delete(arn);
    this.catalog = { readAt, groups };
    return groups;
  }

  /** Reads the members of `groups`, `concurrency` at a time; stops starting new reads at the first failure. */
  private async readMemberships(groups: readonly CatalogGroup[], call: CallContext, fresh = false): Promise<void> {
    const queue = [...groups];
    let failure: unknown;
    const worker = async (): Promise<void> => {
      while (queue.length > 0 && failure === undefined) {
        const group = queue.shift()!;
        try {
          await this.readMembership(group, call, fresh);
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.concurrency, queue.length) }, worker));
    if (failure !== undefined) throw failure;
  }

  /** Reads one group's members, joining a read already in flight unless a read begun now is required. */
  private async readMembership(group: CatalogGroup, call: CallContext, fresh: boolean): Promise<void> {
    const inFlight = this.membershipReads.get(group.arn);
    if (inFlight && !fresh) {
      try {
        return await inFlight;
      } catch (error) {
        // Another lookup's read failed, perhaps because that lookup was cancelled: read for this one.
        if (call.signal?.aborted) throw error;
      }
    }
    const read = this.describeMembers(group, call).finally(() => {
      if (this.membershipReads.get(group.arn) === read) this.membershipReads.delete(group.arn);
    });
    this.membershipReads.set(group.arn, read);
    return read;
  }

  private async describeMembers(group: CatalogGroup, call: CallContext): Promise<void> {
    const client = await this.elbv2();
    const { signal } = call;
    const readAt = call.clock.now();
    try {
      const output = await awsCall({ what: `describe target health of ${group.name}`, signal }, () =>
        client.send(new DescribeTargetHealthCommand({ TargetGroupArn: group.arn }), { abortSignal: signal }),
      );
      const targets = (output.TargetHealthDescriptions ?? [])
        .filter((d) => d.Target?.Id && d.TargetHealth?.State !== 'unused')
        .map((d) => ({ id: d.Target!.Id!, port: d.Target!.Port }));
      this.memberships.set(group.arn, { readAt, targets });
    } catch (error) {
      // Deleted since the list was read: it holds nothing, and the next list will not have it.
      if (!(error instanceof DrainctlError && error.details.awsError === 'TargetGroupNotFoundException')) throw error;
      this.memberships.set(group.arn, { readAt, targets: [] });
    }
  }

  /** AWS keeps instance IDs in `instance` groups and addresses in `ip` groups, so one set of IDs serves both. */
  private registrationsIn(groups: readonly CatalogGroup[], instanceId: string, addresses: readonly string[]): Registration[] {
    const ids = new Set([instanceId, ...addresses]);
    return groups.flatMap((group) => {
      const targets = this.memberships.get(group.arn)?.targets ?? [];
      return targets.filter((t) => ids.has(t.id)).map((t) => ({ targetGroupArn: group.arn, targetGroupName: group.name, targetId: t.id, port: t.port }));
    });
  }
}
