/**
 * A local Azure Resource Manager endpoint for the Microsoft.Network calls drainctl makes:
 * application gateways (whole-gateway GET/PUT, backend health) and load balancer backend
 * pools (GET/PUT, rule health), with etags, If-Match, asynchronous operations, ARM
 * throttling and injectable faults. Plain http, no dependencies; for the real
 * @azure/arm-network client and drainctl's Azure providers, without an Azure account.
 */
import { systemClock } from '../shared/clock.js';
import { type EmulatorHandle, type EmulatorOptions, emulatorHandle, nonNegativeInteger } from '../shared/emulator.js';
import { type FaultOptions, validateFaults } from '../shared/faults.js';
import { RequestLog } from '../shared/request-log.js';
import { listen } from './server.js';
import { GatewayStore } from './gateways.js';
import { LoadBalancerStore } from './load-balancers.js';
import { type Json, type ResourceName, clone, parseResourceId } from './model.js';
import { OperationBook, type OperationError } from './operations.js';
import { AzurePipeline, type RequestInfo } from './pipeline.js';
import type { AzureRequestLogEntry } from './request-log.js';
import { type AzureSeed, type GatewayServerHealth, type ProbeHealth, parseSeed } from './seed.js';
import { EtagSource } from './store.js';
import { ArmRateLimiter } from './throttle.js';

export { demoSeed, DEMO_RESOURCE_GROUP, DEMO_SUBSCRIPTION } from './demo-seed.js';
export { mulberry32, type FaultKind, type FaultOptions } from '../shared/faults.js';
export { API_VERSION, type Json, type ResourceName } from './model.js';
export { OFFICIAL_EXAMPLE_FILES, seedFromOfficialExamples, type OfficialExampleOptions } from './official-examples.js';
export type { AzureRequestLogEntry } from './request-log.js';
export type { RequestInfo } from './pipeline.js';
export { loadSeedFile, parseSeed } from './seed.js';
export type { ApplicationGatewaySeed, AzureSeed, GatewayServerHealth, LoadBalancerSeed, ProbeHealth } from './seed.js';
export { ARM_RATES } from './throttle.js';
export type { Clock } from '../shared/clock.js';
export type { OperationError } from './operations.js';

/** Throttling mode: ARM's published subscription buckets, or none. */
export type AzureThrottleMode = 'arm' | 'off';

/** Options for `startAzureEmulator`. */
export interface AzureEmulatorOptions extends EmulatorOptions<AzureSeed, FaultOptions, AzureThrottleMode> {
  /** Default `{ latencyMs: 1 }`: a little latency so request ordering is not an accident of the event loop. */
  readonly faults?: FaultOptions;
  /** How long every asynchronous operation stays InProgress; default 200. */
  readonly operationDelayMs?: number;
  /** The Retry-After sent with operation URLs; default 0 (clients then poll at their own interval). */
  readonly retryAfterSeconds?: number;
}

/** Which resource a test helper acts on. */
export type ResourceRef = { readonly subscription: string; readonly resourceGroup: string; readonly name: string };

/** A running emulator; `mutatingCalls` are the PUTs. */
export interface AzureEmulator extends EmulatorHandle<AzureRequestLogEntry, FaultOptions, { action?: string; method?: string }, AzureThrottleMode> {
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
}

/** Starts an emulator; resolves once it is listening. */
export async function startAzureEmulator(options: AzureEmulatorOptions = {}): Promise<AzureEmulator> {
  // Re-validating catches hand-built seeds too, not only those read by loadSeedFile.
  const seed = parseSeed(options.seed ?? {}, 'seed');
  const clock = options.clock ?? systemClock;
  const location = seed.location ?? 'westus';
  const storeSettings = { operationDelayMs: nonNegativeInteger('operationDelayMs', options.operationDelayMs ?? 200), location };
  const operations = new OperationBook();
  const etags = new EtagSource();
  const gateways = new GatewayStore(operations, etags, storeSettings);
  const loadBalancers = new LoadBalancerStore(operations, etags, storeSettings);
  for (const g of seed.applicationGateways ?? []) gateways.seed(parseResourceId(String(g.resource.id), 'applicationGateways')!, g.resource, g.health);
  for (const l of seed.loadBalancers ?? []) loadBalancers.seed(parseResourceId(String(l.resource.id), 'loadBalancers')!, l.resource, l.health);

  const log = new RequestLog<AzureRequestLogEntry>();
  const limiter = new ArmRateLimiter(clock);
  const settings = {
    faults: validateFaults(options.faults ?? { latencyMs: 1 }),
    throttle: options.throttle ?? 'arm',
    retryAfterSeconds: nonNegativeInteger('retryAfterSeconds', options.retryAfterSeconds ?? 0),
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

  return emulatorHandle<AzureEmulator>(
    { endpoint, log, filterKeys: ['action', 'method'], settings, validateFaults, throttleOn: 'arm', limiter },
    {
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
    },
  );
}
