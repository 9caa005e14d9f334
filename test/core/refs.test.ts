import { describe, expect, it } from 'vitest';
import { DrainctlError } from '../../src/core/errors.js';
import { formatRef, parseRef } from '../../src/core/refs.js';
import { refSyntaxes } from '../../src/providers/registry.js';

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-targets/73e2d6bc24d8a067';

describe('target references', () => {
  it.each([
    ['elbv2:web/i-0abc1234def567890', { kind: 'target', provider: 'elbv2', group: 'web', target: 'i-0abc1234def567890' }],
    ['elbv2:web/i-0abc1234def567890:8080', { kind: 'target', group: 'web', target: 'i-0abc1234def567890:8080' }],
    ['elbv2:web/10.0.1.12:8080', { kind: 'target', target: '10.0.1.12:8080' }],
    ['elbv2:web/[2001:db8::10]:8080', { kind: 'target', target: '[2001:db8::10]:8080' }],
    ['elbv2:web/[2001:DB8::10]', { kind: 'target', target: '[2001:db8::10]' }],
    [`elbv2:fn/arn:aws:lambda:us-east-1:123456789012:function:my-fn`, { kind: 'target', target: 'arn:aws:lambda:us-east-1:123456789012:function:my-fn' }],
    [`elbv2:${ARN}/i-0abc1234def567890:80`, { kind: 'target', group: ARN, target: 'i-0abc1234def567890:80' }],
    [`elbv2:${ARN}`, { kind: 'group', group: ARN }],
    ['elbv2:web', { kind: 'group', group: 'web' }],
    ['elb:legacy-web/i-0abc1234def567890', { kind: 'target', provider: 'elb', group: 'legacy-web', target: 'i-0abc1234def567890' }],
    ['elb:legacy-web', { kind: 'group', provider: 'elb', group: 'legacy-web' }],
  ])('parses %s', (text, expected) => {
    expect(parseRef(text, refSyntaxes)).toMatchObject(expected);
  });

  it.each(['elbv2:web/i-0abc1234def567890:8080', `elbv2:${ARN}/10.0.0.5:443`, 'elbv2:web/[2001:db8::10]:8080', `elbv2:${ARN}`, 'elb:legacy-web/i-0abc1234def567890'])(
    'round-trips %s',
    (text) => {
      expect(formatRef(parseRef(text, refSyntaxes))).toBe(text);
    },
  );

  it.each([
    ['web/i-0abc1234def567890', /expected <provider>:<group>\/<target>/],
    ['alb:web/i-0abc1234def567890', /unknown provider "alb"/],
    ['elbv2:', /target group is missing/],
    ['elbv2:/i-0abc1234def567890', /before "\/" is empty/],
    ['elbv2:web/', /after the last "\/" is empty/],
    ['elbv2:web/i-xyz', /not an instance ID, IP address or Lambda ARN/],
    ['elbv2:web/10.0.0.5:70000', /invalid port "70000"/],
    ['elbv2:web/10.0.0.5:', /invalid port/],
    ['elbv2:web/300.0.0.5', /not an instance ID/],
    ['elbv2:-web-/i-0abc1234def567890', /not a target group name/],
    ['elbv2:web/[2001:db8::10', /IPv6 address in brackets/],
    ['elbv2:web/arn:aws:lambda:nope', /not a Lambda function ARN/],
    ['elb:legacy-web/10.0.0.5', /Classic ELB registers instances only/],
  ])('refuses %s with a message naming the problem', (text, message) => {
    let caught: unknown;
    try {
      parseRef(text, refSyntaxes);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DrainctlError);
    expect((caught as DrainctlError).kind).toBe('usage');
    expect((caught as DrainctlError).message).toMatch(message);
  });

  it('enforces what a command expects', () => {
    expect(() => parseRef('elbv2:web', refSyntaxes, 'target')).toThrow(/names a whole target group, not a target/);
    expect(() => parseRef('elbv2:web/10.0.0.5', refSyntaxes, 'group')).toThrow(/names a target, not a target group/);
  });

  it('a target without a port covers every port of that target', () => {
    const syntax = refSyntaxes.find((s) => s.provider === 'elbv2')!;
    expect(syntax.covers!('10.0.0.5', '10.0.0.5:8080')).toBe(true);
    expect(syntax.covers!('10.0.0.5:80', '10.0.0.5:8080')).toBe(false);
    expect(syntax.covers!('10.0.0.6', '10.0.0.5:8080')).toBe(false);
  });
});
