/**
 * EC2 (API 2016-11-15), as far as a drain needs it: DescribeInstances for the instances of the
 * seeded Auto Scaling groups and those launched into them, so that `ip` target groups can be
 * matched by an instance's private address. State comes from Auto Scaling: an instance that has
 * left its group is `terminated`, still listed (AWS lists one for about an hour; the emulator keeps it).
 */
import { ApiError } from './errors.js';
import { EC2_NAMESPACE, ec2Documents, itemList } from './ec2-xml.js';
import { isInstanceId, nameHex } from './ids.js';
import type { QueryParams } from './query.js';
import type { ActionHandler, EmulatedService, ResourceScope } from './service.js';
import { el, leaf, type XmlNode } from './xml.js';

/** What EC2 knows of an instance beyond its state. */
export interface Ec2InstanceFacts {
  readonly id: string;
  readonly availabilityZone: string | undefined;
  readonly privateIp: string | undefined;
  /** ms epoch. */
  readonly launchedAt: number;
}

export interface Ec2Deps {
  readonly scope: ResourceScope;
  /** The instance's Auto Scaling lifecycle state, or undefined for an id Auto Scaling never had. */
  readonly lifecycleState: (instanceId: string) => string | undefined;
}

/** The model's InstanceState codes for the two states the emulator shows. */
const RUNNING = { code: 16, name: 'running' } as const;
const TERMINATED = { code: 48, name: 'terminated' } as const;

/** EC2's refusal of a caller without permission: UnauthorizedOperation, HTTP 403. */
function unauthorized(action: string): ApiError {
  return new ApiError(
    'UnauthorizedOperation',
    `You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/drainctl-test is not authorized to perform: ec2:${action} because no identity-based policy allows the ec2:${action} action`,
    403,
  );
}

/** The `InstanceId.N` parameters (EC2's flattened lists, not awsQuery's `.member.N`), in index order. */
function instanceIdsOf(params: QueryParams): string[] {
  return Object.entries(params)
    .flatMap(([key, value]) => {
      const match = /^InstanceId\.(\d+)$/.exec(key);
      return match ? [{ index: Number(match[1]), value }] : [];
    })
    .sort((a, b) => a.index - b.index)
    .map((e) => e.value);
}

function notFound(ids: readonly string[]): ApiError {
  const message = ids.length === 1 ? `The instance ID '${ids[0]}' does not exist` : `The instance IDs '${ids.join(', ')}' do not exist`;
  return new ApiError('InvalidInstanceID.NotFound', message);
}

/** The EC2 API over the instances Auto Scaling knows. */
export class Ec2Service implements EmulatedService {
  readonly name = 'ec2' as const;
  readonly version = '2016-11-15';
  readonly namespace = EC2_NAMESPACE;
  readonly actions: Readonly<Record<string, ActionHandler>>;
  readonly accessDenied = unauthorized;
  readonly documents = ec2Documents;
  private readonly instances = new Map<string, Ec2InstanceFacts>();

  constructor(private readonly deps: Ec2Deps) {
    this.actions = { DescribeInstances: (p) => this.describeInstances(p) };
  }

  /** EC2's throttling answer (HTTP 503), for injected throttle faults. */
  throttlingError(): ApiError {
    return new ApiError('RequestLimitExceeded', 'Request limit exceeded.', 503);
  }

  /** Records an instance's facts; the first record of an id stands (instance ids are never reused). */
  remember(facts: Ec2InstanceFacts): void {
    if (!this.instances.has(facts.id)) this.instances.set(facts.id, facts);
  }

  private describeInstances(params: QueryParams): XmlNode[] {
    if (Object.keys(params).some((k) => k.startsWith('Filter.'))) {
      throw new ApiError('InvalidParameterValue', 'The drainctl AWS emulator does not support Filter in DescribeInstances; name the instances with InstanceId.N.');
    }
    const ids = instanceIdsOf(params);
    const malformed = ids.find((id) => !isInstanceId(id));
    if (malformed !== undefined) throw new ApiError('InvalidInstanceID.Malformed', `Invalid id: "${malformed}"`);
    const known = [...this.instances.values()].filter((i) => this.deps.lifecycleState(i.id) !== undefined);
    const missing = ids.filter((id) => !known.some((i) => i.id === id));
    if (missing.length > 0) throw notFound(missing);
    const shown = ids.length === 0 ? known : ids.map((id) => known.find((i) => i.id === id)!);
    // One reservation per instance, as when each was launched by its own RunInstances.
    return [itemList('reservationSet', [...new Set(shown)].map((i) => this.reservationXml(i)))];
  }

  private reservationXml(instance: Ec2InstanceFacts): (XmlNode | undefined)[] {
    return [leaf('reservationId', `r-${nameHex(`reservation:${instance.id}`)}`), leaf('ownerId', this.deps.scope.accountId), el('groupSet'), itemList('instancesSet', [this.instanceXml(instance)])];
  }

  private instanceXml(instance: Ec2InstanceFacts): (XmlNode | undefined)[] {
    const terminated = this.deps.lifecycleState(instance.id) === 'Terminated';
    const state = terminated ? TERMINATED : RUNNING;
    // A terminated instance has lost its network interfaces, and with them its addresses, as on AWS.
    const address = terminated ? undefined : instance.privateIp;
    return [
      leaf('instanceId', instance.id),
      leaf('imageId', 'ami-0123456789abcdef0'),
      el('instanceState', [leaf('code', state.code), leaf('name', state.name)]),
      leaf('privateDnsName', address ? this.privateDnsName(address) : ''),
      leaf('dnsName', ''),
      leaf('amiLaunchIndex', 0),
      el('productCodes'),
      leaf('instanceType', 't3.micro'),
      leaf('launchTime', new Date(instance.launchedAt).toISOString()),
      el('placement', [leaf('availabilityZone', instance.availabilityZone ?? `${this.deps.scope.region}a`), el('groupName'), leaf('tenancy', 'default')]),
      el('monitoring', [leaf('state', 'disabled')]),
      leaf('privateIpAddress', address),
      el('groupSet'),
      itemList('networkInterfaceSet', address ? [this.interfaceXml(instance.id, address)] : []),
    ];
  }

  /** The primary interface, holding the instance's one address; the seed has no IPv6 addresses, so its set is empty. */
  private interfaceXml(instanceId: string, address: string): (XmlNode | undefined)[] {
    const hex = nameHex(`eni:${instanceId}`);
    return [
      el('attachment', [leaf('attachmentId', `eni-attach-${hex}`), leaf('deviceIndex', 0), leaf('status', 'attached'), leaf('deleteOnTermination', true)]),
      leaf('description', ''),
      el('groupSet'),
      el('ipv6AddressesSet'),
      leaf('networkInterfaceId', `eni-${hex}`),
      leaf('ownerId', this.deps.scope.accountId),
      leaf('privateDnsName', this.privateDnsName(address)),
      leaf('privateIpAddress', address),
      itemList('privateIpAddressesSet', [[leaf('privateDnsName', this.privateDnsName(address)), leaf('privateIpAddress', address), leaf('primary', true)]]),
      leaf('sourceDestCheck', true),
      leaf('status', 'in-use'),
      leaf('interfaceType', 'interface'),
    ];
  }

  /** `ip-10-0-1-5.ec2.internal` in us-east-1, `ip-10-0-1-5.<region>.compute.internal` elsewhere. */
  private privateDnsName(address: string): string {
    const host = `ip-${address.replace(/\./g, '-')}`;
    return this.deps.scope.region === 'us-east-1' ? `${host}.ec2.internal` : `${host}.${this.deps.scope.region}.compute.internal`;
  }
}
