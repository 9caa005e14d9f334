/**
 * Injected faults. Each request gets at most one of throttle / server error / reset, decided by a
 * single draw from `random`, so a seeded generator gives the same sequence of faults on every run.
 */

/** Fault settings; the three request rates are fractions 0-1 whose sum must not exceed 1. */
export interface FaultOptions {
  /** Fraction of requests refused with `rateLimitExceeded` whatever the token buckets say. */
  readonly throttleRate?: number;
  /** Fraction answered HTTP 500 or 503 `backendError`; the method is not applied. */
  readonly serverErrorRate?: number;
  /** Fraction whose connection is destroyed without a response; the method IS applied first. */
  readonly resetRate?: number;
  /** Fraction of mutations whose operation finishes DONE with an `error` (and changes nothing). */
  readonly operationErrorRate?: number;
  /** Added before every request is handled: a fixed number of ms, or a uniform [min, max] range. Default 5. */
  readonly latencyMs?: number | readonly [number, number];
}

/** How a request's handling was disturbed, as recorded in the request log. */
export type FaultKind = 'throttle' | 'server_error' | 'reset' | 'operation_error';

/** What to do to one request. */
export interface FaultPlan {
  readonly latencyMs: number;
  readonly fault?: 'throttle' | 'server_error' | 'reset';
  readonly serverStatus?: 500 | 503;
}

/** The latency every request gets unless told otherwise: small, but enough to keep clients honest about ordering. */
export const DEFAULT_LATENCY_MS = 5;

/** Checks fault settings; throws an Error naming the bad field. */
export function validateFaults(faults: FaultOptions): FaultOptions {
  const rates = ['throttleRate', 'serverErrorRate', 'resetRate', 'operationErrorRate'] as const;
  for (const key of rates) {
    const v = faults[key];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && v <= 1)) throw new Error(`faults.${key} must be a number 0-1 (got ${String(v)})`);
  }
  const sum = (faults.throttleRate ?? 0) + (faults.serverErrorRate ?? 0) + (faults.resetRate ?? 0);
  if (sum > 1 + 1e-9) throw new Error(`faults.throttleRate + serverErrorRate + resetRate must not exceed 1 (got ${sum})`);
  const latency = faults.latencyMs;
  if (latency !== undefined) {
    const [min, max] = typeof latency === 'number' ? [latency, latency] : latency;
    if (!(Number.isFinite(min) && Number.isFinite(max) && min >= 0 && max >= min)) {
      throw new Error(`faults.latencyMs must be a number of ms >= 0 or a [min, max] range (got ${JSON.stringify(latency)})`);
    }
  }
  return { ...faults };
}

/** Decides the faults for one request, drawing from `random` only for settings that are in use. */
export function planFaults(faults: FaultOptions, random: () => number): FaultPlan {
  const latency = faults.latencyMs ?? DEFAULT_LATENCY_MS;
  const latencyMs = typeof latency === 'number' ? latency : latency[0] + Math.floor(random() * (latency[1] - latency[0] + 1));
  const throttle = faults.throttleRate ?? 0;
  const serverError = faults.serverErrorRate ?? 0;
  const reset = faults.resetRate ?? 0;
  if (throttle + serverError + reset === 0) return { latencyMs };
  const draw = random();
  if (draw < throttle) return { latencyMs, fault: 'throttle' };
  if (draw < throttle + serverError) return { latencyMs, fault: 'server_error', serverStatus: random() < 0.5 ? 500 : 503 };
  if (draw < throttle + serverError + reset) return { latencyMs, fault: 'reset' };
  return { latencyMs };
}

/** A small seeded PRNG (mulberry32) returning floats in [0, 1), for deterministic fault sequences. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
