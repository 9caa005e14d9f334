import os from 'node:os';
import type { InstanceKey, Ledger } from '../core/ledger.js';

/**
 * A recorder for @drainctl/server (its `recorder` option) that writes the app's drain to a
 * drainctl ledger: one `drain_begin` when the drain starts and one `drain_complete` when it ends
 * (success, and what was still in flight), with the instance row kept current. State changes
 * only, never a request: the library calls it a handful of times in a process's life.
 *
 * The library stays free of database drivers: this lives in the drainctl package, which an app
 * that wants the record installs beside it.
 */

/** What the library hands its recorder (structurally; drainctl does not depend on the library). */
export interface AppStateChange {
  readonly from: string;
  readonly to: string;
  readonly at: string;
  readonly inFlight: { readonly requests: number; readonly persistent: number };
}

export interface AppLedgerRecorder {
  record(change: AppStateChange): Promise<void>;
}

/** The ledger key of an app instance: provider `app`, the service as the group, host:port as the target. */
export function appInstanceKey(service: string, port: number, host: string = os.hostname()): InstanceKey {
  return { provider: 'app', group: service, target: `${host}:${port}` };
}

export function createLedgerRecorder(ledger: Ledger, instance: InstanceKey): AppLedgerRecorder {
  return {
    async record(change) {
      const inFlight = change.inFlight.requests + change.inFlight.persistent;
      if (change.to === 'draining') {
        await ledger.record(instance, { status: 'draining', drainStartedAt: change.at, drainedAt: null, inFlight }, { type: 'drain_begin', at: change.at, details: { inflight: change.inFlight.requests, persistent: change.inFlight.persistent } });
      } else if (change.to === 'drained' || change.to === 'forced') {
        await ledger.record(instance, { status: 'stopped', drainedAt: change.at, inFlight }, { type: 'drain_complete', at: change.at, details: { success: change.to === 'drained', remaining_inflight: inFlight } });
      }
    },
  };
}
