/**
 * One request through the load balancer: stream it to the chosen target, stream the answer back,
 * and turn every way that can fail into what an ALB sends (ALB User Guide, troubleshooting):
 *
 * - "HTTP 502: Bad gateway [...] The load balancer received a TCP RST from the target when
 *   attempting to establish a connection. [...] The target closed the connection with a TCP RST
 *   or a TCP FIN while the load balancer had an outstanding request to the target."
 * - "HTTP 504: Gateway timeout [...] The load balancer established a connection to the target
 *   but the target did not respond before the idle timeout period elapsed."
 * - a deregistration delay that runs out mid-request is a 502 too (see data-plane-drain.ts).
 *
 * Once the response headers have gone to the client no status can be sent any more, so a
 * failure after that point closes the client connection and the client sees a truncated body.
 */
import { randomBytes } from 'node:crypto';
import { request, type Agent, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { RoutedTarget } from './data-plane-routing.js';
import type { DataPlaneCounters, Outcome } from './data-plane-stats.js';

// RFC 9110 §7.6.1: these describe one connection and are not forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

const STATUS_TEXT: Readonly<Record<number, string>> = {
  502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable',
  504: '504 Gateway Time-out',
};

/** What forwarding needs from the data plane around it. */
export interface ForwardContext {
  readonly listenerPort: number;
  readonly idleTimeoutMs: number;
  readonly counters: DataPlaneCounters;
  /** The keep-alive agent of one target, so client keep-alive never pins a target. */
  agentFor(target: RoutedTarget): Agent;
  /** Registers a way to cut this request at the end of the target's deregistration delay; returns the unregister function. */
  watchDrain(target: RoutedTarget, cut: () => void): () => void;
}

/** An error page as the load balancer itself writes it (server `awselb/2.0`, small HTML body). */
export function sendLoadBalancerError(res: ServerResponse, status: 502 | 503 | 504): void {
  const text = STATUS_TEXT[status];
  const body = `<html>\r\n<head><title>${text}</title></head>\r\n<body>\r\n<center><h1>${text}</h1></center>\r\n</body>\r\n</html>\r\n`;
  res.writeHead(status, { Server: 'awselb/2.0', 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = new Set(String(headers.connection ?? '').toLowerCase().split(',').map((h) => h.trim()));
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !listed.has(name)) out[name] = value;
  }
  return out;
}

// The headers an ALB adds to every request it forwards.
function forwardedHeaders(req: IncomingMessage, listenerPort: number): OutgoingHttpHeaders {
  const headers = withoutHopByHop(req.headers);
  const client = req.socket.remoteAddress ?? '';
  const earlier = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = earlier ? `${String(earlier)}, ${client}` : client;
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = String(listenerPort);
  headers['x-amzn-trace-id'] = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  return headers;
}

/** Sends `req` to `target` and its answer to `res`; counts the outcome exactly once. */
export function forwardRequest(req: IncomingMessage, res: ServerResponse, target: RoutedTarget, context: ForwardContext): void {
  const { counters } = context;
  counters.forwarded(target);
  let settled = false;
  let failure: 'cut' | 'gatewayTimeout' | undefined;
  const upstream = request({
    host: target.host,
    port: target.port,
    method: req.method,
    path: req.url,
    headers: forwardedHeaders(req, context.listenerPort),
    agent: context.agentFor(target),
  });
  const unwatch = context.watchDrain(target, () => {
    failure = 'cut';
    upstream.destroy(new Error(`the deregistration delay of ${target.id}:${target.port} ran out with the request in flight`));
  });
  const settle = (outcome: Outcome, error?: string): void => {
    if (settled) return;
    settled = true;
    unwatch();
    counters.ended(target, outcome, error);
  };
  const fail = (error: Error): void => {
    if (settled) return;
    const outcome = failure ?? 'badGateway';
    if (!res.headersSent) sendLoadBalancerError(res, outcome === 'gatewayTimeout' ? 504 : 502);
    else res.destroy();
    upstream.destroy();
    settle(outcome, `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}`.trim());
  };

  upstream.setTimeout(context.idleTimeoutMs, () => {
    failure ??= 'gatewayTimeout';
    upstream.destroy(new Error(`${target.id}:${target.port} sent nothing for ${context.idleTimeoutMs} ms`));
  });
  upstream.on('error', fail);
  upstream.on('response', (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, withoutHopByHop(answer.headers));
    answer.on('error', fail);
    // A target that closes mid-body leaves the response incomplete; 'aborted' is Node's signal for it.
    answer.on('aborted', () => fail(new Error(`${target.id}:${target.port} closed the connection mid-response`)));
    answer.pipe(res);
  });
  res.on('finish', () => settle('completed'));
  res.on('close', () => {
    if (settled) return;
    upstream.destroy();
    settle('abandoned');
  });
  req.pipe(upstream);
}
