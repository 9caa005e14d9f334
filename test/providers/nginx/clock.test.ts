import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallContext } from '../../../src/core/call.js';
import { drainTargets } from '../../../src/core/drain.js';
import { DrainctlError } from '../../../src/core/errors.js';
import type { GroupRef, TargetRef } from '../../../src/core/refs.js';
import type { TargetStatus } from '../../../src/core/state.js';
import { createMemoryLedger } from '../../../src/ledger/index.js';
import { NginxProvider, type NginxProviderOptions } from '../../../src/providers/nginx/provider.js';
import { freshLedgerPath, runCli } from '../../support/cli.js';
import { ManualClock } from '../../support/manual-clock.js';
import { type Backend, makeTempDir, type NginxServer, sleep, startBackends, startNginx, stopAll } from '../../support/servers.js';

let backends: Backend[];
let nginx: NginxServer;
let group: GroupRef;
let original: string;

beforeAll(async () => {
  backends = await startBackends(2);
  nginx = await startNginx(backends);
  group = { kind: 'group', provider: 'nginx', group: `${nginx.upstreamFile}/app` };
  original = readFileSync(nginx.upstreamFile, 'latin1');
}, 30_000);
afterAll(() => stopAll());

const provider = (options: NginxProviderOptions = {}): NginxProvider => new NginxProvider({ mainConfig: nginx.mainConfig, ...options });
const firstRef = (): TargetRef => ({ kind: 'target', provider: 'nginx', group: group.group, target: `127.0.0.1:${backends[0]!.port}` });
const firstStatus = (): TargetStatus => ({ ref: firstRef(), state: 'active', health: 'healthy', raw: { state: 'up' } });
const settle = <T>(p: Promise<T>): { done: () => boolean; result: Promise<unknown> } => {
  let finished = false;
  const result = p.then((v) => v, (e: unknown) => e).finally(() => (finished = true));
  return { done: () => finished, result };
};

function running(pid: number): boolean {
  try {
    // A zombie (reaped late by its parent) no longer runs.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

describe('NGINX waits on the call clock', () => {
  it('a reload command that sleeps forever is stopped when the clock passes its 15 s bound: its group killed, not retried, the file put back', async () => {
    const dir = makeTempDir('nginx-clock-hang');
    const runs = join(dir, 'runs');
    const pids = join(dir, 'pids');
    const command = `echo run >> ${runs}; sleep 600 & echo $! >> ${pids}; echo $$ >> ${pids}; sleep 600`;
    const clock = new ManualClock();
    const drain = settle(drainTargets({ targets: [firstRef()], providers: async () => provider({ reloadCommand: command }), ledger: createMemoryLedger(), timeoutMs: 60_000, clock }));
    for (let i = 0; i < 400 && !(existsSync(pids) && readFileSync(pids, 'utf8').trim().split('\n').length === 2); i++) await sleep(25);
    const started = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    expect(started).toHaveLength(2);
    // Real time alone never ends it: only the call's clock does.
    await sleep(200);
    expect(drain.done()).toBe(false);
    clock.advance(15_001);
    for (let i = 0; i < 200 && !drain.done(); i++) await sleep(25);
    expect(drain.done(), 'stopped once the clock passed the bound').toBe(true);
    const error = (await drain.result) as DrainctlError;
    expect(error).toBeInstanceOf(DrainctlError);
    expect(error).toMatchObject({ kind: 'provider', message: `/bin/sh -c ${command} did not finish within 15s; it was stopped with every process it started` });
    expect(error.retryable).toBeUndefined();
    expect(error.details.applied).toBe(false);
    expect(readFileSync(runs, 'utf8')).toBe('run\n');
    for (const pid of started) expect(running(pid), `pid ${pid}`).toBe(false);
    expect(readFileSync(nginx.upstreamFile, 'latin1')).toBe(original);
  }, 30_000);

  it('the wait for new workers after a reload ends at the call deadline, before its own 10 s bound', async () => {
    const clock = new ManualClock();
    const call: CallContext = { signal: undefined, clock, deadline: clock.now() + 3000 };
    // `true` reloads nothing: the old workers keep serving and the wait runs on.
    const change = settle(provider({ reloadCommand: 'true' }).drain(group, [firstStatus()], call));
    for (let i = 0; i < 2000 && !change.done(); i++) {
      // Time moves only while the wait polls, so the commands before it never run out.
      const poll = clock.pending().find((ms) => ms <= 20);
      if (poll !== undefined) clock.advance(poll);
      else await sleep(5);
    }
    const error = (await change.result) as DrainctlError;
    expect(error).toBeInstanceOf(DrainctlError);
    expect(error).toMatchObject({ kind: 'timeout', message: 'waiting for nginx to start new workers after the reload: gave up at the deadline after 3s' });
    expect(error.details.applied).toBe(false);
    expect(clock.now()).toBe(call.deadline);
    expect(readFileSync(nginx.upstreamFile, 'latin1')).toBe(original);
  }, 30_000);

  it('drain --timeout 2s with a reload command that hangs ends at the deadline (exit 4), its group killed and the file put back', async () => {
    const dir = makeTempDir('nginx-cli-deadline');
    const pids = join(dir, 'pids');
    const ref = `nginx:${nginx.upstreamFile}/app/127.0.0.1:${backends[0]!.port}`;
    const command = `sleep 600 & echo $! >> ${pids}; echo $$ >> ${pids}; sleep 600`;
    const run = await runCli(['drain', ref, '--nginx-conf', nginx.mainConfig, '--reload-command', command, '--timeout', '2s'], { env: { DRAINCTL_LEDGER: freshLedgerPath() }, timeoutMs: 30_000 });
    expect(run.code, run.stderr).toBe(4);
    // The deadline ended it, not the command's own 15 s bound.
    expect(run.stderr).toContain('(stopped with every process it started): gave up at the deadline after 2s');
    for (const pid of readFileSync(pids, 'utf8').trim().split('\n').map(Number)) expect(running(pid), `pid ${pid}`).toBe(false);
    expect(readFileSync(nginx.upstreamFile, 'latin1')).toBe(original);
  }, 40_000);
});
