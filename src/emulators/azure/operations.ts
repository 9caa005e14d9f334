/**
 * Asynchronous operations as ARM runs them: a PUT answers at once with an Azure-AsyncOperation
 * URL whose status is InProgress until the operation's time is up, then Succeeded or Failed;
 * a POST answers 202 with a Location URL that serves the result once ready. Completion is
 * worked out from the clock whenever a request arrives, so nothing runs in the background.
 */
import { API_VERSION, type Json } from './model.js';

/** The error an operation can end with. */
export interface OperationError {
  readonly code: string;
  readonly message: string;
}

/** One asynchronous operation. */
export interface Operation {
  readonly id: string;
  readonly subscription: string;
  readonly location: string;
  readonly startedAt: number;
  readonly doneAt: number;
  /** Set when the operation is to end Failed. */
  readonly failure?: OperationError;
  /** Applies the outcome to the resource (provisioningState, or rolling back on failure). */
  readonly finish: (succeeded: boolean, now: number) => void;
  /** For Location-style operations: the result body, computed when the operation finishes. */
  readonly result?: (now: number) => Json;
  finished: boolean;
  resultBody?: Json;
}

/** Every operation of one emulator. */
export class OperationBook {
  private readonly operations = new Map<string, Operation>();
  private counter = 0;
  private pendingFailures: OperationError[] = [];

  /** Starts an operation lasting `durationMs`; the next injected failure, if any, is used up by it. */
  start(input: { subscription: string; location: string; now: number; durationMs: number; finish?: Operation['finish']; result?: Operation['result']; mayFail: boolean }): Operation {
    this.counter += 1;
    const id = `00000000-0000-0000-0001-${this.counter.toString(16).padStart(12, '0')}`;
    const failure = input.mayFail ? this.pendingFailures.shift() : undefined;
    const operation: Operation = {
      id,
      subscription: input.subscription,
      location: input.location,
      startedAt: input.now,
      doneAt: input.now + input.durationMs,
      failure,
      finish: input.finish ?? (() => {}),
      result: input.result,
      finished: false,
    };
    this.operations.set(id, operation);
    return operation;
  }

  /** Makes the next `count` write operations end Failed with `error`. */
  failNext(count: number, error: OperationError): void {
    for (let i = 0; i < count; i++) this.pendingFailures.push(error);
  }

  /** Finishes every operation whose time is up, in start order. */
  settle(now: number): void {
    for (const op of this.operations.values()) {
      if (op.finished || op.doneAt > now) continue;
      op.finished = true;
      op.finish(op.failure === undefined, now);
      if (op.result && op.failure === undefined) op.resultBody = op.result(now);
    }
  }

  get(id: string): Operation | undefined {
    return this.operations.get(id.toLowerCase());
  }

  /** The operation's status document (`GET …/operations/{id}`). */
  status(op: Operation): Json {
    const status = !op.finished ? 'InProgress' : op.failure ? 'Failed' : 'Succeeded';
    return {
      id: `/subscriptions/${op.subscription}/providers/Microsoft.Network/locations/${op.location}/operations/${op.id}`,
      name: op.id,
      status,
      startTime: new Date(op.startedAt).toISOString(),
      ...(op.finished && { endTime: new Date(op.doneAt).toISOString() }),
      ...(op.finished && op.failure && { error: { code: op.failure.code, message: op.failure.message } }),
    };
  }
}

/** The Azure-AsyncOperation URL of an operation. */
export function asyncOperationUrl(base: string, op: Operation): string {
  return `${base}/subscriptions/${op.subscription}/providers/Microsoft.Network/locations/${op.location}/operations/${op.id}?api-version=${API_VERSION}`;
}

/** The Location URL of an operation's result. */
export function operationResultUrl(base: string, op: Operation): string {
  return `${base}/subscriptions/${op.subscription}/providers/Microsoft.Network/locations/${op.location}/operationResults/${op.id}?api-version=${API_VERSION}`;
}
