/**
 * A local Compute Engine endpoint (the load-balancing subset: backend services, instance groups,
 * network endpoint groups, operations) that speaks the real REST/JSON wire protocol, for testing
 * drains with the real @google-cloud/compute client and no cloud account.
 */
import { systemClock } from '../shared/clock.js';
import { emulatorHandle, nonNegativeInteger, type EmulatorHandle, type EmulatorOptions } from '../shared/emulator.js';
import { RequestLog } from '../shared/request-log.js';
import { validateFaults, type FaultOptions } from './faults.js';
import { DEFAULT_OPERATION_FAILURE, OperationStore, type OperationFailure } from './operations.js';
import { RequestPipeline, type PipelineSettings } from './pipeline.js';
import type { RequestLogEntry } from './request-log.js';
import { parseSeed, type GcpSeed } from './seed.js';
import { listen } from './server.js';
import { COMPUTE_RATE_LIMITS, ComputeRateLimiter, type RateLimits } from './throttle.js';
import { World } from './world.js';

export { demoSeed } from './demo-seed.js';
export { mulberry32, DEFAULT_LATENCY_MS, type FaultKind, type FaultOptions } from './faults.js';
export type { RequestLogEntry } from './request-log.js';
export { loadSeedFile, parseSeed } from './seed.js';
export type {
  BackendSeed,
  BackendServiceSeed,
  GcpSeed,
  InstanceGroupSeed,
  InstanceSeed,
  ManagedInstanceGroupSeed,
  NetworkEndpointGroupSeed,
  NetworkEndpointSeed,
  ProjectSeed,
  ScopeSeed,
  SeedHealth,
  ZoneSeed,
} from './seed.js';
export { COMPUTE_RATE_LIMITS, type RateGroup, type RateLimits } from './throttle.js';
export { DEFAULT_OPERATION_FAILURE, type OperationFailure } from './operations.js';
export { COMPUTE_URL_PREFIX } from './urls.js';
export type { Clock } from '../shared/clock.js';

/** Throttling mode: Compute Engine's per-project rate quotas, or none. */
export type GcpThrottleMode = 'gcp' | 'off';

/** Options for `startGcpEmulator`. */
export interface GcpEmulatorOptions extends EmulatorOptions<GcpSeed, FaultOptions, GcpThrottleMode> {
  /** Requests per minute per project and group; default 1,500 each (COMPUTE_RATE_LIMITS). */
  readonly rateLimits?: Partial<RateLimits>;
  /** HTTP status of a rate-quota refusal: 403 as the Compute Engine docs say (default), or 429. */
  readonly throttleStatus?: 403 | 429;
  /** Default: 5 ms latency, no other faults. */
  readonly faults?: FaultOptions;
  /** How long an operation takes from PENDING to DONE; default 200. */
  readonly operationDelayMs?: number;
  /** Longest a `wait` call holds before answering with an unfinished operation; default 30000 (Google: about 2 minutes). */
  readonly operationWaitMaxMs?: number;
  /** How long after joining a group a VM or endpoint fails its health check; default 1000. Seeded members start healthy. */
  readonly healthyAfterMs?: number;
  /** Keep detached NEG endpoints listed as DRAINING for the draining timeout (unconfirmed real behaviour); default false. */
  readonly showDrainingEndpoints?: boolean;
}

/** A running emulator; `mutatingCalls` are patch, add/removeInstances and attach/detachNetworkEndpoints. */
export interface GcpEmulator extends EmulatorHandle<RequestLogEntry, FaultOptions, { action?: string; project?: string }, GcpThrottleMode> {
  /** Makes the next mutation's operation finish DONE with this error (default RESOURCE_NOT_READY), changing nothing. */
  failNextOperation(failure?: OperationFailure): void;
}

/** Starts an emulator; resolves once it is listening. */
export async function startGcpEmulator(options: GcpEmulatorOptions = {}): Promise<GcpEmulator> {
  // Re-validating catches hand-built seeds too, not only those read by loadSeedFile.
  const seed = parseSeed(options.seed ?? {}, 'seed');
  const clock = options.clock ?? systemClock;
  const operationDelayMs = nonNegativeInteger('operationDelayMs', options.operationDelayMs ?? 200);
  const operationWaitMaxMs = nonNegativeInteger('operationWaitMaxMs', options.operationWaitMaxMs ?? 30_000);
  const healthyAfterMs = nonNegativeInteger('healthyAfterMs', options.healthyAfterMs ?? 1000);
  const limits: RateLimits = { ...COMPUTE_RATE_LIMITS, ...options.rateLimits };
  for (const [group, perMinute] of Object.entries(limits)) if (!(perMinute >= 1)) throw new Error(`rateLimits.${group} must be at least 1 request a minute (got ${perMinute})`);
  const world = new World(seed, healthyAfterMs, clock.now(), options.showDrainingEndpoints ?? false);
  const ops = new OperationStore(() => operationDelayMs);
  const log = new RequestLog<RequestLogEntry>();
  const limiter = new ComputeRateLimiter(clock, limits);
  const settings: PipelineSettings = { faults: validateFaults(options.faults ?? {}), throttle: options.throttle ?? 'gcp', throttleStatus: options.throttleStatus ?? 403, operationFailures: [] };
  const pipeline = new RequestPipeline({ world, ops, clock, random: options.random ?? Math.random, limiter, log, settings, operationWaitMaxMs });
  const endpoint = await listen(options.host ?? '127.0.0.1', options.port ?? 0, (request) => pipeline.handle(request));

  return emulatorHandle<GcpEmulator>(
    { endpoint, log, filterKeys: ['action', 'project'], settings, validateFaults, throttleOn: 'gcp', limiter },
    {
      failNextOperation(failure = DEFAULT_OPERATION_FAILURE) {
        settings.operationFailures.push(failure);
      },
    },
  );
}
