/**
 * Injected faults, as ../shared/faults.ts plans them, plus Compute Engine's own: operations that
 * finish DONE with an error. A throttle fault is refused `rateLimitExceeded`, a server error is a
 * 500 or 503 `backendError`.
 */
import { validateFaults as validateRates, type FaultOptions as RequestFaultOptions, type InjectedFault } from '../shared/faults.js';

export { mulberry32 } from '../shared/faults.js';

/** Fault settings; the three request rates are fractions 0-1 whose sum must not exceed 1. Latency defaults to 5 ms. */
export interface FaultOptions extends RequestFaultOptions {
  /** Fraction of mutations whose operation finishes DONE with an `error` (and changes nothing). */
  readonly operationErrorRate?: number;
}

/** How a request's handling was disturbed, as recorded in the request log. */
export type FaultKind = InjectedFault | 'operation_error';

/** The latency every request gets unless told otherwise: small, but enough to keep clients honest about ordering. */
export const DEFAULT_LATENCY_MS = 5;

/** Checks fault settings; throws an Error naming the bad field. */
export function validateFaults(faults: FaultOptions): FaultOptions {
  return validateRates(faults, ['operationErrorRate']);
}
