/**
 * ELBv2 load balancers. They carry no behaviour in the emulator; they exist so that
 * DescribeLoadBalancers, `LoadBalancerArns` and the `LoadBalancerArn` filter of
 * DescribeTargetGroups show what a seed names.
 */
import { ApiError, validationError } from './errors.js';
import { LOAD_BALANCER_ARN_PATTERN, loadBalancerArnFor, nameHex, type LoadBalancerType } from './ids.js';
import { paginate } from './pagination.js';
import { readStringMembers, type QueryParams } from './query.js';
import type { LoadBalancerSeed } from './seed.js';
import type { ResourceScope } from './service.js';
import { el, leaf, memberList, type XmlNode } from './xml.js';

/** The VPC of seeded resources that do not name one. */
export const DEFAULT_VPC = 'vpc-0a1b2c3d4e5f60000';

interface LoadBalancer {
  readonly name: string;
  readonly arn: string;
  readonly type: LoadBalancerType;
  readonly scheme: 'internet-facing' | 'internal';
  readonly vpcId: string;
}

/** The seeded ELBv2 load balancers, sorted by name. */
export class Elbv2LoadBalancers {
  private readonly items: LoadBalancer[];
  private readonly createdTime: string;

  constructor(
    seeds: readonly LoadBalancerSeed[],
    private readonly scope: ResourceScope,
    startedAt: number,
  ) {
    this.createdTime = new Date(startedAt).toISOString();
    this.items = seeds
      .map((lb) => {
        const type = lb.type ?? 'application';
        return { name: lb.name, type, scheme: lb.scheme ?? 'internet-facing', vpcId: lb.vpcId ?? DEFAULT_VPC, arn: loadBalancerArnFor(scope.region, scope.accountId, type, lb.name) };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The ARN of a load balancer the seed defines (seed validation guarantees it exists). */
  arnOf(name: string): string {
    const lb = this.items.find((l) => l.name === name);
    if (!lb) throw new Error(`the AWS emulator has no load balancer "${name}"`);
    return lb.arn;
  }

  /** Throws ValidationError for a malformed ARN, LoadBalancerNotFound for an unknown one. */
  requireArn(arn: string): void {
    if (!LOAD_BALANCER_ARN_PATTERN.test(arn)) throw validationError(`'${arn}' is not a valid load balancer ARN`);
    if (!this.items.some((lb) => lb.arn === arn)) throw new ApiError('LoadBalancerNotFound', 'One or more load balancers not found');
  }

  /** The DescribeLoadBalancers action. */
  describe(params: QueryParams): (XmlNode | undefined)[] {
    const names = readStringMembers(params, 'Names');
    const arns = readStringMembers(params, 'LoadBalancerArns');
    if (names.length > 0 && arns.length > 0) throw validationError('Load balancer names and load balancer ARNs cannot be specified at the same time');
    let selected: readonly LoadBalancer[] = this.items;
    if (names.length > 0 || arns.length > 0) {
      const wanted = new Set([...names, ...arns]);
      selected = this.items.filter((lb) => wanted.has(lb.name) || wanted.has(lb.arn));
      const found = new Set(selected.flatMap((lb) => [lb.name, lb.arn]));
      if ([...wanted].some((w) => !found.has(w))) throw new ApiError('LoadBalancerNotFound', 'One or more load balancers not found');
    }
    const page = paginate(selected, params);
    return [memberList('LoadBalancers', page.items.map((lb) => this.toXml(lb))), leaf('NextMarker', page.nextMarker)];
  }

  // Element order follows the model's LoadBalancer members.
  private toXml(lb: LoadBalancer): (XmlNode | undefined)[] {
    const hex = nameHex(lb.name);
    const region = this.scope.region;
    const internal = lb.scheme === 'internal' ? 'internal-' : '';
    // ALB names look like name-1234567890.region.elb…, NLB/GWLB ones like name-<hex>.elb.region…
    const dnsName =
      lb.type === 'application' ? `${internal}${lb.name}-${parseInt(hex.slice(0, 8), 16)}.${region}.elb.amazonaws.com` : `${lb.name}-${hex}.elb.${region}.amazonaws.com`;
    return [
      leaf('LoadBalancerArn', lb.arn),
      leaf('DNSName', dnsName),
      leaf('CanonicalHostedZoneId', lb.type === 'application' ? 'Z35SXDOTRQ7X7K' : 'Z26RNL4JYFTOTI'),
      leaf('CreatedTime', this.createdTime),
      leaf('LoadBalancerName', lb.name),
      leaf('Scheme', lb.scheme),
      leaf('VpcId', lb.vpcId),
      el('State', [leaf('Code', 'active')]),
      leaf('Type', lb.type),
      memberList(
        'AvailabilityZones',
        ['a', 'b'].map((suffix, i) => [leaf('ZoneName', `${region}${suffix}`), leaf('SubnetId', `subnet-${hex.slice(i, i + 16).padEnd(16, '0')}`)]),
      ),
      leaf('IpAddressType', 'ipv4'),
    ];
  }
}
