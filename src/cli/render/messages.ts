import { formatDuration } from '../../core/duration.js';
import type { DrainEvent } from '../../core/events.js';
import { type DeadlineFormat, isoDeadline } from './deadline.js';

export type Level = 'info' | 'warn' | 'error' | 'debug';

/**
 * One human sentence per event, shared by the text and ndjson renderers. Deadlines are written by
 * `deadline`: RFC 3339 by default (ndjson), relative and local for text.
 */
export function describeEvent(event: DrainEvent, now: number = Date.now(), deadline: DeadlineFormat = isoDeadline): { level: Level; message: string } {
  switch (event.type) {
    case 'plan': {
      const verb = { drain: 'Draining', restore: 'Restoring', status: 'Describing', watch: 'Watching' }[event.operation];
      return { level: 'info', message: `${verb} ${plural(event.targets.length, 'target')}${event.dryRun ? ' (dry run: nothing will change)' : ''}` };
    }
    case 'group':
      return {
        level: 'info',
        message: `${event.group}: ${event.drainTimeoutSeconds === undefined ? '' : `drain timeout ${event.drainTimeoutSeconds}s; `}${event.deadline === undefined ? 'waiting with no time limit' : `will stop waiting ${deadline(event.deadline, now)}`}`,
      };
    case 'action': {
      const verb = event.action === 'deregister' ? (event.dryRun ? 'would drain' : 'draining') : event.action === 'register' ? (event.dryRun ? 'would restore' : 'restoring') : 'unchanged';
      return { level: 'info', message: `${event.target}: ${verb}: ${event.detail}` };
    }
    case 'target_state': {
      const raw = [event.raw.state, event.raw.reason].filter(Boolean).join(', ');
      const from = event.previous && event.previous !== event.state ? `${event.previous} -> ` : '';
      const inFlight = event.inFlight === undefined ? '' : `, ${event.inFlight} in flight`;
      const health = event.state === 'active' ? ` ${event.health}` : '';
      return { level: 'info', message: `${event.target}: ${from}${event.state}${health} (${raw}${inFlight})` };
    }
    case 'waiting': {
      const eta = event.expectedDoneAt ? Date.parse(event.expectedDoneAt) - now : undefined;
      const when = eta === undefined ? '' : eta > 0 ? `, expected in ${formatDuration(eta)}` : ', expected now';
      return { level: 'info', message: `${event.group}: waiting on ${plural(event.pending.length, 'target')} (poll ${event.polls}${when})` };
    }
    case 'retry':
      if (event.retryable === 'unreachable') {
        const tries = event.maxAttempts === undefined ? `try ${event.attempt}` : `try ${event.attempt} of ${event.maxAttempts}`;
        return { level: 'warn', message: `${event.group}: ${event.endpoint ?? 'the endpoint'} did not answer (${tries}), retrying in ${formatDuration(event.delayMs)}: ${event.reason}` };
      }
      return { level: 'warn', message: `${event.group}: ${event.throttled ? 'throttled' : 'call failed'}, retrying in ${formatDuration(event.delayMs)}: ${event.reason}` };
    case 'warning':
      return { level: 'warn', message: event.message };
    case 'capacity': {
      const held = event.heldBy.map((h) => `${h.target} by ${h.by}${h.since ? ` since ${h.since}` : ''}`).join('; ');
      return {
        level: 'info',
        message: `${event.group}: waiting for capacity (${event.serving} in service, ${event.needed} must stay after draining ${event.targets.join(', ')})${held ? `; held: ${held}` : ''}; will stop waiting ${deadline(event.until, now)}`,
      };
    }
    case 'target_done': {
      const words: Record<string, string> = {
        drained: 'drained', draining: 'left draining (not waiting)', forced: 'forced: open sessions were cut when the wait ran out', restored: 'restored and healthy', restoring: 'registered (not waiting for health)',
        timed_out: `still ${event.state} when the wait ran out`, would_drain: 'would drain', would_restore: 'would restore', unchanged: 'unchanged',
      };
      const evidence = event.evidence ? `: ${event.evidence.detail}` : '';
      return { level: event.outcome === 'timed_out' ? 'error' : 'info', message: `${event.target}: ${words[event.outcome] ?? event.outcome} after ${formatDuration(event.elapsedMs)}${evidence}` };
    }
    case 'lifecycle':
      return { level: event.phase === 'warning' || event.phase === 'released' ? 'warn' : 'info', message: `${event.subject}: ${event.message}` };
  }
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
