import { createServer, type Server } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerProbe, probeKindOf, sendOnHttp1, type ProbeHost, type ProbeKind, type ProbePaths, type ProbeReply } from './probes.js';

/** The probe paths on a listener of their own: never counted as in flight, still answering after the app's listener closed. */
export interface ProbeServer {
  readonly listening: Promise<AddressInfo>;
  close(): void;
  /** Keeps answering (and the process alive) for `ms` more, then closes. */
  lingerThenClose(ms: number): void;
}

/** Answers one request to a probe path. */
export type ProbeAnswer = (kind: ProbeKind, method: string, headers: IncomingHttpHeaders) => ProbeReply;

/** A drainer's probes on their own port. */
export function startProbeServer(port: number, host: string, paths: ProbePaths, probes: ProbeHost, onError: (error: Error) => void): ProbeServer {
  return listenForProbes(port, host, paths, (kind, method, headers) => answerProbe(kind, method, headers, probes), () => probes.state !== 'serving', onError);
}

/**
 * A listener that answers the probe paths with `answer` and anything else with 404. `draining` says when
 * answers close their connection. Unref'd: probes alone never keep a process alive, the app server (or a
 * primary's workers) does.
 */
export function listenForProbes(port: number, hostname: string, paths: ProbePaths, answer: ProbeAnswer, draining: () => boolean, onError: (error: Error) => void): ProbeServer {
  const server: Server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const kind = probeKindOf(req.url, paths);
    if (kind) return sendOnHttp1(res, method, answer(kind, method, req.headers), draining());
    res.writeHead(404, { 'content-type': 'application/json', connection: 'close' });
    res.end(`${JSON.stringify({ error: `not a probe path; probes: ${paths.healthPath}, ${paths.livenessPath}, ${paths.statusPath}` })}\n`);
  });
  const listening = new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
  listening.catch(onError);
  server.unref();
  return {
    listening,
    lingerThenClose(ms: number) {
      server.ref();
      setTimeout(() => server.close(), ms).unref();
    },
    close() {
      server.close();
      server.closeAllConnections();
    },
  };
}
