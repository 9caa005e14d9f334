/** What the request pipeline needs to know about one emulated API. */
import type { QueryParams } from './query.js';
import type { XmlNode } from './xml.js';

/** The two ELB APIs, told apart on the wire by `Version`, and the CloudWatch metrics beside them. */
export type ServiceName = 'elbv2' | 'elb' | 'cloudwatch';

/** Runs one action at time `now`; returns the members of `<{Action}Result>` or throws an ApiError. */
export type ActionHandler = (params: QueryParams, now: number) => readonly (XmlNode | undefined)[];

/** One API version with its XML namespace and actions. */
export interface EmulatedService {
  readonly name: ServiceName;
  readonly version: string;
  readonly namespace: string;
  readonly actions: Readonly<Record<string, ActionHandler>>;
}

/** Where the emulated resources live. */
export interface ResourceScope {
  readonly region: string;
  readonly accountId: string;
  /** How long a new registration stays in its "registration in progress" state, unless a seed overrides it. */
  readonly healthyAfterMs: number;
}
