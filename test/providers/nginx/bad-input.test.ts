import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCall } from '../../support/call.js';
import { DrainctlError } from '../../../src/core/errors.js';
import type { GroupRef, TargetRef } from '../../../src/core/refs.js';
import type { TargetStatus } from '../../../src/core/state.js';
import { workersOf } from '../../../src/providers/nginx/processes.js';
import { NginxProvider, type NginxProviderOptions } from '../../../src/providers/nginx/provider.js';
import { type Backend, makeTempDir, type NginxServer, startBackends, startNginx, stopAll } from '../../support/servers.js';

let backends: Backend[];
let nginx: NginxServer;
let group: GroupRef;

beforeAll(async () => {
  backends = await startBackends(3);
  nginx = await startNginx(backends);
  group = { kind: 'group', provider: 'nginx', group: `${nginx.upstreamFile}/app` };
}, 30_000);
afterAll(() => stopAll());

const provider = (options: NginxProviderOptions = {}): NginxProvider => new NginxProvider({ mainConfig: nginx.mainConfig, ...options });
const status = (g: GroupRef, target: string): TargetStatus => ({ ref: { kind: 'target', provider: 'nginx', group: g.group, target } as TargetRef, state: 'active', health: 'healthy', raw: { state: 'up' } });
const first = (): TargetStatus => status(group, `127.0.0.1:${backends[0]!.port}`);
const failure = async (p: Promise<unknown>): Promise<DrainctlError> => {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DrainctlError);
  return error as DrainctlError;
};
const workers = async (): Promise<number[]> => (await workersOf(nginx.masterPid())).map((w) => w.pid);

/** True while the process exists and is not a zombie (a killed child its parent has not reaped yet); polls up to 2 s. */
async function running(pid: number): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    let state: string;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    } catch {
      return false;
    }
    if (state === 'Z') return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Runs a failing change and checks: the error, the upstream file byte-identical, and no reload. */
async function refusedUnchanged(change: () => Promise<unknown>, file = nginx.upstreamFile): Promise<DrainctlError> {
  const bytes = readFileSync(file);
  const before = await workers();
  const error = await failure(change());
  expect(readFileSync(file)).toEqual(bytes);
  expect(await workers()).toEqual(before);
  expect(error.message).not.toContain('\n');
  return error;
}

describe('NGINX provider: bad input leaves the configuration as it was', () => {
  it('an unknown upstream is not_found for every operation, listing the upstreams there are', async () => {
    const missing: GroupRef = { kind: 'group', provider: 'nginx', group: `${nginx.upstreamFile}/nope` };
    for (const op of [() => provider().describe(missing, 'all', testCall()), () => provider().getTimeout(missing, testCall()), () => provider().drain(missing, [status(missing, '127.0.0.1:1')], testCall())]) {
      const error = await refusedUnchanged(op);
      expect(error.kind).toBe('not_found');
      expect(error.message).toBe(`${nginx.upstreamFile} has no upstream nope (upstreams: app, other_pool)`);
    }
  });

  it('an unknown server is absent in describe and not_found for drain', async () => {
    expect((await provider().describe(group, [status(group, '127.0.0.1:1').ref], testCall())).targets[0]).toMatchObject({ state: 'absent' });
    const error = await refusedUnchanged(() => provider().drain(group, [status(group, '127.0.0.1:1')], testCall()));
    expect(error.kind).toBe('not_found');
    expect(error.message).toMatch(/^upstream app in .* has no server 127\.0\.0\.1:1 \(servers: 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+\)$/);
  });

  it('a missing upstream file is not_found', async () => {
    const g: GroupRef = { kind: 'group', provider: 'nginx', group: `${nginx.dir}/conf.d/missing.conf/app` };
    const error = await failure(provider().describe(g, 'all', testCall()));
    expect(error).toMatchObject({ kind: 'not_found', message: `upstream file ${nginx.dir}/conf.d/missing.conf does not exist` });
  });

  it('an upstream file that is not NGINX configuration is a usage error', async () => {
    const dir = makeTempDir('nginx-garbage');
    const file = join(dir, 'garbage.conf');
    writeFileSync(file, 'hello "world\nthis is not nginx\n');
    const error = await refusedUnchanged(() => provider().drain({ kind: 'group', provider: 'nginx', group: `${file}/app` }, [status({ kind: 'group', provider: 'nginx', group: `${file}/app` }, '127.0.0.1:1')], testCall()), file);
    expect(error).toMatchObject({ kind: 'usage', message: `${file} does not look like an NGINX configuration file (it cannot be parsed at line 1)` });
  });

  it('names a file that is not NGINX configuration without quoting a word of it (a shadow file)', async () => {
    const dir = makeTempDir('nginx-shadow');
    const file = join(dir, 'shadow');
    writeFileSync(file, 'root:$6$SECRETSALT$SECRETHASH:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n');
    const g: GroupRef = { kind: 'group', provider: 'nginx', group: `${file}/app` };
    for (const op of [() => provider().describe(g, 'all', testCall()), () => provider().drain(g, [status(g, '127.0.0.1:1')], testCall())]) {
      const error = await refusedUnchanged(op, file);
      expect(error).toMatchObject({ kind: 'usage', message: `${file} does not look like an NGINX configuration file (it cannot be parsed at line 2)` });
      expect(`${error.message} ${error.hint}`).not.toMatch(/SECRET|root|daemon/);
    }
    // The same file given as the main configuration: NGINX would quote its first line; drainctl does not pass that on.
    const error = await refusedUnchanged(() => provider({ mainConfig: file }).drain(group, [first()], testCall()));
    expect(error).toMatchObject({ kind: 'usage', message: `${file} does not look like an NGINX configuration file` });
    expect(`${error.message} ${error.hint}`).not.toMatch(/SECRET|root|daemon/);
  });

  it('a path that runs through a file is a usage error saying which file, not ENOTDIR', async () => {
    const g: GroupRef = { kind: 'group', provider: 'nginx', group: `${nginx.upstreamFile}/x/app` };
    for (const op of [() => provider().describe(g, 'all', testCall()), () => provider().drain(g, [status(g, '127.0.0.1:1')], testCall())]) {
      const error = await refusedUnchanged(op);
      expect(error).toMatchObject({ kind: 'usage', message: `upstream file ${nginx.upstreamFile}/x cannot exist: ${nginx.upstreamFile} is a file, not a directory` });
      expect(error.hint).toMatch(/end the file path with \/\//);
    }
  });

  it('a main configuration that is not NGINX\'s is a usage error with NGINX\'s own message', async () => {
    const dir = makeTempDir('nginx-main');
    const main = join(dir, 'nginx.conf');
    writeFileSync(main, 'this is not nginx;\n');
    const error = await refusedUnchanged(() => provider({ mainConfig: main }).drain(group, [first()], testCall()));
    expect(error.kind).toBe('usage');
    expect(error.message).toBe(`nginx rejects ${main} as it is, before any change: unknown directive "this" in ${main}:1`);
  });

  it('an upstream file the main configuration does not include is a usage error', async () => {
    const dir = makeTempDir('nginx-orphan');
    const file = join(dir, 'upstreams.conf');
    copyFileSync(nginx.upstreamFile, file);
    const g: GroupRef = { kind: 'group', provider: 'nginx', group: `${file}/app` };
    const error = await refusedUnchanged(() => provider().drain(g, [status(g, `127.0.0.1:${backends[0]!.port}`)], testCall()), file);
    expect(error).toMatchObject({ kind: 'usage', message: `${file} is not part of the configuration ${nginx.mainConfig} (nginx -T does not read it)` });
  });

  it('a candidate nginx -t rejects is put back before any reload (usage, NGINX\'s message)', async () => {
    // nginx itself accepts `down`; a wrapper that rejects any configuration with `down` in it stands in for a bad candidate.
    const dir = makeTempDir('nginx-wrapper');
    const wrapper = join(dir, 'nginx');
    writeFileSync(wrapper, `#!/bin/sh\nif [ "$1" = "-t" ] && grep -q ' down;' '${nginx.upstreamFile}'; then echo 'nginx: [emerg] invalid parameter "down" in ${nginx.upstreamFile}:4' >&2; exit 1; fi\nexec nginx "$@"\n`);
    chmodSync(wrapper, 0o755);
    const error = await refusedUnchanged(() => provider({ nginxBinary: wrapper }).drain(group, [first()], testCall()));
    expect(error).toMatchObject({ kind: 'usage', message: `nginx -t rejected the change to ${nginx.upstreamFile}: invalid parameter "down" in ${nginx.upstreamFile}:4` });
  });

  it('a failing reload command is a provider error, the file is put back, and the error says nothing was applied', async () => {
    const mtime = statSync(nginx.upstreamFile).mtimeMs;
    const error = await refusedUnchanged(() => provider({ reloadCommand: 'echo "nginx: [error] reload refused by test" >&2; exit 1' }).drain(group, [first()], testCall()));
    expect(error).toMatchObject({ kind: 'provider', message: 'reloading nginx failed: reload refused by test' });
    expect(error.details.applied).toBe(false);
    // Put back with its modification time: the file does not look changed since NGINX read it.
    expect(Math.abs(statSync(nginx.upstreamFile).mtimeMs - mtime)).toBeLessThan(1); // utimes takes seconds as a double
  });

  it('a reload command printing escape sequences is quoted in the message', async () => {
    const error = await refusedUnchanged(() => provider({ reloadCommand: "printf 'nginx: [error] \\033[2Jgone\\r\\n' >&2; exit 1" }).drain(group, [first()], testCall()));
    expect(error.message).toBe('reloading nginx failed: \\e[2Jgone');
  });

  it('a reload command that hangs is stopped at the bound with everything it started, not retryable, run once', async () => {
    const dir = makeTempDir('nginx-hang');
    const runs = join(dir, 'runs');
    const pids = join(dir, 'pids');
    // The shell, a background child and a foreground child that both hold the output pipes.
    const command = `echo run >> ${runs}; sleep 60 & echo $! >> ${pids}; echo $$ >> ${pids}; sleep 60; echo done`;
    const error = await refusedUnchanged(() => provider({ reloadCommand: command, commandTimeoutMs: 300 }).drain(group, [first()], testCall()));
    expect(error.kind).toBe('provider');
    expect(error.retryable).toBeUndefined();
    expect(error.message).toBe(`/bin/sh -c ${command} did not finish within 1s; it was stopped with every process it started`);
    expect(error.hint).toMatch(/\/bin\/sh -c/);
    expect(error.details.applied).toBe(false);
    expect(readFileSync(runs, 'utf8')).toBe('run\n');
    const started = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    expect(started).toHaveLength(2);
    for (const pid of started) expect(await running(pid), `pid ${pid}`).toBe(false);
  }, 15_000);

  it('Ctrl-C during a hanging reload command stops its whole group at once and puts the file back', async () => {
    const dir = makeTempDir('nginx-abort');
    const pids = join(dir, 'pids');
    const abort = new AbortController();
    const command = `sleep 60 & echo $! >> ${pids}; echo $$ >> ${pids}; sleep 60`;
    const change = provider({ reloadCommand: command }).drain(group, [first()], testCall({ signal: abort.signal }));
    const error = await refusedUnchanged(async () => {
      // Its own process group does not get the terminal's SIGINT: drainctl's signal must reach it.
      for (let i = 0; i < 200 && !(existsSync(pids) && readFileSync(pids, 'utf8').trim().split('\n').length === 2); i++) await new Promise((r) => setTimeout(r, 25));
      abort.abort('SIGINT');
      return change;
    });
    expect(error.kind).toBe('interrupted');
    expect(error.details.applied).toBe(false);
    for (const pid of readFileSync(pids, 'utf8').trim().split('\n').map(Number)) expect(await running(pid), `pid ${pid}`).toBe(false);
  }, 10_000);

  it('a reload that nginx never acts on runs out (bounded) and the file is put back', async () => {
    const error = await refusedUnchanged(() => provider({ reloadCommand: 'true', reloadWaitMs: 500 }).drain(group, [first()], testCall()));
    expect(error).toMatchObject({ kind: 'provider', message: 'nginx did not apply the new configuration within 1s (its workers from before the reload still serve)' });
  });

  it('nginx not running is a provider error and nothing changes', async () => {
    const dir = makeTempDir('nginx-stopped');
    const main = join(dir, 'nginx.conf');
    writeFileSync(main, readFileSync(nginx.mainConfig, 'utf8').replace(nginx.pidFile, join(dir, 'nginx.pid')));
    const error = await refusedUnchanged(() => provider({ mainConfig: main }).drain(group, [first()], testCall()));
    expect(error).toMatchObject({ kind: 'provider', message: `nginx is not running: no master process found from the pid file ${join(dir, 'nginx.pid')}` });
  });

  // Root ignores permission bits, so a chmod'ed file proves nothing here. A read-only bind mount
  // (what a Kubernetes ConfigMap volume is) refuses root too; it needs CAP_SYS_ADMIN.
  const canMount = spawnSync('sh', ['-c', 'd=$(mktemp -d) && mount --bind "$d" "$d" && umount "$d"; r=$?; rmdir "$d"; exit $r'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!canMount)('an upstream file on a read-only file system is a provider error; the file is unchanged', async () => {
    const dir = makeTempDir('nginx-ro');
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    const file = join(ro, 'upstreams.conf');
    copyFileSync(nginx.upstreamFile, file);
    const main = join(dir, 'nginx.conf');
    writeFileSync(main, readFileSync(nginx.mainConfig, 'utf8').replace(`include ${nginx.upstreamFile};`, `include ${file};`));
    expect(spawnSync('sh', ['-c', `mount --bind '${ro}' '${ro}' && mount -o remount,bind,ro '${ro}'`]).status).toBe(0);
    try {
      expect(() => writeFileSync(file, 'x')).toThrow(/EROFS/);
      const g: GroupRef = { kind: 'group', provider: 'nginx', group: `${file}/app` };
      const error = await refusedUnchanged(() => provider({ mainConfig: main }).drain(g, [status(g, `127.0.0.1:${backends[0]!.port}`)], testCall()), file);
      expect(error).toMatchObject({ kind: 'provider', message: `cannot change ${file}: read-only file system` });
      expect(error.hint).toMatch(/needs write access/);
    } finally {
      spawnSync('umount', [ro]);
    }
  });
});
