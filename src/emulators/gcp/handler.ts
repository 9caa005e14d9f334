/** What every emulated API method gets, and the helpers mutations share. */
import type { Clock } from '../shared/clock.js';
import { badRequest, invalidField } from './errors.js';
import type { OperationFailure, OperationStore } from './operations.js';
import type { ScopePath } from './urls.js';
import type { ProjectState, World } from './world.js';

/** One request, decoded, with the project it names. */
export interface HandlerContext {
  readonly world: World;
  readonly ops: OperationStore;
  readonly project: ProjectState;
  /** Path captures: zone, region, name… */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly clock: Clock;
  /** Longest a `wait` call holds the request before answering with a not-yet-DONE operation. */
  readonly operationWaitMaxMs: number;
  /** Fires when the client goes away, so a held `wait` stops. */
  readonly signal: AbortSignal;
  /** Whether the operation this mutation creates is to fail (injected), decided once per mutation. */
  nextOperationFailure(): OperationFailure | undefined;
}

/** A method: returns the JSON body of a 200, or throws a GcpApiError. */
export type Handler = (ctx: HandlerContext) => unknown;

/** One served path. */
export interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH';
  /** Matched against the path after `/compute/v1/projects/{project}/`. */
  readonly pattern: RegExp;
  readonly action: string;
  readonly mutating: boolean;
  readonly handler: Handler;
}

/** Path-segment patterns for route regexps: a resource name, a zone, a region. */
export const NAME = '([a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)';
export const ZONE = '([a-z]+-[a-z]+[0-9]+-[a-z])';
export const REGION = '([a-z]+-[a-z]+[0-9]+)';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The request body as an object (an absent body counts as `{}`). */
export function bodyObject(ctx: HandlerContext): Record<string, unknown> {
  const body = ctx.body;
  if (body === undefined || body === '' || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('Invalid JSON payload received. Expected an object.', 'parseError');
  return body as Record<string, unknown>;
}

/** The mutation's requestId, checked as the API checks it (a UUID other than the zero UUID). */
export function requestIdOf(ctx: HandlerContext): string | undefined {
  const requestId = ctx.query.get('requestId') ?? undefined;
  if (requestId === undefined || requestId === '') return undefined;
  if (!UUID.test(requestId) || /^[0-]+$/.test(requestId)) throw invalidField('requestId', requestId, 'The request ID must be a valid UUID (the zero UUID is not allowed).');
  return requestId;
}

/**
 * Runs one mutation: a repeated requestId answers with the first operation and changes nothing;
 * otherwise `validate` may refuse (4xx, no operation), and `apply` runs unless the operation is
 * to fail.
 */
export function mutate(
  ctx: HandlerContext,
  spec: { scope: ScopePath; operationType: string; targetPath: string; targetId: string; validate: () => (() => void) },
): Record<string, unknown> {
  const requestId = requestIdOf(ctx);
  const now = ctx.clock.now();
  const earlier = ctx.ops.findByRequestId(ctx.project.id, requestId);
  if (earlier) return ctx.ops.render(earlier, now);
  const apply = spec.validate();
  const failure = ctx.nextOperationFailure();
  if (!failure) apply();
  const record = ctx.ops.create({ project: ctx.project.id, scope: spec.scope, operationType: spec.operationType, targetPath: spec.targetPath, targetId: spec.targetId, requestId, failure, now, newId: () => ctx.world.newId() });
  return ctx.ops.render(record, now);
}

/** One page of a list: `maxResults` (default and cap 500) and an opaque `pageToken`. */
export function page<T>(items: readonly T[], ctx: HandlerContext): { items?: T[]; nextPageToken?: string } {
  const max = Math.min(500, Math.max(1, Number(ctx.query.get('maxResults') ?? 500) || 500));
  const token = ctx.query.get('pageToken');
  const start = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(start) || start < 0) throw invalidField('pageToken', token, 'The page token is not valid.');
  const slice = items.slice(start, start + max);
  const out: { items?: T[]; nextPageToken?: string } = {};
  if (slice.length > 0) out.items = slice;
  if (start + max < items.length) out.nextPageToken = Buffer.from(String(start + max), 'utf8').toString('base64url');
  return out;
}
