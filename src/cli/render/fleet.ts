import { countByState, type FleetAction, type FleetEntry } from '../../core/fleet.js';
import type { Holder } from '../../core/ledger.js';
import { timeWithAge } from './age.js';
import type { TextStyle } from './style.js';
import { table } from './table.js';

/** The `fleet -o json` document's fields (docs/output.md). */
export function fleetData(entries: readonly FleetEntry[], nowMs: number): Record<string, unknown> {
  return {
    checked_at: new Date(nowMs).toISOString(),
    counts: countByState(entries),
    targets: entries.map((e) => ({
      target: e.ref,
      provider: e.record.provider,
      group: e.record.group,
      state: e.state,
      status: e.record.status,
      drain_started_at: e.record.drainStartedAt,
      drained_at: e.record.drainedAt,
      lease_expires_at: e.record.leaseExpiresAt,
      in_flight: e.record.inFlight,
      holder: holderData(e.record.holder),
      next: e.actions.map((a) => command(a, e.ref)),
    })),
  };
}

/** The fleet as a table, then one line per drain that needs someone, naming the commands. */
export function fleetText(entries: readonly FleetEntry[], nowMs: number, style: TextStyle): string {
  if (entries.length === 0) return 'nothing draining or drained';
  const rows = entries.map((e) => [
    style.ref(e.ref),
    // A drain nobody follows is still draining at the load balancer; DETAIL says nobody follows it.
    style.state(e.state === 'released' ? 'draining' : e.state),
    e.record.drainStartedAt === null ? '-' : timeWithAge(e.record.drainStartedAt, nowMs),
    holderText(e.record.holder),
    detailText(e, nowMs),
  ]);
  const next = entries.filter((e) => e.actions.length > 0).map((e) => nextLine(e, style));
  return [table(['TARGET', 'STATE', 'SINCE', 'STARTED BY', 'DETAIL'], rows), ...(next.length > 0 ? ['', ...next] : [])].join('\n');
}

function detailText(e: FleetEntry, nowMs: number): string {
  const lease = e.record.leaseExpiresAt;
  switch (e.state) {
    case 'draining':
      return `held by a live runner, lease until ${timeWithAge(lease!, nowMs)}`;
    case 'abandoned':
      return `lease ran out ${lease === null ? '' : timeWithAge(lease, nowMs)}`.trim();
    case 'released':
      return 'runner ended, not followed';
    case 'drained':
      return `drained ${e.record.drainedAt === null ? '' : `${timeWithAge(e.record.drainedAt, nowMs)}, `}not restored`;
  }
}

/** What to do about one drain nobody follows, as commands to copy. */
function nextLine(e: FleetEntry, style: TextStyle): string {
  const ref = style.ref(e.ref);
  const why = { draining: 'is draining', abandoned: 'is abandoned (its runner stopped renewing its lease)', released: 'is draining and no runner follows it', drained: 'is drained and not restored' }[e.state];
  const steps = e.actions.map((a) => `${a === 'watch' ? 'follow it' : 'put it back'} with ${command(a, ref)}`);
  return `${ref} ${why}; ${steps.join(', or ')}`;
}

function command(action: FleetAction, ref: string): string {
  return `drainctl ${action} ${ref}`;
}

/** Who started a drain, for people: `ops@build-7 pid 4121 (github-actions …)`. */
function holderText(holder: Holder | null): string {
  if (!holder) return '-';
  const who = `${holder.user ? `${holder.user}@` : ''}${holder.host} pid ${holder.pid}`;
  return holder.ci ? `${who} (${holder.ci})` : who;
}

/** Every holder field present, null where unknown, so readers see one shape. */
function holderData(holder: Holder | null): Record<string, unknown> | null {
  if (!holder) return null;
  return { runner: holder.runner, host: holder.host, pid: holder.pid, user: holder.user ?? null, ci: holder.ci ?? null };
}
