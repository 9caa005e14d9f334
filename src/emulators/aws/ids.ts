/** Identifier formats and the emulator's deterministic ARNs. */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';

/** EC2 instance ids: `i-` and 8 (old style) to 17 (current) lowercase hex digits. */
export const INSTANCE_ID_PATTERN = /^i-[0-9a-f]{8,17}$/;

/** A Lambda function ARN, optionally qualified with a version or alias. */
export const LAMBDA_ARN_PATTERN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(?::[A-Za-z0-9_$-]{1,128})?$/;

/** Target group and load balancer names: 1-32 letters, digits and hyphens, no hyphen at either end. */
export const RESOURCE_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;

/** An Availability Zone name such as `us-east-1a`, or `all` (IP targets outside the VPC, Lambda). */
export const ZONE_PATTERN = /^(?:all|[a-z]{2}(?:-[a-z]+)+-\d+[a-z])$/;

/** True for a well-formed EC2 instance id. */
export function isInstanceId(id: string): boolean {
  return INSTANCE_ID_PATTERN.test(id);
}

/** True for an IPv4 or IPv6 address. */
export function isIpAddress(id: string): boolean {
  return isIP(id) !== 0;
}

/** True for a Lambda function ARN. */
export function isLambdaArn(id: string): boolean {
  return LAMBDA_ARN_PATTERN.test(id);
}

/** 16 hex digits derived from a name, so that a seed produces the same ARNs on every run. */
export function nameHex(name: string): string {
  return createHash('sha256').update(name).digest('hex').slice(0, 16);
}

/** `arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<16 hex>`. */
export function targetGroupArnFor(region: string, accountId: string, name: string): string {
  return `arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/${name}/${nameHex(name)}`;
}

/** The ARN of an ELBv2 load balancer; the path segment is `app`, `net` or `gwy` by type. */
export function loadBalancerArnFor(region: string, accountId: string, type: LoadBalancerType, name: string): string {
  const segment = type === 'application' ? 'app' : type === 'network' ? 'net' : 'gwy';
  return `arn:aws:elasticloadbalancing:${region}:${accountId}:loadbalancer/${segment}/${name}/${nameHex(name)}`;
}

/** ELBv2 load balancer types. */
export type LoadBalancerType = 'application' | 'network' | 'gateway';

/** Loose shape checks used to tell a malformed ARN (ValidationError) from an unknown one (NotFound). */
export const TARGET_GROUP_ARN_PATTERN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[^/]+\/[0-9a-f]+$/;
export const LOAD_BALANCER_ARN_PATTERN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/(?:app|net|gwy)\/[^/]+\/[0-9a-f]+$/;
