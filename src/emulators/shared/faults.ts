/**
 * Injected faults. Each request gets at most one of throttle / server error / reset, decided by a
 * single draw from `random`, so a seeded generator gives the same sequence of faults on every run.
 * What each fault looks like on the wire (error code, status, body) is the emulator's own.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Fault settings; the request rates are fractions 0-1 whose sum must not exceed 1. */
export interface FaultOptions {
  /** Fraction of requests refused as throttled whatever the token buckets say. */
  readonly throttleRate?: number;
  /** Fraction answered HTTP 500 or 503; the action is not applied. */
  readonly serverErrorRate?: number;
  /** Fraction whose connection is destroyed without a response; the action IS applied first. */
  readonly resetRate?: number;
  /** Added before every request is handled: a fixed number of ms, or a uniform [min, max] range. */
  readonly latencyMs?: number | readonly [number, number];
  /** Actions refused as the caller's permissions would refuse them (AWS: HTTP 403 AccessDenied), never applied. */
  readonly deniedActions?: readonly string[];
}

/** The faults a request can be given instead of its normal answer. */
export type InjectedFault = 'throttle' | 'server_error' | 'reset';

/** How a request's handling was disturbed, as the request log records it (AWS and Azure). */
export type FaultKind = InjectedFault | 'latency';

/** What to do to one request. */
export interface FaultPlan {
  readonly latencyMs: number;
  readonly fault?: InjectedFault;
  /** For server errors: 500 or 503. */
  readonly serverStatus?: 500 | 503;
}

const REQUEST_RATES = ['throttleRate', 'serverErrorRate', 'resetRate'] as const;

/**
 * Checks fault settings; throws an Error naming the bad field. `extraRates` are further 0-1
 * fractions an emulator knows of, checked after the request rates and not counted in their sum.
 */
export function validateFaults<T extends FaultOptions>(faults: T, extraRates: readonly (keyof T & string)[] = []): T {
  for (const key of [...REQUEST_RATES, ...extraRates]) {
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
export function planFaults(faults: FaultOptions, random: () => number, defaultLatencyMs = 0): FaultPlan {
  const latency = faults.latencyMs ?? defaultLatencyMs;
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

/** Plans one request's faults and waits out its latency; resolves with the plan. */
export async function injectFaults(faults: FaultOptions, random: () => number, defaultLatencyMs = 0): Promise<FaultPlan> {
  const plan = planFaults(faults, random, defaultLatencyMs);
  if (plan.latencyMs > 0) await sleep(plan.latencyMs);
  return plan;
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
