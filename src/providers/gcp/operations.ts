import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DrainctlError, interruptedError } from '../../core/errors.js';
import type { ComputeApi } from './client.js';
import type { CallContext } from './errors.js';
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

/** How long drainctl waits for one operation to reach DONE: removeInstances has been seen to hang (kubernetes/ingress-gce#1535). */
export const OPERATION_DEADLINE_MS = 10 * 60_000;
/** Tries of one mutation, all with the same requestId, so a retry after a lost response is not applied twice. */
const MUTATION_ATTEMPTS = 3;
const RATE_CODES = new Set(['RESOURCE_OPERATION_RATE_EXCEEDED', 'RATE_LIMIT_EXCEEDED', 'QUOTA_EXCEEDED']);

async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    throw interruptedError(signal?.reason);
  }
}

/**
 * Sends a mutation with a fresh requestId and waits until its operation is DONE. Transient
 * failures of the send itself are retried here with the same requestId: Compute Engine
 * answers a repeated requestId with the first operation instead of applying it again.
 */
export async function mutateAndWait(
  api: ComputeApi,
  project: string,
  method: string,
  resource: string,
  context: CallContext,
  send: (requestId: string) => Promise<[{ latestResponse?: unknown }, ...unknown[]]>,
): Promise<void> {
  const requestId = randomUUID();
  let operation: OperationLike | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      const [lro] = await api.call(method, resource, context, () => send(requestId));
      operation = lro.latestResponse as OperationLike;
      break;
    } catch (error) {
      if (!(error instanceof DrainctlError) || error.retryable !== 'transient' || attempt >= MUTATION_ATTEMPTS) throw error;
      await pause(200 * 2 ** (attempt - 1), context.signal);
    }
  }
  await waitForOperation(api, project, operation, context);
}

/**
 * Loops on *Operations.wait until DONE. wait is a long poll that "might return after zero
 * seconds", so a quick non-DONE answer is followed by a short pause. An error on a DONE
 * operation is a failure: the change did not happen.
 */
export async function waitForOperation(api: ComputeApi, project: string, operation: OperationLike | undefined, context: CallContext, deadlineMs = OPERATION_DEADLINE_MS): Promise<void> {
  let op = operation ?? {};
  const name = op.name ?? '';
  const started = Date.now();
  for (let polls = 0; op.status !== 'DONE'; polls++) {
    if (!name) throw new DrainctlError('provider', `${context.what}: the API returned no operation to wait for`);
    if (Date.now() - started > deadlineMs) {
      throw new DrainctlError('timeout', `${context.what}: operation ${name} is still ${op.status ?? 'pending'} after ${Math.round(deadlineMs / 60_000)} minutes`, {
        hint: 'it may still complete; check with drainctl status, and run the command again (it is safe to repeat)',
        details: { operation: name },
      });
    }
    const askedAt = Date.now();
    const current: OperationLike = op;
    const [next] = await api.call(`${scopeWord(current)}Operations.wait`, name, context, () => waitCall(api, project, current, name));
    op = next as OperationLike;
    if (op.status !== 'DONE' && Date.now() - askedAt < 1000) await pause(Math.min(2000, 100 * 2 ** Math.min(polls, 4)), context.signal);
  }
  const errors = op.error?.errors ?? [];
  if (errors.length > 0) {
    const codes = errors.map((e) => e.code ?? 'ERROR');
    const text = errors.map((e) => `${e.code ?? 'ERROR'}: ${e.message ?? ''}`.trim()).join('; ');
    const retryable = codes.every((c) => RATE_CODES.has(c)) ? ('throttle' as const) : undefined;
    throw new DrainctlError('provider', `${context.what}: operation ${name} failed (${text})`, { retryable, details: { operation: name, codes, httpStatus: op.httpErrorStatusCode ?? null } });
  }
}

function scopeWord(op: OperationLike): 'zone' | 'region' | 'global' {
  return op.zone ? 'zone' : op.region ? 'region' : 'global';
}

function waitCall(api: ComputeApi, project: string, op: OperationLike, name: string): Promise<[unknown, ...unknown[]]> {
  if (op.zone) return api.zoneOperations.wait({ project, zone: lastSegment(op.zone), operation: name });
  if (op.region) return api.regionOperations.wait({ project, region: lastSegment(op.region), operation: name });
  return api.globalOperations.wait({ project, operation: name });
}
