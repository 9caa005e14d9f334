import type { DrainState, Health, RawState } from '../../core/state.js';
import type { ServerStateRow, StatRow } from './stats.js';

const MAINT_BITS = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
const DRAIN_BITS = 0x08 | 0x10;

/** The administrative state HAProxy holds for a server, as `set server … state` names it. */
export type AdminState = 'ready' | 'drain' | 'maint';

/** Reads the admin state from `show servers state`'s bitmask (forced, inherited, config, DNS). */
export function adminStateOf(bits: number): AdminState {
  if (bits & MAINT_BITS) return 'maint';
  if (bits & DRAIN_BITS) return 'drain';
  return 'ready';
}

/** What drainctl reports for one server. */
export interface MappedServer {
  readonly state: DrainState;
  readonly health: Health;
  readonly raw: RawState;
  readonly admin: AdminState;
  readonly inFlight: number;
}

/**
 * HAProxy server → drainctl state. Out of rotation means admin DRAIN or MAINT, an agent's
 * DRAIN, or weight 0; such a server is drained once it has no session (scur) and nothing
 * queued for it (qcur). `show stat`'s status alone is not enough: a server in forced DRAIN
 * whose checks fail shows DOWN there, so the admin bits come from `show servers state`.
 */
export function mapServer(stat: StatRow | undefined, state: ServerStateRow | undefined): MappedServer {
  const admin = adminStateOf(state?.adminState ?? 0);
  const status = stat?.status ?? 'unknown';
  const weight = state?.userWeight ?? stat?.weight;
  const inFlight = (stat?.scur ?? 0) + (stat?.qcur ?? 0);
  const agentDrain = /^DRAIN \(agent\)/.test(status);
  const counts = `${stat?.scur ?? 0} sessions, ${stat?.qcur ?? 0} queued; status ${status}`;
  const health = healthOf(state?.opState, status);
  if (admin !== 'ready' || agentDrain || weight === 0) {
    const rawState = admin === 'maint' ? 'MAINT' : admin === 'drain' || agentDrain ? 'DRAIN' : status;
    const reason = admin !== 'ready' ? `admin state ${admin}` : agentDrain ? 'drained by its agent' : 'weight 0';
    return { state: inFlight > 0 ? 'draining' : 'drained', health, raw: { state: rawState, reason, description: counts }, admin, inFlight };
  }
  return { state: 'active', health, raw: { state: status, description: counts }, admin, inFlight };
}

function healthOf(opState: number | undefined, status: string): Health {
  switch (opState) {
    case 2:
      return 'healthy';
    case 1:
      return 'initial';
    case 0:
    case 3:
      return 'unhealthy';
    default:
      return /^(UP|no check)/.test(status) ? 'healthy' : /^(DOWN|NOLB)/.test(status) ? 'unhealthy' : 'unknown';
  }
}
