/**
 * A data plane for the emulator's ELBv2 load balancers: one HTTP/1.1 listener per load balancer
 * that forwards real requests to the loopback servers its target groups name, so an end-to-end
 * test can count what a drain costs the clients.
 *
 * Routing reads the targets' states from the control plane at `clock.now()` on every request,
 * so a DeregisterTargets call takes effect for the very next request. Requests already in
 * flight to a draining target run on; whatever still runs when its deregistration delay ends is
 * cut (data-plane-drain.ts). That cut uses a real timer, so the data plane is for the system
 * clock. Only 127.0.0.1 is used, for the listener and for every target.
 */
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Clock } from '../shared/clock.js';
import { DrainDeadlines } from './data-plane-drain.js';
import { forwardRequest, sendLoadBalancerError, type ForwardContext } from './data-plane-proxy.js';
import { LOOPBACK, TargetPicker, targetKeyOf, type RoutedTarget } from './data-plane-routing.js';
import { DataPlaneCounters, type DataPlaneStats } from './data-plane-stats.js';
import type { Elbv2Service, Elbv2TargetView } from './elbv2.js';

export type { DataPlaneStats, DataPlaneTargetStats } from './data-plane-stats.js';

/** Options for `startElbv2DataPlane`. */
export interface Elbv2DataPlaneOptions {
  /** The seeded load balancer's name; it must be an Application Load Balancer. */
  readonly loadBalancer: string;
  /** Only loopback is allowed. */
  readonly host?: '127.0.0.1';
  /** Default 0: any free port. */
  readonly port?: number;
  /** The emulator's clock; the data plane is meant for the system clock (see the file comment). */
  readonly clock: Clock;
  /** A target that sends nothing for this long gets the request answered 504; default 60000, ALB's default idle timeout. */
  readonly idleTimeoutMs?: number;
  /** How often the states of targets with requests in flight are read, to notice a deregistration; default 50. */
  readonly drainPollMs?: number;
}

/** A running data plane. */
export interface Elbv2DataPlane {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Counters per target and overall, as of now. */
  stats(): DataPlaneStats;
  /** Closes the listener, every client and target connection, and the drain timer. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULTS = { port: 0, idleTimeoutMs: 60_000, drainPollMs: 50 } as const;

/** Starts the listener of one load balancer; resolves once it accepts connections. */
export async function startElbv2DataPlane(elbv2: Elbv2Service, options: Elbv2DataPlaneOptions): Promise<Elbv2DataPlane> {
  const settings = { ...DEFAULTS, ...options };
  if (settings.host !== undefined && settings.host !== LOOPBACK) throw new Error(`the ELBv2 data plane listens on ${LOOPBACK} only (got host "${String(settings.host)}")`);
  const lbArn = elbv2.loadBalancerArn(settings.loadBalancer);
  if (!lbArn.includes(':loadbalancer/app/')) {
    throw new Error(`load balancer "${settings.loadBalancer}" is not an Application Load Balancer; the data plane speaks HTTP only (seed it with type "application")`);
  }
  const { clock, loadBalancer } = settings;
  const counters = new DataPlaneCounters();
  const picker = new TargetPicker();
  const agents = new Map<string, Agent>();
  const deadlines = new DrainDeadlines((now) => registeredTargets(elbv2, loadBalancer, now), clock, settings.drainPollMs);
  const server = createServer();
  // ALB's client-side idle timeout; Node's default of 5 s would close kept-alive clients far sooner.
  server.keepAliveTimeout = settings.idleTimeoutMs;
  server.on('connection', () => (counters.connections += 1));
  const port = await listenOn(server, settings.port);
  const context: ForwardContext = {
    listenerPort: port,
    idleTimeoutMs: settings.idleTimeoutMs,
    counters,
    agentFor: (target) => agentOf(agents, target),
    watchDrain: (target, cut) => deadlines.watch(target.key, cut),
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    counters.requests += 1;
    const target = picker.pick(elbv2.targetGroupsOfLoadBalancer(loadBalancer, clock.now()), (key) => counters.inFlight(key));
    if (!target) {
      // "HTTP 503: Service unavailable. The target groups for the load balancer have no registered targets."
      counters.noTarget += 1;
      sendLoadBalancerError(res, 503);
      return;
    }
    if (target.host !== LOOPBACK) return refuseAddress(res, target, context);
    forwardRequest(req, res, target, context);
  });
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${LOOPBACK}:${port}`,
    port,
    stats: () => counters.snapshot(),
    stop: () => (stopping ??= closeAll(server, deadlines, agents)),
  };
}

// The emulator reaches targets on loopback only; an ip target elsewhere is unreachable, as a
// target behind a blocking security group is: the ALB answers 502.
function refuseAddress(res: ServerResponse, target: RoutedTarget, context: ForwardContext): void {
  context.counters.forwarded(target);
  sendLoadBalancerError(res, 502);
  context.counters.ended(target, 'badGateway', `ip target ${target.id} is not ${LOOPBACK}, the only address the emulator reaches`);
}

function registeredTargets(elbv2: Elbv2Service, loadBalancer: string, now: number): Map<string, Elbv2TargetView> {
  const byKey = new Map<string, Elbv2TargetView>();
  for (const group of elbv2.targetGroupsOfLoadBalancer(loadBalancer, now)) {
    for (const t of group.targets) byKey.set(targetKeyOf(group.arn, t.id, t.port), t);
  }
  return byKey;
}

// One keep-alive pool per target, as an ALB keeps its own connections to each target: the
// client's connection carries requests for every target, a target's connection only its own.
function agentOf(agents: Map<string, Agent>, target: RoutedTarget): Agent {
  let agent = agents.get(target.key);
  if (!agent) {
    agent = new Agent({ keepAlive: true });
    agents.set(target.key, agent);
  }
  return agent;
}

function listenOn(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

async function closeAll(server: Server, deadlines: DrainDeadlines, agents: Map<string, Agent>): Promise<void> {
  deadlines.stop();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  for (const agent of agents.values()) agent.destroy();
  await closed;
}
