/**
 * Compute Engine Operation resources. Every mutation returns one; it goes PENDING → RUNNING →
 * DONE over `operationDelayMs`. The change itself is applied (or, for an operation that is to
 * fail, not applied) when the request arrives; the operation only reports progress, which is
 * what a client must wait for. A repeated `requestId` returns the first operation and changes
 * nothing again.
 */
import { randomBytes } from 'node:crypto';
import { notFound } from './errors.js';
import { resourceUrl, type ScopePath } from './urls.js';

/** What a failed operation reports in `error.errors[0]`. */
export interface OperationFailure {
  readonly code: string;
  readonly message: string;
  /** Default 400. */
  readonly httpErrorStatusCode?: number;
}

interface OperationRecord {
  readonly project: string;
  readonly scope: ScopePath;
  readonly name: string;
  readonly id: string;
  readonly operationType: string;
  readonly targetPath: string;
  readonly targetId: string;
  readonly requestId: string | undefined;
  readonly createdAt: number;
  readonly doneAt: number;
  readonly failure: OperationFailure | undefined;
}

/** The default failure for an operation made to fail without saying how. */
export const DEFAULT_OPERATION_FAILURE: OperationFailure = { code: 'RESOURCE_NOT_READY', message: "The resource is not ready", httpErrorStatusCode: 400 };

const HTTP_MESSAGES: Record<number, string> = { 400: 'BAD REQUEST', 403: 'FORBIDDEN', 404: 'NOT FOUND', 409: 'CONFLICT', 412: 'PRECONDITION FAILED', 500: 'INTERNAL SERVER ERROR', 503: 'SERVICE UNAVAILABLE' };

/** All operations of all projects, and the requestIds they were created with. */
export class OperationStore {
  private readonly byPath = new Map<string, OperationRecord>();
  private readonly byRequestId = new Map<string, OperationRecord>();
  private counter = 0;

  constructor(private readonly delayMs: () => number) {}

  /** The operation created earlier with this requestId in this project, if any. */
  findByRequestId(project: string, requestId: string | undefined): OperationRecord | undefined {
    return requestId === undefined ? undefined : this.byRequestId.get(`${project}|${requestId}`);
  }

  create(input: { project: string; scope: ScopePath; operationType: string; targetPath: string; targetId: string; requestId: string | undefined; failure: OperationFailure | undefined; now: number; newId: () => string }): OperationRecord {
    const name = `operation-${input.now}-${randomBytes(6).toString('hex')}-${(this.counter++).toString(16)}`;
    const record: OperationRecord = { ...input, name, id: input.newId(), createdAt: input.now, doneAt: input.now + this.delayMs() };
    this.byPath.set(this.path(input.project, input.scope, name), record);
    if (input.requestId !== undefined) this.byRequestId.set(`${input.project}|${input.requestId}`, record);
    return record;
  }

  get(project: string, scope: ScopePath, name: string): OperationRecord {
    const record = this.byPath.get(this.path(project, scope, name));
    if (!record) throw notFound(this.path(project, scope, name));
    return record;
  }

  /** How long until the operation is DONE, from `now` (0 if it is). */
  remainingMs(record: OperationRecord, now: number): number {
    return Math.max(0, record.doneAt - now);
  }

  /** The Operation resource as the API returns it at `now`. */
  render(record: OperationRecord, now: number): Record<string, unknown> {
    const total = record.doneAt - record.createdAt;
    const elapsed = now - record.createdAt;
    const status = now >= record.doneAt ? 'DONE' : elapsed < total / 4 ? 'PENDING' : 'RUNNING';
    const op: Record<string, unknown> = {
      kind: 'compute#operation',
      id: record.id,
      name: record.name,
      operationType: record.operationType,
      targetLink: resourceUrl(record.targetPath),
      targetId: record.targetId,
      status,
      user: 'drainctl-emulator@example.iam.gserviceaccount.com',
      progress: status === 'DONE' ? 100 : status === 'RUNNING' ? 50 : 0,
      insertTime: new Date(record.createdAt).toISOString(),
      selfLink: resourceUrl(this.path(record.project, record.scope, record.name)),
    };
    if (status !== 'PENDING') op.startTime = new Date(record.createdAt).toISOString();
    if (record.scope.startsWith('zones/')) op.zone = resourceUrl(`projects/${record.project}/${record.scope}`);
    if (record.scope.startsWith('regions/')) op.region = resourceUrl(`projects/${record.project}/${record.scope}`);
    if (record.requestId !== undefined) op.clientOperationId = record.requestId;
    if (status === 'DONE') {
      op.endTime = new Date(record.doneAt).toISOString();
      if (record.failure) {
        const http = record.failure.httpErrorStatusCode ?? 400;
        op.error = { errors: [{ code: record.failure.code, message: record.failure.message }] };
        op.httpErrorStatusCode = http;
        op.httpErrorMessage = HTTP_MESSAGES[http] ?? 'ERROR';
      }
    }
    return op;
  }

  private path(project: string, scope: ScopePath, name: string): string {
    return `projects/${project}/${scope}/operations/${name}`;
  }
}
