import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerProbe, probeKindOf, sendOnHttp1, type ProbeHost, type ProbePaths } from './probes.js';

/** The probe paths on a listener of their own: never counted as in flight, still answering after the app's listener closed. */
export interface ProbeServer {
  readonly listening: Promise<AddressInfo>;
  close(): void;
}

export function startProbeServer(port: number, host: string, paths: ProbePaths, probes: ProbeHost, onError: (error: Error) => void): ProbeServer {
  const server: Server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const kind = probeKindOf(req.url, paths);
    if (kind) return sendOnHttp1(res, method, answerProbe(kind, method, req.headers, probes), probes.state !== 'serving');
    res.writeHead(404, { 'content-type': 'application/json', connection: 'close' });
    res.end(`${JSON.stringify({ error: `not a probe path; probes: ${paths.healthPath}, ${paths.livenessPath}, ${paths.statusPath}` })}\n`);
  });
  const listening = new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
  listening.catch(onError);
  // Probes alone must not keep a process alive whose app server has gone.
  server.unref();
  return {
    listening,
    close() {
      server.close();
      server.closeAllConnections();
    },
  };
}
