import { displayUrl } from '../core/app-status-url.js';

/** The header an app's status endpoint checks before starting a remote drain (@drainctl/server, docs/server.md). */
const SECRET_HEADER = 'x-drainctl-secret';
const ASK_TIMEOUT_MS = 5_000;

/**
 * Asks an app built on @drainctl/server to start its own drain: POST to its status URL with the
 * shared secret. The app answers 202 and turns its health check to 503 at once, which is what
 * makes a load balancer's health checks stop sending it traffic even where drainctl cannot
 * drain it. A refusal is reported, not thrown: the load balancers are drained regardless.
 * The secret is sent in the header only and never appears in the message.
 */
export async function askAppToDrain(url: string, secret: string, signal?: AbortSignal): Promise<{ readonly ok: boolean; readonly message: string }> {
  const timeout = AbortSignal.timeout(ASK_TIMEOUT_MS);
  try {
    const res = await fetch(url, { method: 'POST', headers: { [SECRET_HEADER]: secret }, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    await res.body?.cancel();
    if (res.status === 202 || res.status === 200) return { ok: true, message: `${displayUrl(url)}: the app started its drain` };
    const why = res.status === 403 ? 'the secret was refused' : res.status === 405 ? 'remote drain is off in the app (createDrainer option remoteDrain)' : `HTTP ${res.status}`;
    return { ok: false, message: `${displayUrl(url)}: the app did not start its drain (${why}); draining at the load balancers only` };
  } catch (error) {
    return { ok: false, message: `${displayUrl(url)}: the app did not answer (${(error as Error).message}); draining at the load balancers only` };
  }
}
