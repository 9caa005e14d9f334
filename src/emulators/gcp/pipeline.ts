/**
 * What happens to one request, independent of HTTP: route it, inject faults, apply the rate
 * quota, run the method, and log the outcome.
 */
import { injectFaults } from '../shared/faults.js';
import type { PipelineBase, RuntimeSettings } from '../shared/pipeline.js';
import { backendServiceRoutes } from './backend-services.js';
import { GcpApiError, badRequest, rateLimitExceeded, serverError } from './errors.js';
import { DEFAULT_LATENCY_MS, type FaultKind, type FaultOptions } from './faults.js';
import type { HandlerContext, Route } from './handler.js';
import { instanceGroupRoutes } from './instance-groups.js';
import { networkEndpointGroupRoutes } from './network-endpoint-groups.js';
import { operationRoutes } from './operation-routes.js';
import { DEFAULT_OPERATION_FAILURE, type OperationFailure, type OperationStore } from './operations.js';
import type { RequestLogEntry } from './request-log.js';
import type { ComputeRateLimiter } from './throttle.js';
import type { World } from './world.js';

/** A decoded HTTP request. */
export interface IncomingRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** The parsed JSON body; undefined when there was none. */
  readonly body: unknown;
  readonly bodyError?: string;
  readonly headerNames: readonly string[];
  readonly signal: AbortSignal;
}

/** What the HTTP layer should send back. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  /** Destroy the connection instead of answering. */
  readonly reset: boolean;
}

/** Settings read on every request, so they can change while the emulator runs. */
export interface PipelineSettings extends RuntimeSettings<FaultOptions, 'gcp' | 'off'> {
  throttleStatus: 403 | 429;
  readonly operationFailures: OperationFailure[];
}

export interface PipelineDeps extends PipelineBase<RequestLogEntry, ComputeRateLimiter, PipelineSettings> {
  readonly world: World;
  readonly ops: OperationStore;
  readonly operationWaitMaxMs: number;
}

const ROUTES: readonly Route[] = [...backendServiceRoutes, ...instanceGroupRoutes, ...networkEndpointGroupRoutes, ...operationRoutes];
const PREFIX = /^\/compute\/v1\/projects\/([^/]+)\/(.+)$/;

function findRoute(method: string, path: string): { route: Route; project: string; params: Record<string, string> } | undefined {
  const m = PREFIX.exec(path);
  if (!m) return undefined;
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(m[2]!);
    if (match) return { route, project: decodeURIComponent(m[1]!), params: { ...(match.groups ?? {}) } };
  }
  return undefined;
}

/** Handles decoded requests against the emulated projects. */
export class RequestPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async handle(request: IncomingRequest): Promise<Reply> {
    const { clock, log, settings } = this.deps;
    const at = clock.now();
    const found = findRoute(request.method, request.path);
    const requestId = request.query.get('requestId') ?? undefined;
    const base = { at, method: request.method, path: request.path, action: found?.route.action ?? 'unknown', project: found?.project, mutating: found?.route.mutating ?? false, headerNames: request.headerNames, ...(requestId ? { requestId } : {}) };
    const refuse = (error: GcpApiError, extra: Partial<RequestLogEntry> = {}, reset = false): Reply => {
      log.append({ ...base, status: error.status, reason: error.reason, ...extra });
      return { status: error.status, body: error.toJson(), reset };
    };

    if (!found) return refuse(new GcpApiError(404, 'notFound', `The requested URL ${request.method} ${request.path} was not found on this server.`));
    const plan = await injectFaults(settings.faults, this.deps.random, DEFAULT_LATENCY_MS);
    const group = found.route.mutating ? 'write' : 'read';
    if (plan.fault === 'throttle') return refuse(rateLimitExceeded(settings.throttleStatus, group), { fault: 'throttle' });
    if (settings.throttle === 'gcp' && !this.deps.limiter.allow(found.project, group)) return refuse(rateLimitExceeded(settings.throttleStatus, group));
    if (plan.fault === 'server_error') return refuse(serverError(plan.serverStatus ?? 500), { fault: 'server_error' });
    if (request.bodyError) return refuse(badRequest(`Invalid JSON payload received. ${request.bodyError}`, 'parseError'));

    // A reset loses the response, not the request: the method runs first, so a client that
    // retries a mutation must cope with it having already taken effect (or reuse its requestId).
    const reset = plan.fault === 'reset';
    let fault: FaultKind | undefined = reset ? 'reset' : undefined;
    const nextOperationFailure = (): OperationFailure | undefined => {
      const rate = settings.faults.operationErrorRate ?? 0;
      const failure = settings.operationFailures.shift() ?? (rate > 0 && this.deps.random() < rate ? DEFAULT_OPERATION_FAILURE : undefined);
      if (failure) fault ??= 'operation_error';
      return failure;
    };
    try {
      const ctx: HandlerContext = {
        world: this.deps.world,
        ops: this.deps.ops,
        project: this.deps.world.project(found.project),
        params: found.params,
        query: request.query,
        body: request.body,
        clock,
        operationWaitMaxMs: this.deps.operationWaitMaxMs,
        signal: request.signal,
        nextOperationFailure,
      };
      const body = await found.route.handler(ctx);
      log.append({ ...base, status: 200, ...(fault ? { fault } : {}) });
      return { status: 200, body, reset };
    } catch (err) {
      const error = err instanceof GcpApiError ? err : new GcpApiError(500, 'backendError', `The emulator failed: ${(err as Error).message}`);
      return refuse(error, fault ? { fault } : {}, reset);
    }
  }
}
