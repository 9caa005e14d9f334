import { usageError } from '../../core/errors.js';
import type { RefSyntax } from '../../core/refs.js';

/**
 * ELBv2 references: `elbv2:<target-group-name-or-ARN>/<target>` where the target is an
 * instance ID, an IPv4 address, an IPv6 address in brackets, or a Lambda function ARN,
 * optionally followed by `:<port>` (not for Lambda).
 */

const GROUP_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;
const GROUP_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;

/** A target as its parts. */
export interface Elbv2Target {
  readonly kind: 'instance' | 'ip' | 'lambda';
  readonly id: string;
  readonly port: number | undefined;
}

/** Parses the target part of a reference. */
export function parseElbv2Target(text: string): Elbv2Target {
  if (text.startsWith('arn:')) {
    if (!LAMBDA_ARN.test(text)) throw usageError(`"${text}" is not a Lambda function ARN`, 'example: arn:aws:lambda:us-east-1:123456789012:function:my-fn');
    return { kind: 'lambda', id: text, port: undefined };
  }
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    const address = close > 0 ? text.slice(1, close) : '';
    if (close < 0 || !IPV6.test(address) || !address.includes(':')) throw usageError(`"${text}" is not an IPv6 address in brackets`, 'example: [2001:db8::10]:8080');
    return { kind: 'ip', id: address.toLowerCase(), port: parsePort(text.slice(close + 1), text) };
  }
  const colon = text.lastIndexOf(':');
  const id = colon < 0 ? text : text.slice(0, colon);
  const port = colon < 0 ? undefined : parsePort(text.slice(colon), text);
  if (INSTANCE_ID.test(id)) return { kind: 'instance', id, port };
  if (IPV4.test(id)) return { kind: 'ip', id, port };
  throw usageError(`"${text}" is not an instance ID, IP address or Lambda ARN`, 'examples: i-0abc1234def567890, 10.0.1.12:8080, [2001:db8::10]:8080');
}

function parsePort(suffix: string, text: string): number | undefined {
  if (suffix === '') return undefined;
  const digits = suffix.startsWith(':') ? suffix.slice(1) : '';
  const port = /^\d{1,5}$/.test(digits) ? Number(digits) : NaN;
  if (!(port >= 1 && port <= 65535)) throw usageError(`"${text}" has an invalid port "${suffix.replace(/^:/, '')}": expected 1-65535`, 'example: i-0abc1234def567890:8080');
  return port;
}

/** Formats a target back to reference text. */
export function formatElbv2Target(target: { id: string; port?: number | undefined }): string {
  const id = target.id.includes(':') && !target.id.startsWith('arn:') ? `[${target.id}]` : target.id;
  return target.port === undefined ? id : `${id}:${target.port}`;
}

export const elbv2Syntax: RefSyntax = {
  provider: 'elbv2',
  groupNoun: 'target group',
  targetNoun: 'target',
  groupExample: 'elbv2:web',
  targetExample: 'elbv2:web/i-0abc1234def567890:8080',
  parseGroup(group) {
    if (GROUP_ARN.test(group) || GROUP_NAME.test(group)) return group;
    if (group.startsWith('arn:')) throw usageError(`"${group}" is not a target group ARN`, 'expected arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>');
    throw usageError(`"${group}" is not a target group name (1-32 letters, digits and hyphens, not starting or ending with a hyphen)`, 'example: elbv2:web/i-0abc1234def567890');
  },
  parseTarget(target) {
    return formatElbv2Target(parseElbv2Target(target));
  },
  isWholeGroup: (body) => GROUP_ARN.test(body),
  covers(written, concrete) {
    if (written === concrete) return true;
    try {
      const w = parseElbv2Target(written);
      const c = parseElbv2Target(concrete);
      return w.port === undefined && w.id === c.id;
    } catch {
      // Not a target at all (a group's own ledger row): it covers nothing.
      return false;
    }
  },
};
