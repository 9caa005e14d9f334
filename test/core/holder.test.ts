import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ciJob, currentHolder, describeHolder, isHolderGone, sameOwner } from '../../src/core/holder.js';

describe('who runs a drain', () => {
  it.each([
    ['GitHub Actions', { GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '99', GITHUB_REPOSITORY: 'acme/shop', GITHUB_JOB: 'deploy', GITHUB_SERVER_URL: 'https://github.com' }, 'GitHub Actions acme/shop run 99 job deploy https://github.com/acme/shop/actions/runs/99'],
    ['GitLab CI', { GITLAB_CI: 'true', CI_JOB_ID: '7', CI_JOB_URL: 'https://gitlab.example/j/7' }, 'GitLab CI job 7 https://gitlab.example/j/7'],
    ['Buildkite', { BUILDKITE: 'true', BUILDKITE_BUILD_NUMBER: '12' }, 'Buildkite build 12'],
    ['CircleCI', { CIRCLECI: 'true', CIRCLE_BUILD_NUM: '5', CIRCLE_BUILD_URL: 'https://circleci.example/5' }, 'CircleCI build 5 https://circleci.example/5'],
    ['Jenkins', { JENKINS_URL: 'https://ci.example/', BUILD_TAG: 'jenkins-web-3' }, 'Jenkins jenkins-web-3'],
  ])('names the %s job from its variables', (_name, env, expected) => {
    expect(ciJob(env)).toBe(expected);
  });

  it('names no job outside CI, and never a token the CI sets beside it', () => {
    expect(ciJob({ HOME: '/root' })).toBeUndefined();
    const holder = currentHolder({ GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '1', GITHUB_TOKEN: 'ghs_secret', ACTIONS_RUNTIME_TOKEN: 'secret2' });
    expect(JSON.stringify(holder)).not.toMatch(/secret/);
    expect(holder).toMatchObject({ host: os.hostname(), pid: process.pid, ci: 'GitHub Actions run 1' });
    expect(holder.runner).toMatch(new RegExp(`^${os.hostname()}:${process.pid}:[0-9a-f]{8}$`));
  });

  it('one owner is the same CI job, or outside CI the same user on the same host; a CI job and a person are never one', () => {
    const job = { runner: 'a', host: 'ci-7', pid: 42, user: 'runner', ci: 'GitLab CI job 7' };
    expect(sameOwner(job, { ...job, runner: 'b', host: 'ci-9', pid: 7 })).toBe(true); // the job retried on another machine
    expect(sameOwner(job, { ...job, runner: 'b', ci: 'GitLab CI job 8' })).toBe(false);
    const person = { runner: 'c', host: 'bastion', pid: 1, user: 'ana' };
    expect(sameOwner(person, { ...person, runner: 'd', pid: 2 })).toBe(true); // a second terminal
    expect(sameOwner(person, { ...person, runner: 'd', user: 'ben' })).toBe(false);
    expect(sameOwner(person, { ...person, runner: 'd', host: 'laptop' })).toBe(false);
    expect(sameOwner(person, { ...person, runner: 'd', ci: 'GitLab CI job 7' })).toBe(false);
    expect(sameOwner(job, job)).toBe(true);
  });

  it('says who holds a drain in one phrase', () => {
    expect(describeHolder({ runner: 'r', host: 'ci-7', pid: 42, user: 'deploy', ci: 'GitLab CI job 7' })).toBe('ci-7 pid 42 (deploy), GitLab CI job 7');
  });

  it('knows a holder on this host whose process is gone, and trusts any other', () => {
    expect(isHolderGone({ runner: 'r', host: os.hostname(), pid: 2 ** 22 + 17 })).toBe(true);
    expect(isHolderGone({ runner: 'r', host: os.hostname(), pid: process.ppid })).toBe(false);
    expect(isHolderGone({ runner: 'r', host: `${os.hostname()}-elsewhere`, pid: 2 ** 22 + 17 })).toBe(false);
  });
});
