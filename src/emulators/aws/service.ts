/** What the request pipeline needs to know about one emulated API. */
import type { ApiError } from './errors.js';
import type { QueryParams } from './query.js';
import type { XmlNode } from './xml.js';

/** The two ELB APIs, Auto Scaling and EC2, told apart on the wire by `Version`, and the CloudWatch metrics beside them. */
export type ServiceName = 'elbv2' | 'elb' | 'autoscaling' | 'ec2' | 'cloudwatch';

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
  /** The API's answer to a throttled call, when it is not awsQuery's `Throttling` (EC2: `RequestLimitExceeded`). */
  throttlingError?(): ApiError;
  /** The API's own response documents, when they are not awsQuery's (EC2's "ec2" protocol). */
  readonly documents?: ResponseDocuments;
}

/** How an API writes its success and error responses. */
export interface ResponseDocuments {
  success(action: string, result: readonly (XmlNode | undefined)[], requestId: string): string;
  error(status: number, code: string, message: string, requestId: string): string;
}

/** Where the emulated resources live. */
export interface ResourceScope {
  readonly region: string;
  readonly accountId: string;
  /** How long a new registration stays in its "registration in progress" state, unless a seed overrides it. */
  readonly healthyAfterMs: number;
}
