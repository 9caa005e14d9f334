import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Holder } from './ledger.js';

/**
 * Who this drainctl process is, for the ledger: a unique runner id (leases are renewed by
 * it), the host, the pid, the user, and the CI job when one of the usual CI systems runs it.
 * Only names and numbers a teammate needs to find the job, never a token.
 */
export function currentHolder(env: NodeJS.ProcessEnv = process.env): Holder {
  const host = os.hostname();
  const ci = ciJob(env);
  return {
    runner: `${host}:${process.pid}:${randomBytes(4).toString('hex')}`,
    host,
    pid: process.pid,
    ...(userName() && { user: userName() }),
    ...(ci && { ci }),
  };
}

/** The CI job running this process, from the variables each CI system documents, or undefined. */
export function ciJob(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_RUN_ID) {
    const url = env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? ` ${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : '';
    return `GitHub Actions ${env.GITHUB_REPOSITORY ?? ''} run ${env.GITHUB_RUN_ID}${env.GITHUB_JOB ? ` job ${env.GITHUB_JOB}` : ''}${url}`.replace(/\s+/g, ' ');
  }
  if (env.GITLAB_CI === 'true' && env.CI_JOB_ID) return `GitLab CI job ${env.CI_JOB_ID}${env.CI_JOB_URL ? ` ${env.CI_JOB_URL}` : ''}`;
  if (env.BUILDKITE === 'true' && env.BUILDKITE_BUILD_NUMBER) return `Buildkite build ${env.BUILDKITE_BUILD_NUMBER}${env.BUILDKITE_BUILD_URL ? ` ${env.BUILDKITE_BUILD_URL}` : ''}`;
  if (env.CIRCLECI === 'true' && env.CIRCLE_BUILD_NUM) return `CircleCI build ${env.CIRCLE_BUILD_NUM}${env.CIRCLE_BUILD_URL ? ` ${env.CIRCLE_BUILD_URL}` : ''}`;
  if (env.JENKINS_URL && env.BUILD_TAG) return `Jenkins ${env.BUILD_TAG}${env.BUILD_URL ? ` ${env.BUILD_URL}` : ''}`;
  if (env.CI === 'true' && env.CI_JOB_ID) return `CI job ${env.CI_JOB_ID}`;
  return undefined;
}

/**
 * True when the holder ran on this host and its process is gone (killed, crashed): its lease
 * need not be waited out. A holder on another host is judged by its lease alone. A reused pid
 * reads as alive, which only means waiting for the lease: the safe side.
 */
export function isHolderGone(holder: Holder): boolean {
  if (holder.host !== os.hostname() || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** How a holder is named in messages: host, pid, CI job. */
export function describeHolder(holder: Holder): string {
  return `${holder.host} pid ${holder.pid}${holder.user ? ` (${holder.user})` : ''}${holder.ci ? `, ${holder.ci}` : ''}`;
}

function userName(): string | undefined {
  try {
    return os.userInfo().username || undefined;
  } catch {
    return undefined; // no passwd entry for this uid (a container): not worth failing for
  }
}

/**
 * Whether two holders are the same owner of a drained target: the same CI job, or, outside CI,
 * the same user on the same host. A drain rerun by its owner (a retried job, an operator's
 * second terminal) follows its own drained target; anyone else waits until it is put back.
 */
export function sameOwner(a: Holder, b: Holder): boolean {
  if (a.runner === b.runner) return true;
  if (a.ci !== undefined || b.ci !== undefined) return a.ci === b.ci;
  return a.host === b.host && a.user === b.user;
}
