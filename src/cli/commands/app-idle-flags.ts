import type { AppIdleRequest } from '../../core/app-idle-plan.js';
import { checkAppStatusTemplate } from '../../core/app-status-url.js';
import { parseDuration } from '../../core/duration.js';
import { usageError } from '../../core/errors.js';
import { readAppStatus } from '../../app-status/read.js';
import type { CommandContext } from '../context.js';

/** The flags `drain` and `watch` share for `--until app-idle`. */
export interface AppIdleFlags {
  readonly until?: 'load-balancer' | 'app-idle';
  readonly appStatus?: string;
  readonly quietPeriod?: string;
  readonly propagation?: string;
}

export const DEFAULT_QUIET_PERIOD = '500ms';

/**
 * The app-idle request these flags ask for, or undefined for the load balancer's word alone.
 * Every flag is checked here, before anything is read or changed.
 */
export function appIdleRequest(ctx: CommandContext, flags: AppIdleFlags, wait: boolean): AppIdleRequest | undefined {
  if (flags.until !== 'app-idle') {
    const stray = flags.appStatus !== undefined ? '--app-status' : flags.quietPeriod !== undefined ? '--quiet-period' : flags.propagation !== undefined ? '--propagation' : undefined;
    if (stray) throw usageError(`${stray} is read only with --until app-idle`, 'add --until app-idle, or drop it');
    return undefined;
  }
  if (!wait) throw usageError('--until app-idle decides when the wait is over and cannot be used with --no-wait', 'drop one of the two');
  if (flags.appStatus !== undefined) checkAppStatusTemplate(flags.appStatus);
  const quietMs = parseDuration(flags.quietPeriod ?? DEFAULT_QUIET_PERIOD, '--quiet-period');
  const propagationMs = flags.propagation === undefined ? undefined : parseDuration(flags.propagation, '--propagation');
  const configured = ctx.configuration?.();
  return {
    statusUrl: (group) => flags.appStatus ?? configured?.appStatusUrlFor(group).value,
    read: readAppStatus,
    quietMs,
    propagationMs,
  };
}
