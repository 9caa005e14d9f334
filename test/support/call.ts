import { type CallContext, standaloneCall } from '../../src/core/call.js';
import type { Clock } from '../../src/core/clock.js';

/** A call context for calling a provider directly in a test: the real clock unless given, a generous deadline. */
export function testCall(options: { signal?: AbortSignal; clock?: Clock; timeoutMs?: number } = {}): CallContext {
  return standaloneCall(options);
}
