/**
 * A local Azure Resource Manager endpoint for the Microsoft.Network calls drainctl makes:
 * application gateways (whole-gateway GET/PUT, backend health) and load balancer backend
 * pools (GET/PUT, rule health), with etags, If-Match, asynchronous operations, ARM
 * throttling and injectable faults. Plain http, no dependencies; for the real
 * @azure/arm-network client and drainctl's Azure providers, without an Azure account.
 */
import { systemClock, type Clock } from '../aws/clock.js';
import { type FaultOptions, validateFaults } from '../aws/faults.js';
import { listen } from './server.js';
import { EtagSource, GatewayStore } from './gateways.js';
import { LoadBalancerStore } from './load-balancers.js';
import { type Json, type ResourceName, clone, parseResourceId } from './model.js';
import { OperationBook, type OperationError } from './operations.js';
import { AzurePipeline, type RequestInfo } from './pipeline.js';
import { AzureRequestLog, type AzureRequestLogEntry } from './request-log.js';
import { type AzureSeed, type GatewayServerHealth, type ProbeHealth, parseSeed } from './seed.js';
import { ArmRateLimiter } from './throttle.js';

export { demoSeed, DEMO_RESOURCE_GROUP, DEMO_SUBSCRIPTION } from './demo-seed.js';
export { mulberry32, type FaultKind, type FaultOptions } from '../aws/faults.js';
export { API_VERSION, type Json, type ResourceName } from './model.js';
export { OFFICIAL_EXAMPLE_FILES, seedFromOfficialExamples, type OfficialExampleOptions } from './official-examples.js';
export type { AzureRequestLogEntry } from './request-log.js';
export type { RequestInfo } from './pipeline.js';
export { loadSeedFile, parseSeed } from './seed.js';
export type { ApplicationGatewaySeed, AzureSeed, GatewayServerHealth, LoadBalancerSeed, ProbeHealth } from './seed.js';
export { ARM_RATES } from './throttle.js';
export type { Clock } from '../aws/clock.js';
export type { OperationError } from './operations.js';

/** Throttling mode: ARM's published subscription buckets, or none. */
export type AzureThrottleMode = 'arm' | 'off';

/** Options for `startAzureEmulator`. */
export interface AzureEmulatorOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  readonly seed?: AzureSeed;
  /** Default 'arm'. */
  readonly throttle?: AzureThrottleMode;
  /** Default `{ latencyMs: 1 }`: a little latency so request ordering is not an accident of the event loop. */
  readonly faults?: FaultOptions;
  /** How long every asynchronous operation stays InProgress; default 200. */
  readonly operationDelayMs?: number;
  /** The Retry-After sent with operation URLs; default 0 (clients then poll at their own interval). */
  readonly retryAfterSeconds?: number;
  /** Default wall-clock time. */
  readonly clock?: Clock;
  /** Default Math.random; pass `mulberry32(n)` for repeatable faults. */
  readonly random?: () => number;
}

/** Which resource a test helper acts on. */
export type ResourceRef = { readonly subscription: string; readonly resourceGroup: string; readonly name: string };

/** A running emulator. */
export interface AzureEmulator {
  readonly url: string;
  readonly port: number;
  readonly requestLog: readonly AzureRequestLogEntry[];
  /** Log entries of state-changing requests (PUTs). */
  mutatingCalls(): AzureRequestLogEntry[];
  /** How many logged requests match the filter (all when no filter). */
  callCount(filter?: { action?: string; method?: string }): number;
  clearLog(): void;
  /** Replaces the fault settings for requests that arrive from now on. */
  setFaults(faults: FaultOptions): void;
  /** Switches throttling; switching to 'arm' starts with full buckets. */
  setThrottle(mode: AzureThrottleMode): void;
  /** Runs `hook` before each routed request is handled (after logging nothing yet); returns a remover. */
  onRequest(hook: (info: RequestInfo) => void | Promise<void>): () => void;
  /** The next `count` write operations (PUTs) end Failed with `error`. */
  failNextOperations(count: number, error?: OperationError): void;
  /** A copy of a gateway as GET would return it. */
  gateway(ref: ResourceRef): Json;
  /** Someone else changes a gateway: the change is applied at once and the etag moves on. */
  modifyGateway(ref: ResourceRef, change: (resource: Json) => void): void;
  /** A copy of a load balancer as GET would return it. */
  loadBalancer(ref: ResourceRef): Json;
  /** Someone else changes a load balancer (its pools included); the etag moves on. */
  modifyLoadBalancer(ref: ResourceRef, change: (resource: Json) => void): void;
  /** Another client's operation holds the resource for `ms`: PUTs meanwhile get 409 AnotherOperationInProgress. */
  occupy(kind: 'applicationGateway' | 'loadBalancer', ref: ResourceRef, ms: number): void;
  setGatewayHealth(ref: ResourceRef, address: string, health: GatewayServerHealth): void;
  setProbeHealth(ref: ResourceRef, addressName: string, health: ProbeHealth): void;
  /** Closes the server and destroys open sockets. */
  stop(): Promise<void>;
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer (got ${value})`);
  return value;
}

/** Starts an emulator; resolves once it is listening. */
export async function startAzureEmulator(options: AzureEmulatorOptions = {}): Promise<AzureEmulator> {
  // Re-validating catches hand-built seeds too, not only those read by loadSeedFile.
  const seed = parseSeed(options.seed ?? {}, 'seed');
  const clock = options.clock ?? systemClock;
  const location = seed.location ?? 'westus';
  const storeSettings = { operationDelayMs: nonNegativeInteger(options.operationDelayMs ?? 200, 'operationDelayMs'), location };
  const operations = new OperationBook();
  const etags = new EtagSource();
  const gateways = new GatewayStore(operations, etags, storeSettings);
  const loadBalancers = new LoadBalancerStore(operations, etags, storeSettings);
  for (const g of seed.applicationGateways ?? []) gateways.seed(parseResourceId(String(g.resource.id), 'applicationGateways')!, g.resource, g.health);
  for (const l of seed.loadBalancers ?? []) loadBalancers.seed(parseResourceId(String(l.resource.id), 'loadBalancers')!, l.resource, l.health);

  const log = new AzureRequestLog();
  const limiter = new ArmRateLimiter(clock);
  const settings = {
    faults: validateFaults(options.faults ?? { latencyMs: 1 }),
    throttle: options.throttle ?? 'arm',
    retryAfterSeconds: nonNegativeInteger(options.retryAfterSeconds ?? 0, 'retryAfterSeconds'),
    hooks: [] as ((info: RequestInfo) => void | Promise<void>)[],
  };
  const pipeline = new AzurePipeline({ clock, random: options.random ?? Math.random, limiter, log, operations, gateways, loadBalancers, settings });
  const endpoint = await listen(options.host ?? '127.0.0.1', options.port ?? 0, (request) => pipeline.handle(request));
  const name = (ref: ResourceRef): ResourceName => ({ subscription: ref.subscription, resourceGroup: ref.resourceGroup, name: ref.name });
  // Test helpers act on the state as of now, so finished operations are applied first.
  const settled = <T>(act: () => T): T => {
    operations.settle(clock.now());
    return act();
  };

  return {
    url: endpoint.url,
    port: endpoint.port,
    get requestLog() {
      return log.entries;
    },
    mutatingCalls: () => log.entries.filter((e) => e.mutating),
    callCount: (filter = {}) => log.entries.filter((e) => (filter.action === undefined || e.action === filter.action) && (filter.method === undefined || e.method === filter.method)).length,
    clearLog: () => log.clear(),
    setFaults(faults) {
      settings.faults = validateFaults(faults);
    },
    setThrottle(mode) {
      if (mode === 'arm' && settings.throttle !== 'arm') limiter.reset();
      settings.throttle = mode;
    },
    onRequest(hook) {
      settings.hooks.push(hook);
      return () => {
        const i = settings.hooks.indexOf(hook);
        if (i >= 0) settings.hooks.splice(i, 1);
      };
    },
    failNextOperations: (count, error = { code: 'InternalServerError', message: 'An error occurred while updating the resource.' }) => operations.failNext(count, error),
    gateway: (ref) => settled(() => clone(gateways.get(name(ref)))),
    modifyGateway: (ref, change) => settled(() => gateways.modify(name(ref), change)),
    loadBalancer: (ref) => settled(() => clone(loadBalancers.get(name(ref)))),
    modifyLoadBalancer: (ref, change) => settled(() => loadBalancers.modify(name(ref), change)),
    occupy: (kind, ref, ms) => settled(() => (kind === 'applicationGateway' ? gateways.occupy(name(ref), clock.now(), ms) : loadBalancers.occupy(name(ref), clock.now(), ms))),
    setGatewayHealth: (ref, address, health) => gateways.setHealth(name(ref), address, health),
    setProbeHealth: (ref, addressName, health) => loadBalancers.setProbeHealth(name(ref), addressName, health),
    stop: () => endpoint.stop(),
  };
}
