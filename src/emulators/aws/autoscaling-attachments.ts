/**
 * How a group's instances leave and join its target groups and Classic load balancers: through
 * the ELBv2 and Classic services' own action handlers, so draining follows their semantics
 * (deregistration delay, connection draining) exactly as if a client had called them.
 */
import type { AutoScalingGroup, LoadBalancerAttachments } from './autoscaling-groups.js';
import type { EmulatedService } from './service.js';
import type { XmlNode } from './xml.js';

function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node?.children?.find((c) => c.name === name);
}

/** The ports `instanceId` is registered on in a target group, draining ones left out (read from DescribeTargetHealth). */
function registeredPorts(elbv2: EmulatedService, targetGroupArn: string, instanceId: string, now: number): string[] {
  const result = elbv2.actions.DescribeTargetHealth!({ TargetGroupArn: targetGroupArn }, now);
  const descriptions = result.find((n) => n?.name === 'TargetHealthDescriptions')?.children ?? [];
  return descriptions.flatMap((d) => {
    const target = child(d, 'Target');
    const state = child(child(d, 'TargetHealth'), 'State')?.text;
    if (child(target, 'Id')?.text !== instanceId || state === 'draining') return [];
    const port = child(target, 'Port')?.text;
    return port === undefined ? [] : [port];
  });
}

/** Attachments that call `elbv2` (2015-12-01) and `elb` (2012-06-01) handlers directly, outside the request log. */
export function attachmentsVia(elbv2: EmulatedService, elb: EmulatedService): LoadBalancerAttachments {
  return {
    detach(instanceId: string, group: AutoScalingGroup, now: number): void {
      for (const arn of group.targetGroupArns) {
        // Every port the instance is on, not only the group's: seeds may register instances on other ports.
        const ports = registeredPorts(elbv2, arn, instanceId, now);
        if (ports.length === 0) continue;
        const targets = Object.fromEntries(ports.flatMap((port, i) => [[`Targets.member.${i + 1}.Id`, instanceId], [`Targets.member.${i + 1}.Port`, port]]));
        elbv2.actions.DeregisterTargets!({ TargetGroupArn: arn, ...targets }, now);
      }
      for (const name of group.loadBalancerNames) {
        elb.actions.DeregisterInstancesFromLoadBalancer!({ LoadBalancerName: name, 'Instances.member.1.InstanceId': instanceId }, now);
      }
    },
    attach(instanceId: string, group: AutoScalingGroup, now: number): void {
      // No port: the target group's own port, which is what Auto Scaling registers on.
      for (const arn of group.targetGroupArns) elbv2.actions.RegisterTargets!({ TargetGroupArn: arn, 'Targets.member.1.Id': instanceId }, now);
      for (const name of group.loadBalancerNames) {
        elb.actions.RegisterInstancesWithLoadBalancer!({ LoadBalancerName: name, 'Instances.member.1.InstanceId': instanceId }, now);
      }
    },
  };
}
