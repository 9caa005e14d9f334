import { GROUP_ROW_TARGET, type Ledger } from '../core/ledger.js';
import type { GroupRef } from '../core/refs.js';
import { descriptorOf } from '../providers/registry.js';
import { QuantileSketch, type LatencySummary } from './sketch.js';

/** How many ledger events are read at most: enough for years of drains of one group, and bounded. */
export const HISTORY_EVENT_LIMIT = 50_000;


/** Drains drainctl recorded for one group, as durations from drain_requested to drained. */
export interface DrainHistory {
  /** Undefined when no drain of the group has finished yet. */
  readonly summary: LatencySummary | undefined;
  /** Drains that reached drained. */
  readonly completed: number;
  /** Drains cut when the wait ran out (--on-timeout force). */
  readonly cut: number;
  /** Drains given up: restored, or failed, before they finished. */
  readonly abandoned: number;
  /** Targets with at least one drain recorded. */
  readonly targets: number;
  /** The events read, and whether the limit cut older ones off. */
  readonly eventsRead: number;
  readonly truncated: boolean;
  /** True when these durations measure the provider's timeout rather than the requests. */
  readonly measuresTimeout: boolean;
}

/** Pairs each target's drain_requested with the drained that followed it, oldest first. */
export async function drainHistory(ledger: Ledger, group: Pick<GroupRef, 'provider' | 'group'>, limit = HISTORY_EVENT_LIMIT): Promise<DrainHistory> {
  const events = (await ledger.history({ provider: group.provider, group: group.group, limit })).filter((e) => e.instance.target !== GROUP_ROW_TARGET);
  const oldestFirst = [...events].sort((a, b) => (a.at === b.at ? a.id - b.id : a.at < b.at ? -1 : 1));
  const sketch = new QuantileSketch();
  const open = new Map<string, number>();
  const targets = new Set<string>();
  let cut = 0;
  let abandoned = 0;
  for (const event of oldestFirst) {
    const target = event.instance.target;
    const at = Date.parse(event.at);
    switch (event.type) {
      case 'drain_requested':
        targets.add(target);
        open.set(target, at);
        break;
      case 'drained':
        finish(open, target, at, sketch);
        break;
      case 'forced':
        if (open.delete(target)) cut++;
        break;
      case 'restore_requested':
      case 'restored':
      case 'failed':
        if (open.delete(target)) abandoned++;
        break;
      default:
        // timed_out and interrupted leave the drain running: a later watch may still see it finish.
        break;
    }
  }
  return {
    summary: sketch.summary(),
    completed: sketch.count,
    cut,
    abandoned,
    targets: targets.size,
    eventsRead: events.length,
    truncated: events.length >= limit,
    // A provider whose drains cannot finish early (ELBv2 reports draining for the whole delay;
    // countdown providers show nothing) records the timeout, not how long the requests took.
    measuresTimeout: !descriptorOf(group.provider).completesEarly,
  };
}

function finish(open: Map<string, number>, target: string, at: number, sketch: QuantileSketch): void {
  const started = open.get(target);
  if (started === undefined) return;
  open.delete(target);
  const seconds = (at - started) / 1000;
  if (seconds >= 0) sketch.add(seconds);
}
