/** What the request log records of an ELB, Auto Scaling or EC2 request; the log itself is shared (../shared/request-log.ts). */
import type { FaultKind } from '../shared/faults.js';
import type { LogEntryBase } from '../shared/request-log.js';
import type { ServiceName } from './service.js';

/** One request as the emulator saw and answered it. */
export interface RequestLogEntry extends LogEntryBase<FaultKind> {
  /** `unknown` when the request's Version matched no API. */
  readonly service: ServiceName | 'unknown';
  /** The decoded form parameters (Action and Version included; `X-Amz-*` presigning parameters left out). */
  readonly params: Readonly<Record<string, string>>;
  readonly errorCode?: string;
}

/** Actions that change state, by AWS's verb prefixes (RecordLifecycleActionHeartbeat and CompleteLifecycleAction included). */
export function isMutatingAction(action: string): boolean {
  return /^(Register|Deregister|Modify|Create|Delete|Add|Remove|Set|Complete|RecordLifecycleActionHeartbeat$)/.test(action);
}
