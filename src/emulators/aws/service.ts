/** What the request pipeline needs to know about one emulated API. */
import type { ApiError } from './errors.js';
import type { QueryParams } from './query.js';
import type { XmlNode } from './xml.js';

/** The two ELB APIs and Auto Scaling, told apart on the wire by `Version`, and the CloudWatch metrics beside them. */
export type ServiceName = 'elbv2' | 'elb' | 'autoscaling' | 'cloudwatch';

/** Runs one action at time `now`; returns the members of `<{Action}Result>` or throws an ApiError. */
export type ActionHandler = (params: QueryParams, now: number) => readonly (XmlNode | undefined)[];

/** One API version with its XML namespace and actions. */
export interface EmulatedService {
  readonly name: ServiceName;
  readonly version: string;
  readonly namespace: string;
  readonly actions: Readonly<Record<string, ActionHandler>>;
  /** Brings time-driven state up to `now`; called before every request to any API, since one API's state can move another's. */
  settle?(now: number): void;
  /** The refusal for a denied action, when the API's IAM prefix is not `elasticloadbalancing`. */
  accessDenied?(action: string): ApiError;
}

/** Where the emulated resources live. */
export interface ResourceScope {
  readonly region: string;
  readonly accountId: string;
  /** How long a new registration stays in its "registration in progress" state, unless a seed overrides it. */
  readonly healthyAfterMs: number;
}
