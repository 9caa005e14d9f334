import { type CallContext, commandCall } from './call.js';
import type { Clock } from './clock.js';
import { DrainctlError } from './errors.js';

/**
 * The one deadline policy of drain, restore, watch and status.
 *
 * - The command has one bound: `--timeout` (request.timeoutMs) from the command's start, or
 *   DEFAULT_COMMAND_BOUND_MS when none is given. Every provider call gets that bound in its
 *   CallContext and is cut there, waits inside providers included.
 * - A wait ends at its own deadline: `waitMs` from the command's start when the caller gave a
 *   bound, else from the earliest recorded drain start (a rerun waits only what is left), and
 *   never later than the command's bound less a moment for the last look.
 */

/** The command's call context, made once when the command starts. */
export function commandBound(request: { readonly signal?: AbortSignal; readonly timeoutMs?: number }, clock: Clock, startedAt: number): CallContext {
  checkWaitMs(request.timeoutMs);
  return commandCall(request, clock, startedAt);
}

/**
 * The time kept free before the command's bound for the wait's last look (one describe) to
 * finish: a twentieth of the bound, at least 250 ms and at most 2 s, and never more than a
 * quarter of a very short bound.
 */
export function lastLookReserveMs(boundMs: number): number {
  return Math.round(Math.min(boundMs / 4, Math.min(2000, Math.max(250, boundMs / 20))));
}

/** When one group's wait gives up. */
export function waitDeadline(options: {
  readonly call: CallContext;
  readonly startedAt: number;
  readonly waitMs: number;
  /** Whether the caller bounded the command (`--timeout`). */
  readonly callerBound: boolean;
  /** The earliest drain start of the group's targets, when known (the ledger, or the drain call just made). */
  readonly since?: number;
}): number {
  const { call, startedAt } = options;
  const anchor = options.callerBound || options.since === undefined ? startedAt : options.since;
  const lastLookAt = call.deadline - lastLookReserveMs(call.deadline - startedAt);
  return Math.max(startedAt, Math.min(anchor + options.waitMs, lastLookAt));
}

/** How long drainctl waits for a drain when the caller gives no bound: the drain timeout plus a margin for propagation. */
export function defaultWaitMs(drainTimeoutSeconds: number): number {
  const marginSeconds = Math.max(30, Math.ceil(drainTimeoutSeconds * 0.1));
  return (drainTimeoutSeconds + marginSeconds) * 1000;
}

/** How long restore waits for health when the caller gives no bound. */
export const DEFAULT_RESTORE_WAIT_MS = 5 * 60_000;

/** How long drainctl waits when a provider has no drain timeout and can itself report completion. */
export const DEFAULT_OBSERVED_WAIT_MS = 5 * 60_000;

/** Throws when a caller's bound is unusable. */
export function checkWaitMs(timeoutMs: number | undefined): void {
  if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs <= 0)) {
    throw new DrainctlError('usage', `invalid --timeout: must be greater than zero`, { hint: 'e.g. --timeout 5m' });
  }
}
