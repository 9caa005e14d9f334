import { formatDuration } from '../../core/duration.js';

/** How a deadline is written in a message: relative and local for people, RFC 3339 for machines. */
export type DeadlineFormat = (deadline: string, now: number) => string;

/** "at 2026-11-22T03:45:39.100Z", for machine readers. */
export const isoDeadline: DeadlineFormat = (deadline) => `at ${deadline}`;

/**
 * "in 4m30s (at 14:37:06)": how far away, then the local wall-clock time, with the date in front
 * when it is not today. `timeZone` is for tests; the default is the machine's.
 */
export function localDeadline(deadline: string, now: number, timeZone?: string): string {
  const at = Date.parse(deadline);
  if (Number.isNaN(at)) return `at ${deadline}`;
  const left = at - now;
  const relative = left >= 1000 ? `in ${formatDuration(left)}` : left > -1000 ? 'now' : `${formatDuration(-left)} ago`;
  return `${relative} (at ${wallClock(at, now, timeZone)})`;
}

/** 14:37:06, or 2026-11-23 14:37:06 when that is another day than `now`. */
function wallClock(at: number, now: number, timeZone: string | undefined): string {
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(at);
  const day = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const date = day.format(at);
  return date === day.format(now) ? time : `${date} ${time}`;
}
