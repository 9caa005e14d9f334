import { DrainerOptionsError } from './errors.js';
import type { DrainerOptions, ResolvedOptions, StateChange } from './options.js';
import { resolveOptions } from './validate-options.js';

/** Options of createClusterDrainer. probePort is required; the others mean what they mean for createDrainer. */
export interface ClusterDrainerOptions {
  /** The primary has no app server: its health, liveness and aggregated status are served on this port (0: any free port). */
  readonly probePort: number;
  readonly probeHost?: string;
  /** Readiness: 200 while the primary serves and at least one worker serves and accepts; 503 from the drain start. */
  readonly healthPath?: string;
  readonly livenessPath?: string;
  readonly statusPath?: string;
  /** ms from the drain start until workers still running are killed (SIGKILL, state `forced`). Includes shutdownDelay. */
  readonly drainTimeout?: number;
  /** ms with health at 503 before the workers are told to drain. */
  readonly shutdownDelay?: number;
  readonly signals?: readonly NodeJS.Signals[] | false;
  readonly exit?: boolean;
  /** Called on every state change of the primary. */
  readonly onStateChange?: (change: StateChange) => void;
}

/** Every option createClusterDrainer knows. Hooks and tracking belong to the workers' createDrainer. */
export const CLUSTER_OPTIONS: readonly (keyof ClusterDrainerOptions)[] = [
  'probePort', 'probeHost', 'healthPath', 'livenessPath', 'statusPath', 'drainTimeout', 'shutdownDelay', 'signals', 'exit', 'onStateChange',
];

/** Validates createClusterDrainer's options with createDrainer's rules, plus its own: probePort required, nothing else known. */
export function resolveClusterOptions(input: ClusterDrainerOptions | undefined): ResolvedOptions {
  if (typeof input !== 'object' || input === null) {
    throw new DrainerOptionsError('options', 'createClusterDrainer needs options with at least probePort, e.g. { probePort: 9090 }');
  }
  for (const key of Object.keys(input)) {
    if (!(CLUSTER_OPTIONS as readonly string[]).includes(key)) {
      throw new DrainerOptionsError(key, `unknown option "${key}" for createClusterDrainer (known: ${CLUSTER_OPTIONS.join(', ')}); hooks and tracking belong to createDrainer in the workers`);
    }
  }
  if (input.probePort === undefined) {
    throw new DrainerOptionsError('probePort', 'createClusterDrainer needs probePort: the primary has no app server, so its health and status need a listener of their own (0 picks a free port)');
  }
  return resolveOptions(input as DrainerOptions);
}
