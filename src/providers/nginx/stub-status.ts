import { type CallContext, remainingMs } from '../../core/call.js';

/** NGINX's stub_status counters: per instance (client side), not per upstream server. */
export interface StubStatus {
  readonly active: number;
  readonly reading: number;
  readonly writing: number;
  readonly waiting: number;
}

/** Parses a stub_status page; undefined when the text is not one. */
export function parseStubStatus(text: string): StubStatus | undefined {
  const active = /Active connections:\s*(\d+)/.exec(text);
  const rww = /Reading:\s*(\d+)\s+Writing:\s*(\d+)\s+Waiting:\s*(\d+)/.exec(text);
  if (!active || !rww) return undefined;
  return { active: Number(active[1]), reading: Number(rww[1]), writing: Number(rww[2]), waiting: Number(rww[3]) };
}

const STUB_STATUS_BOUND_MS = 2000;

/**
 * Reads stub_status, bounded to 2 s or the call's deadline on the call's clock; undefined when it
 * cannot be read, as it is only context.
 */
export async function readStubStatus(url: string, call: CallContext, debug?: (line: string) => void): Promise<StubStatus | undefined> {
  const bound = new AbortController();
  const stopTimer = new AbortController();
  call.clock.sleep(Math.min(STUB_STATUS_BOUND_MS, remainingMs(call)), stopTimer.signal).then(
    () => bound.abort(new Error(`no answer within ${STUB_STATUS_BOUND_MS} ms or before the deadline`)),
    () => {},
  );
  try {
    const response = await fetch(url, { signal: call.signal ? AbortSignal.any([call.signal, bound.signal]) : bound.signal });
    const parsed = parseStubStatus(await response.text());
    if (!parsed) debug?.(`nginx stub_status ${url}: not a stub_status page (HTTP ${response.status})`);
    return parsed;
  } catch (error) {
    debug?.(`nginx stub_status ${url}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  } finally {
    stopTimer.abort();
  }
}

export function formatStubStatus(s: StubStatus): string {
  return `stub_status: ${s.active} active connections (${s.reading} reading, ${s.writing} writing, ${s.waiting} waiting)`;
}
