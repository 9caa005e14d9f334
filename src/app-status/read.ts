import { type AppStatus, AppStatusError, type AppStatusReader } from '../core/app-idle.js';

/** The schema an @drainctl/server status endpoint declares (packages/server, docs/server-status.md). */
export const STATUS_SCHEMA = 'drainctl.server-status/v1';

/** Answers larger than this are not a status document. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads an app's drain status over HTTP(S) with Node's own fetch. What does not answer is
 * 'unreachable'; what answers with anything but a drainctl status document is 'not_status',
 * with the reason. The URL's user name, password and query are never put in a message.
 */
export const readAppStatus: AppStatusReader = async (url, signal) => {
  let response: Response;
  try {
    response = await fetch(url, { signal, headers: { accept: 'application/json' }, redirect: 'error' });
  } catch (error) {
    throw new AppStatusError('unreachable', signal.aborted ? 'no answer in time' : describeFetchError(error));
  }
  const body = await readBody(response, signal);
  if (response.status !== 200) throw new AppStatusError(response.status >= 500 ? 'unreachable' : 'not_status', `HTTP ${response.status}`);
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    throw new AppStatusError('not_status', `the answer is not JSON (${response.headers.get('content-type') ?? 'no content type'})`);
  }
  return parseStatus(document);
};

/** Checks a status document and keeps what drainctl uses. */
export function parseStatus(document: unknown): AppStatus {
  if (typeof document !== 'object' || document === null) throw new AppStatusError('not_status', 'the answer is not a JSON object');
  const d = document as Record<string, unknown>;
  if (d.schema !== STATUS_SCHEMA) throw new AppStatusError('not_status', `"schema" is ${JSON.stringify(d.schema) ?? 'missing'}, not "${STATUS_SCHEMA}"`);
  const inFlight = d.in_flight as Record<string, unknown> | undefined;
  const count = (value: unknown, name: string): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new AppStatusError('not_status', `${name} is not a count`);
    return value;
  };
  if (typeof inFlight !== 'object' || inFlight === null) throw new AppStatusError('not_status', '"in_flight" is missing');
  if (typeof d.state !== 'string') throw new AppStatusError('not_status', '"state" is missing');
  const idle = d.idle_for_ms;
  if (idle !== null && (typeof idle !== 'number' || idle < 0)) throw new AppStatusError('not_status', '"idle_for_ms" is neither a duration nor null');
  return {
    state: d.state,
    requests: count(inFlight.requests, 'in_flight.requests'),
    persistent: count(inFlight.persistent, 'in_flight.persistent'),
    idleForMs: idle === null ? undefined : (idle as number),
    drainTimeoutMs: typeof d.drain_timeout_ms === 'number' ? d.drain_timeout_ms : undefined,
    shutdownDelayMs: typeof d.shutdown_delay_ms === 'number' ? d.shutdown_delay_ms : undefined,
  };
}

async function readBody(response: Response, signal: AbortSignal): Promise<string> {
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > MAX_BODY_BYTES) {
    await response.body?.cancel();
    throw new AppStatusError('not_status', `the answer is ${length} bytes, too large for a status document`);
  }
  try {
    const text = await response.text();
    if (text.length > MAX_BODY_BYTES) throw new AppStatusError('not_status', 'the answer is too large for a status document');
    return text;
  } catch (error) {
    if (error instanceof AppStatusError) throw error;
    throw new AppStatusError('unreachable', signal.aborted ? 'no answer in time' : describeFetchError(error));
  }
}

/** fetch's own message is "fetch failed"; the cause says what happened (ECONNREFUSED…). */
function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
