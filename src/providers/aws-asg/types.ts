/** Something that routes traffic to an Auto Scaling group's instances, as the group knows it. */
export type TrafficSource =
  | { readonly kind: 'elbv2'; readonly targetGroupArn: string }
  | { readonly kind: 'elb'; readonly loadBalancerName: string };

/** Where one instance is registered in an ELBv2 target group. */
export interface Registration {
  readonly targetGroupArn: string;
  readonly targetGroupName: string;
  /** The instance ID, or one of its private IP addresses for an `ip` target group. */
  readonly targetId: string;
  readonly port: number | undefined;
}
