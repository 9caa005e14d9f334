/**
 * What the application gateway and load balancer stores share: resources by key, each with its
 * etag and the operation holding it; If-Match and one-operation-at-a-time checks on writes.
 */
import { ArmError, resourceNotFound } from './errors.js';
import { type Json, type ResourceName, resourceKey } from './model.js';
import type { Operation, OperationBook } from './operations.js';

/** Etags: `W/"<guid>"`, a fresh one on every write. */
export class EtagSource {
  private counter = 0;
  next(): string {
    this.counter += 1;
    return `W/"00000000-0000-0000-0000-${this.counter.toString(16).padStart(12, '0')}"`;
  }
}

/** One stored resource. */
export interface StoredEntry<H> {
  readonly name: ResourceName;
  resource: Json;
  etag: string;
  /** Health by lower-cased address or address name. */
  readonly health: Map<string, H>;
  /** The operation that holds the resource, finished or not. */
  busy?: Operation;
}

/** How long operations take, and where resources that name no location live. */
export interface StoreSettings {
  readonly operationDelayMs: number;
  readonly location: string;
}

/** Resources of one type (`type` as ARM names it in 404s), by key. */
export abstract class ResourceStore<H, E extends StoredEntry<H>> {
  protected readonly entries = new Map<string, E>();

  constructor(
    protected readonly operations: OperationBook,
    protected readonly etags: EtagSource,
    protected readonly settings: StoreSettings,
    private readonly type: string,
  ) {}

  /** For tests: another client's operation holds the resource for `ms`. */
  occupy(name: ResourceName, now: number, ms: number): void {
    const entry = this.entry(name);
    entry.busy = this.startOperation(name, entry.resource, now, { durationMs: ms, mayFail: false });
  }

  /** Starts an operation on `resource` (in its location); it lasts `operationDelayMs` unless `durationMs` says otherwise. */
  protected startOperation(name: ResourceName, resource: Json, now: number, input: { durationMs?: number; mayFail: boolean; finish?: Operation['finish']; result?: Operation['result'] }): Operation {
    return this.operations.start({
      subscription: name.subscription,
      location: String(resource.location ?? this.settings.location),
      now,
      durationMs: input.durationMs ?? this.settings.operationDelayMs,
      mayFail: input.mayFail,
      finish: input.finish,
      result: input.result,
    });
  }

  protected entry(name: ResourceName): E {
    const entry = this.entries.get(resourceKey(name));
    if (!entry) throw resourceNotFound(this.type, name.name, name.resourceGroup);
    return entry;
  }
}

/** Seeded health, keyed as the stores look it up (lower case). */
export function healthByKey<H>(health: Readonly<Record<string, H>>): Map<string, H> {
  return new Map(Object.entries(health).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Refuses a write whose If-Match is stale (412), or that arrives while an operation holds the resource (409). */
export function checkWritable(current: { readonly etag: string; readonly busy?: Operation } | undefined, ifMatch: string | undefined): void {
  if (ifMatch !== undefined && ifMatch !== '*' && current?.etag !== ifMatch) {
    throw new ArmError(412, 'PreconditionFailed', 'The condition specified using HTTP conditional header(s) is not met.');
  }
  const op = current?.busy;
  if (op && !op.finished) {
    throw new ArmError(
      409,
      'AnotherOperationInProgress',
      `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: /subscriptions/${op.subscription}/providers/Microsoft.Network/locations/${op.location}/operations/${op.id}. Details: Operation Id: ${op.id}`,
    );
  }
}
