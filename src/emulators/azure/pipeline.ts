/**
 * What happens to one request, independent of HTTP: route it, inject faults, apply ARM's
 * subscription throttling, run it against the stores, and log the outcome.
 */
import { type FaultKind, type FaultOptions, injectFaults } from '../shared/faults.js';
import type { PipelineBase, RuntimeSettings } from '../shared/pipeline.js';
import { ArmError, errorBody, invalidContent } from './errors.js';
import type { AcceptedWrite, GatewayStore } from './gateways.js';
import type { LoadBalancerStore } from './load-balancers.js';
import { type Operation, type OperationBook, asyncOperationUrl, operationResultUrl } from './operations.js';
import type { AzureRequestLogEntry } from './request-log.js';
import { type Route, actionOf, routeOf, subscriptionOf } from './routes.js';
import type { ArmRateLimiter } from './throttle.js';

/** One decoded HTTP request. */
export interface AzureRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** `http://host:port` as the client addressed the emulator, for operation URLs. */
  readonly base: string;
  readonly ifMatch?: string;
  readonly authorization: boolean;
  readonly body: unknown;
  /** Why the body is not JSON, when it is not: the request is answered 400 InvalidRequestContent once routed. */
  readonly malformed?: string;
}

/** What the HTTP layer sends back. */
export interface AzureReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
  /** Destroy the connection instead of answering. */
  readonly reset?: boolean;
}

/** What a test hook sees before a request is handled. */
export interface RequestInfo {
  readonly method: string;
  readonly path: string;
  readonly action: string;
}

/** Settings read on every request, so tests can change them. */
export interface PipelineSettings extends RuntimeSettings<FaultOptions, 'arm' | 'off'> {
  retryAfterSeconds: number;
  hooks: ((info: RequestInfo) => void | Promise<void>)[];
}

export interface PipelineDeps extends PipelineBase<AzureRequestLogEntry, ArmRateLimiter, PipelineSettings> {
  readonly operations: OperationBook;
  readonly gateways: GatewayStore;
  readonly loadBalancers: LoadBalancerStore;
}

const SERVER_ERRORS = {
  500: new ArmError(500, 'InternalServerError', 'An error occurred.'),
  503: new ArmError(503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please try again later.'),
} as const;

/** Handles decoded requests against the emulated resources. */
export class AzurePipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async handle(request: AzureRequest): Promise<AzureReply> {
    const { clock, log, settings } = this.deps;
    const at = clock.now();
    const route = routeOf(request.path);
    const action = actionOf(request.method, route);
    const base = { at, method: request.method, path: request.path, action, mutating: request.method === 'PUT' && action !== 'unknown', authorization: request.authorization, ...(request.ifMatch !== undefined && { ifMatch: request.ifMatch }) };
    const answer = (reply: AzureReply, extra: { errorCode?: string; fault?: FaultKind } = {}): AzureReply => {
      log.append({ ...base, status: reply.status, ...extra });
      return reply;
    };
    const refuse = (error: ArmError, headers: Record<string, string> = {}, fault?: Exclude<FaultKind, 'reset'>): AzureReply =>
      answer({ status: error.status, headers: { ...error.headers, ...headers }, body: errorBody(error) }, { errorCode: error.code, ...(fault && { fault }) });

    if (!route) return refuse(new ArmError(404, 'NotFound', `The emulator does not serve ${request.method} ${request.path}.`));
    if (action === 'unknown') return refuse(new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${request.method}'.`));
    if (!request.query.get('api-version')) return refuse(new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests."));
    for (const hook of settings.hooks) await hook({ method: request.method, path: request.path, action });

    const plan = await injectFaults(settings.faults, this.deps.random);
    const latency = plan.latencyMs > 0 ? ('latency' as const) : undefined;
    const subscription = subscriptionOf(route);
    if (plan.fault === 'throttle') return refuse(throttled(subscription, request.method === 'GET' ? 'read' : 'write', 1), {}, 'throttle');
    const decision = settings.throttle === 'arm' ? this.deps.limiter.take(subscription, request.method) : undefined;
    const rateHeaders: Record<string, string> = decision ? { [decision.header]: String(decision.remaining) } : {};
    if (decision && !decision.allowed) return refuse(throttled(subscription, decision.kind === 'reads' ? 'read' : 'write', decision.retryAfterSeconds), rateHeaders, latency);
    if (plan.fault === 'server_error') return refuse(SERVER_ERRORS[plan.serverStatus ?? 500], rateHeaders, 'server_error');

    // A reset loses the response, not the request: the call takes effect first.
    const reset = plan.fault === 'reset';
    const fault = reset ? ('reset' as const) : latency;
    try {
      this.deps.operations.settle(clock.now());
      const reply = this.run(route, request);
      return { ...answer({ ...reply, headers: { ...rateHeaders, ...reply.headers } }, fault ? { fault } : {}), reset };
    } catch (err) {
      const error = err instanceof ArmError ? err : new ArmError(500, 'InternalServerError', `The emulator failed: ${(err as Error).message}`);
      return { ...refuse(error, rateHeaders, fault === 'reset' ? undefined : fault), reset };
    }
  }

  private run(route: Route, request: AzureRequest): AzureReply {
    if (request.malformed !== undefined) throw invalidContent(request.malformed);
    const { gateways, loadBalancers, operations, clock } = this.deps;
    const now = clock.now();
    const retryAfter = { 'Retry-After': String(this.deps.settings.retryAfterSeconds) };
    const accepted = (write: AcceptedWrite): AzureReply => ({
      status: write.created ? 201 : 200,
      headers: { 'Azure-AsyncOperation': asyncOperationUrl(request.base, write.operation), ...retryAfter },
      body: write.body,
    });
    const started = (op: Operation): AzureReply => ({ status: 202, headers: { Location: operationResultUrl(request.base, op), ...retryAfter } });
    switch (route.kind) {
      case 'gateway':
        return request.method === 'GET' ? { status: 200, headers: {}, body: gateways.get(route.name) } : accepted(gateways.put(route.name, request.body, request.ifMatch, now));
      case 'backendHealth':
        return started(gateways.backendHealth(route.name, now));
      case 'loadBalancer':
        return { status: 200, headers: {}, body: loadBalancers.get(route.name) };
      case 'pool':
        return request.method === 'GET' ? { status: 200, headers: {}, body: loadBalancers.getPool(route.name, route.pool) } : accepted(loadBalancers.putPool(route.name, route.pool, request.body, request.ifMatch, now));
      case 'ruleHealth':
        return started(loadBalancers.ruleHealth(route.name, route.rule, now));
      case 'operation': {
        const op = operations.get(route.id);
        if (!op || op.subscription.toLowerCase() !== route.subscription.toLowerCase()) throw new ArmError(404, 'NotFound', `Operation ${route.id} not found.`);
        return { status: 200, headers: op.finished ? {} : retryAfter, body: operations.status(op) };
      }
      case 'operationResult': {
        const op = operations.get(route.id);
        if (!op || op.subscription.toLowerCase() !== route.subscription.toLowerCase()) throw new ArmError(404, 'NotFound', `Operation ${route.id} not found.`);
        if (!op.finished) return { status: 202, headers: { Location: operationResultUrl(request.base, op), ...retryAfter } };
        if (op.failure) throw new ArmError(500, op.failure.code, op.failure.message);
        return op.resultBody ? { status: 200, headers: {}, body: op.resultBody } : { status: 204, headers: {} };
      }
    }
  }
}

function throttled(subscription: string, kind: 'read' | 'write', seconds: number): ArmError {
  return new ArmError(
    429,
    'SubscriptionRequestsThrottled',
    `Number of '${kind}' requests for subscription '${subscription}' exceeded. Please try again after '${seconds}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling`,
    { 'Retry-After': String(seconds) },
  );
}
