import { listenForProbes, type ProbeAnswer, type ProbeServer } from './probe-server.js';
import { answerProbe, type ProbeHost, type ProbePaths, type ProbeReply } from './probes.js';

/** What the primary's probes need: the ProbeHost of a drainer, plus how many workers could take a request now. */
export interface ClusterProbeHost extends ProbeHost {
  readonly readyWorkers: number;
}

const NO_STORE = { 'content-type': 'application/json', 'cache-control': 'no-store' };

/**
 * Readiness of a cluster: the primary serves and at least one worker serves and accepts. A primary whose workers
 * are still starting, or all gone, would only send the load balancer's traffic to a closed port.
 */
function answerHealth(method: string, host: ClusterProbeHost): ProbeReply {
  if (method !== 'GET' && method !== 'HEAD') {
    return { status: 405, headers: { ...NO_STORE, allow: 'GET, HEAD' }, body: `${JSON.stringify({ error: `${method} is not allowed here; use GET` })}\n` };
  }
  const ready = host.state === 'serving' && host.readyWorkers > 0;
  return { status: ready ? 200 : 503, headers: NO_STORE, body: `${JSON.stringify({ state: host.status().state, ready_workers: host.readyWorkers })}\n` };
}

/** The primary's probe listener (it has no app server of its own). Liveness and status are answered as a drainer's. */
export function startClusterProbes(port: number, hostname: string, paths: ProbePaths, host: ClusterProbeHost, onError: (error: Error) => void): ProbeServer {
  const answer: ProbeAnswer = (kind, method, headers) => (kind === 'health' ? answerHealth(method, host) : answerProbe(kind, method, headers, host));
  return listenForProbes(port, hostname, paths, answer, () => host.state !== 'serving', onError);
}
