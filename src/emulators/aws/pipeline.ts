/**
 * What happens to one decoded request, independent of HTTP: pick the API (ELBv2, Classic ELB,
 * Auto Scaling or EC2) by Version, inject
 * faults, apply the token buckets, run the action, render the XML and log the outcome.
 */
import { randomUUID } from 'node:crypto';
import { injectFaults, type FaultOptions } from '../shared/faults.js';
import type { PipelineBase, RuntimeSettings } from '../shared/pipeline.js';
import { ApiError, accessDenied, throttlingError } from './errors.js';
import type { QueryParams } from './query.js';
import { isMutatingAction, type RequestLogEntry } from './request-log.js';
import type { EmulatedService } from './service.js';
import type { ElbRateLimiter } from './throttle.js';
import { errorDocument, successDocument } from './xml.js';

/** What the HTTP layer should send back. */
export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly requestId: string;
  /** Destroy the connection instead of answering. */
  readonly reset: boolean;
}

/** The pieces a pipeline works with; `faults` and `throttle` are read on every request so they can change at runtime. */
export interface PipelineDeps extends PipelineBase<RequestLogEntry, ElbRateLimiter, RuntimeSettings<FaultOptions, 'aws' | 'off'>> {
  readonly services: readonly EmulatedService[];
}

const SERVER_ERRORS = {
  500: new ApiError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500),
  503: new ApiError('ServiceUnavailable', 'The request has failed due to a temporary failure of the server.', 503),
} as const;

// Presigned GET requests carry the signature and credential scope as X-Amz-* query parameters.
function loggableParams(params: QueryParams): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter(([key]) => !/^x-amz-/i.test(key)));
}

/** Handles decoded requests against a set of emulated APIs. */
export class RequestPipeline {
  private readonly byVersion: ReadonlyMap<string, EmulatedService>;

  constructor(private readonly deps: PipelineDeps) {
    this.byVersion = new Map(deps.services.map((s) => [s.version, s]));
  }

  /** Answers one request. */
  async handle(params: QueryParams): Promise<Reply> {
    const { clock, log, settings } = this.deps;
    const at = clock.now();
    const requestId = randomUUID();
    const action = params.Action ?? '';
    const service = this.byVersion.get(params.Version ?? '');
    const fallbackNamespace = this.deps.services[0]?.namespace ?? '';
    const base = { at, action, params: loggableParams(params), mutating: isMutatingAction(action) };

    const refuse = (namespace: string, error: ApiError, entry: Partial<RequestLogEntry> = {}): Reply => {
      log.append({ ...base, service: service?.name ?? 'unknown', status: error.status, errorCode: error.code, ...entry });
      const body = service?.documents
        ? service.documents.error(error.status, error.code, error.message, requestId)
        : errorDocument(namespace, error.status, error.code, error.message, requestId);
      return { status: error.status, body, requestId, reset: false };
    };

    if (action === '') return refuse(service?.namespace ?? fallbackNamespace, new ApiError('MissingAction', 'The request must contain the parameter Action.'));
    if (!service) {
      const version = params.Version === undefined ? 'no Version parameter' : `version ${params.Version}`;
      return refuse(fallbackNamespace, new ApiError('NoSuchVersion', `The requested ${version} is not one of this endpoint's APIs (ELBv2 2015-12-01, Classic ELB 2012-06-01, Auto Scaling 2011-01-01, EC2 2016-11-15).`));
    }
    // hasOwn: an Action such as "toString" must not reach Object.prototype.
    const handler = Object.hasOwn(service.actions, action) ? service.actions[action] : undefined;
    if (!handler) return refuse(service.namespace, new ApiError('InvalidAction', `Could not find operation ${action} for version ${service.version}`));

    const plan = await injectFaults(settings.faults, this.deps.random);
    const latency = plan.latencyMs > 0 ? { fault: 'latency' as const } : {};

    if (settings.faults.deniedActions?.includes(action)) return refuse(service.namespace, service.accessDenied?.(action) ?? accessDenied(action));
    const throttled = service.throttlingError?.() ?? throttlingError();
    if (plan.fault === 'throttle') return refuse(service.namespace, throttled, { fault: 'throttle' });
    if (settings.throttle === 'aws' && !this.deps.limiter.allow(service.name, action)) return refuse(service.namespace, throttled, latency);
    if (plan.fault === 'server_error') return refuse(service.namespace, SERVER_ERRORS[plan.serverStatus ?? 500], { fault: 'server_error' });

    // A reset loses the response, not the request: the action runs first, so a client that
    // retries a mutating call must cope with it having already taken effect.
    const reset = plan.fault === 'reset';
    const fault = reset ? { fault: 'reset' as const } : latency;
    try {
      const now = clock.now();
      for (const s of this.deps.services) s.settle?.(now);
      const result = handler(params, now);
      log.append({ ...base, service: service.name, status: 200, ...fault });
      const body = service.documents ? service.documents.success(action, result, requestId) : successDocument(action, service.namespace, result, requestId);
      return { status: 200, body, requestId, reset };
    } catch (err) {
      const error = err instanceof ApiError ? err : new ApiError('InternalFailure', `The emulator failed: ${(err as Error).message}`, 500);
      return { ...refuse(service.namespace, error, fault), reset };
    }
  }
}
