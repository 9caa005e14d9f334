import { randomUUID } from 'node:crypto';
import { type CallContext, deadlineError, remainingMs, sleepWithin } from '../../core/call.js';
import { DrainctlError } from '../../core/errors.js';
import type { ComputeApi } from './client.js';
import type { GcpCallContext } from './errors.js';
import { lastSegment } from './urls.js';

/** The parts of a Compute Operation drainctl reads. */
export interface OperationLike {
  name?: string | null;
  status?: string | null;
  zone?: string | null;
  region?: string | null;
  error?: { errors?: { code?: string | null; message?: string | null }[] | null } | null;
  httpErrorStatusCode?: number | null;
}

/** Tries of one mutation, all with the same requestId, so a retry after a lost response is not applied twice. */
const MUTATION_ATTEMPTS = 3;
const RATE_CODES = new Set(['RESOURCE_OPERATION_RATE_EXCEEDED', 'RATE_LIMIT_EXCEEDED', 'QUOTA_EXCEEDED']);
/** A wait call that answers sooner than this with an unfinished operation is followed by a pause. */
const QUICK_ANSWER_MS = 1000;

/**
 * Sends a mutation with a fresh requestId and waits until its operation is DONE, within the
 * caller's deadline. A send that failed in transit (a transient fault, or an endpoint that did
 * not answer: the response may be what was lost) is retried here with the same requestId:
 * Compute Engine answers a repeated requestId with the first operation instead of applying it again.
 */
export async function mutateAndWait(
  api: ComputeApi,
  project: string,
  method: string,
  resource: string,
  facts: GcpCallContext,
  call: CallContext,
  send: (requestId: string, signal: AbortSignal | undefined) => Promise<OperationLike>,
): Promise<void> {
  const requestId = randomUUID();
  let operation: OperationLike | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      operation = await api.call(method, resource, facts, (signal) => send(requestId, signal));
      break;
    } catch (error) {
      if (!(error instanceof DrainctlError) || (error.retryable !== 'transient' && error.retryable !== 'unreachable') || attempt >= MUTATION_ATTEMPTS) throw error;
      await sleepWithin(call, 200 * 2 ** (attempt - 1), `${facts.what}: retry after ${error.message}`);
    }
  }
  await waitForOperation(api, project, operation, facts, call);
}

/**
 * Loops on *Operations.wait until DONE or the caller's deadline, on the core's clock. wait is a
 * long poll that "might return after zero seconds", so a quick non-DONE answer is followed by a
 * short pause. An error on a DONE operation is a failure: the change did not happen.
 */
export async function waitForOperation(api: ComputeApi, project: string, operation: OperationLike | undefined, facts: GcpCallContext, call: CallContext): Promise<void> {
  let op = operation ?? {};
  const name = op.name ?? '';
  const started = call.clock.now();
  for (let polls = 0; op.status !== 'DONE'; polls++) {
    if (!name) throw new DrainctlError('provider', `${facts.what}: the API returned no operation to wait for`);
    if (remainingMs(call) <= 0) throw stillPending(facts, call, op, started);
    const askedAt = call.clock.now();
    const current: OperationLike = op;
    op = await cutAtDeadline(call, facts, () => stillPending(facts, call, current, started), (bounded) =>
      api.call(`${scopeWord(current)}Operations.wait`, name, bounded, (signal) => api.operations.wait({ project, scope: scopeOf(current), operation: name }, { signal })),
    );
    if (op.status === 'DONE') break;
    if (call.clock.now() - askedAt < QUICK_ANSWER_MS) {
      try {
        await sleepWithin(call, Math.min(2000, 100 * 2 ** Math.min(polls, 4)), `wait for operation ${name}`);
      } catch (error) {
        if (error instanceof DrainctlError && error.kind === 'timeout') throw stillPending(facts, call, op, started);
        throw error;
      }
    }
  }
  const errors = op.error?.errors ?? [];
  if (errors.length > 0) {
    const codes = errors.map((e) => e.code ?? 'ERROR');
    const text = errors.map((e) => `${e.code ?? 'ERROR'}: ${e.message ?? ''}`.trim()).join('; ');
    const retryable = codes.every((c) => RATE_CODES.has(c)) ? ('throttle' as const) : undefined;
    throw new DrainctlError('provider', `${facts.what}: operation ${name} failed (${text})`, { retryable, details: { operation: name, codes, httpStatus: op.httpErrorStatusCode ?? null } });
  }
}

/** The timeout for an operation not DONE by the caller's deadline: it may still complete. */
function stillPending(facts: GcpCallContext, call: CallContext, op: OperationLike, started: number): DrainctlError {
  const base = deadlineError(`${facts.what}: operation ${op.name ?? ''} is still ${op.status ?? 'PENDING'}`, call, started);
  return new DrainctlError('timeout', base.message, {
    hint: 'the change may still be applied; check with drainctl status and run the command again with a longer --timeout (it is safe to repeat)',
    details: { operation: op.name ?? null, status: op.status ?? null },
  });
}

/**
 * Runs one request with a signal that also fires when the caller's deadline passes: wait is a
 * long poll (up to about 2 minutes), so it must be cut, not awaited. The budget is read from the
 * core's clock; the request itself runs in real time, so a real timer bounds it.
 */
async function cutAtDeadline<T>(call: CallContext, facts: GcpCallContext, onDeadline: () => DrainctlError, task: (bounded: GcpCallContext) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let cut = false;
  const timer = setTimeout(() => {
    cut = true;
    controller.abort('deadline');
  }, remainingMs(call));
  const onAbort = (): void => controller.abort(call.signal?.reason);
  if (call.signal?.aborted) onAbort();
  call.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await task({ ...facts, signal: controller.signal });
  } catch (error) {
    if (cut) throw onDeadline();
    throw error;
  } finally {
    clearTimeout(timer);
    call.signal?.removeEventListener('abort', onAbort);
  }
}

function scopeWord(op: OperationLike): 'zone' | 'region' | 'global' {
  return op.zone ? 'zone' : op.region ? 'region' : 'global';
}

/** `zones/<z>`, `regions/<r>` or `global`: where the operation lives. */
function scopeOf(op: OperationLike): string {
  if (op.zone) return `zones/${lastSegment(op.zone)}`;
  if (op.region) return `regions/${lastSegment(op.region)}`;
  return 'global';
}
