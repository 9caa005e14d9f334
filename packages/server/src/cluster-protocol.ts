import type { StatusFacts } from './status.js';

/**
 * The messages between a cluster primary (createClusterDrainer) and its workers (createDrainer), on the cluster's
 * IPC channel. Every one carries the tag, so they never mix with the app's own messages (or PM2's).
 *
 *   worker → primary  hello      a drainer exists in this worker (sent once, when the first one is created)
 *   primary → worker  subscribe  report to me (the answer to hello; a worker that is never asked never reports)
 *   worker → primary  facts      the worker's status facts: at once on a state change, else coalesced
 *   primary → worker  drain      drain as on your own shutdown signal, then exit
 */
export const CLUSTER_TAG = 'drainctl.cluster/v1';

/** Count updates are coalesced: at most one per this many ms while counts change. State changes go at once. */
export const REPORT_INTERVAL_MS = 50;

export type ToPrimary = { readonly tag: typeof CLUSTER_TAG; readonly type: 'hello' } | { readonly tag: typeof CLUSTER_TAG; readonly type: 'facts'; readonly facts: StatusFacts };

export type ToWorker = { readonly tag: typeof CLUSTER_TAG; readonly type: 'subscribe' | 'drain' };

function tagged(message: unknown): message is { tag: string; type: unknown } {
  return typeof message === 'object' && message !== null && (message as { tag?: unknown }).tag === CLUSTER_TAG;
}

export function isToPrimary(message: unknown): message is ToPrimary {
  if (!tagged(message)) return false;
  if (message.type === 'hello') return true;
  return message.type === 'facts' && typeof (message as { facts?: unknown }).facts === 'object' && (message as { facts?: unknown }).facts !== null;
}

export function isToWorker(message: unknown): message is ToWorker {
  return tagged(message) && (message.type === 'subscribe' || message.type === 'drain');
}

export const toWorker = (type: ToWorker['type']): ToWorker => ({ tag: CLUSTER_TAG, type });

export const toPrimaryFacts = (facts: StatusFacts): ToPrimary => ({ tag: CLUSTER_TAG, type: 'facts', facts });
