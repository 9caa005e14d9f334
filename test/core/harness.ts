import { DrainctlError } from '../../src/core/errors.js';
import type { DrainEvent } from '../../src/core/events.js';
import type { Ledger } from '../../src/core/ledger.js';
import { parseRef, type Ref, type TargetRef } from '../../src/core/refs.js';
import { createMemoryLedger } from '../../src/ledger/index.js';
import { refSyntaxes } from '../../src/providers/registry.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeProvider } from '../support/fake-provider.js';

/** Instance ids of the `web` group every core test starts with (3 targets on 8080, 300 s drain timeout). */
export const A = 'i-0000000000000000a';
export const B = 'i-0000000000000000b';
export const C = 'i-0000000000000000c';

export const ref = (text: string): TargetRef => parseRef(text, refSyntaxes, 'target') as TargetRef;
export const anyRef = (text: string): Ref => parseRef(text, refSyntaxes, 'any');

/** A fake clock, a fake provider with `web`, an in-memory ledger and the events seen. */
export function harness(): {
  clock: FakeClock;
  provider: FakeProvider;
  ledger: Ledger;
  events: DrainEvent[];
  base: () => { providers: () => Promise<FakeProvider>; ledger: Ledger; clock: FakeClock; onEvent: (e: DrainEvent) => void; random: () => number };
  ofType: <T extends DrainEvent['type']>(type: T) => Extract<DrainEvent, { type: T }>[];
} {
  const clock = new FakeClock();
  const provider = new FakeProvider(clock);
  provider.addGroup('web', 300, { [A]: 8080, [B]: 8080, [C]: 8080 });
  const ledger = createMemoryLedger();
  const events: DrainEvent[] = [];
  return {
    clock,
    provider,
    ledger,
    events,
    base: () => ({ providers: async () => provider, ledger, clock, onEvent: (e: DrainEvent) => events.push(e), random: () => 0.5 }),
    ofType: <T extends DrainEvent['type']>(type: T) => events.filter((e): e is Extract<DrainEvent, { type: T }> => e.type === type),
  };
}

/** The error an AWS client raises when the endpoint refuses connections. */
export function refused(endpoint = '127.0.0.1:4566'): DrainctlError {
  return new DrainctlError('provider', `describe target health of web: ${endpoint} did not answer (ECONNREFUSED: connect ECONNREFUSED ${endpoint})`, {
    retryable: 'unreachable',
    details: { endpoint, code: 'ECONNREFUSED' },
  });
}

/** Fake milliseconds since the clock's start. */
export function elapsed(clock: FakeClock, since: string): number {
  return clock.now() - Date.parse(since);
}
