/**
 * Faults and hostile input on the proxy providers, through the built CLI against a real NGINX and
 * a real HAProxy: a drain killed between its edit and its reload, refusals that must not be
 * recorded as changes, references that walk through a file, and text from references, peers and
 * files that must never reach the terminal raw.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, freshLedgerPath, killAllChildren, nonEmptyLines, runCli, startCliProcess, waitForExit } from '../support/cli.js';
import { type Backend, freePort, type HaproxyServer, httpGet, makeTempDir, type NginxServer, sleep, startBackends, startHaproxy, startNginx, stopAll } from '../support/servers.js';
import { jsonDoc } from './helpers.js';

afterAll(async () => {
  killAllChildren();
  await stopAll();
});

/** Control characters that would act on a terminal (CR and LF included; the trailing newline is dropped first). */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

/** SIGKILLs a process group (the reload command has its own), or the process alone when it leads none. */
function killQuietly(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // not a group leader, or gone
    }
  }
}

/** Which backends answer `count` requests, each on a new connection (so both NGINX workers take some). */
async function backendsHit(port: number, count: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const res = await httpGet(`http://127.0.0.1:${port}/`);
    expect(res.status).toBe(200);
    seen.add(String(res.headers['x-backend']));
  }
  return seen;
}

/** The ledger's failed events for one target, from `history -o json`. */
async function failedEvents(env: Record<string, string>, target: string): Promise<Record<string, any>[]> {
  const history = await runCli(['-o', 'json', 'history'], { env });
  expect(history.code, history.stderr).toBe(0);
  const events = jsonDoc(history).events as Record<string, any>[];
  return events.filter((e) => `${e.provider}:${e.group}/${e.target}` === target && e.type === 'failed');
}

/** What `status -o json` records for one target. */
async function recorded(env: Record<string, string>, group: string, target: string): Promise<Record<string, any> | null> {
  const status = await runCli(['-o', 'json', 'status', group], { env });
  expect(status.code, status.stderr).toBe(0);
  const targets = (jsonDoc(status).groups as Record<string, any>[]).flatMap((g) => g.targets as Record<string, any>[]);
  const row = targets.find((t) => t.target === target);
  expect(row, `${target} in ${status.stdout}`).toBeDefined();
  return row!.recorded as Record<string, any> | null;
}

describe('NGINX faults through the CLI', () => {
  let backends: Backend[];
  let nginx: NginxServer;
  let group: string;
  let first: string;
  beforeAll(async () => {
    backends = await startBackends(3);
    nginx = await startNginx(backends);
    group = `nginx:${nginx.upstreamFile}/app`;
    first = `${group}/127.0.0.1:${backends[0]!.port}`;
  }, 30_000);

  it('a drain killed between its edit and its reload is finished by the rerun: traffic then stops reaching the server', async () => {
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const dir = makeTempDir('nginx-crash');
    const pidFile = join(dir, 'reload.pid');
    // A reload command that blocks: the edit is on disk and checked, and NGINX is never signalled.
    const child = startCliProcess(['drain', first, '--nginx-conf', nginx.mainConfig, '--reload-command', `echo $$ > ${pidFile}; exec sleep 60`], { env });
    const stderr = collect(child.stderr!);
    try {
      for (let i = 0; i < 400 && !(existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== ''); i++) {
        if (child.exitCode !== null) throw new Error(`drainctl exited early: ${stderr.text()}`);
        await sleep(25);
      }
      child.kill('SIGKILL');
      await waitForExit(child, 10_000);
    } finally {
      const reloadPid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
      if (reloadPid > 0) killQuietly(reloadPid); // it outlives a killed drainctl
    }
    expect(readFileSync(nginx.upstreamFile, 'latin1')).toContain(`127.0.0.1:${backends[0]!.port} max_fails=0 down;`);
    // The crash left `down` on disk only: NGINX still sends the server its share.
    expect(await backendsHit(nginx.frontendPort, 12)).toContain('app1');

    const status = await runCli(['status', first, '--nginx-conf', nginx.mainConfig], { env });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/active\s+initial\s+down not reloaded/);

    const rerun = await runCli(['drain', first, '--nginx-conf', nginx.mainConfig, '--timeout', '30s'], { env, timeoutMs: 45_000 });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(`${rerun.stdout}${rerun.stderr}`).not.toMatch(/already drained/);
    expect(await backendsHit(nginx.frontendPort, 12)).not.toContain('app1');
    expect(await recorded(env, group, first)).toMatchObject({ status: 'stopped' });

    const restore = await runCli(['restore', first, '--nginx-conf', nginx.mainConfig], { env, timeoutMs: 45_000 });
    expect(restore.code, restore.stderr).toBe(0);
  }, 60_000);

  it('a reload that fails and is rolled back is exit 1 and recorded as no change: status shows no drain', async () => {
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const bytes = readFileSync(nginx.upstreamFile);
    const run = await runCli(['drain', first, '--nginx-conf', nginx.mainConfig, '--reload-command', 'echo "nginx: [error] reload refused by test" >&2; exit 1'], { env });
    expect(run.code, run.stderr).toBe(1);
    expect(nonEmptyLines(run.stderr).at(-1)).toMatch(/^drainctl: reloading nginx failed: reload refused by test; the file was put back as it was/);
    expect(readFileSync(nginx.upstreamFile)).toEqual(bytes);
    const failed = await failedEvents(env, first);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.details).toMatchObject({ changed: false });
    expect(await recorded(env, group, first)).toMatchObject({ status: 'active', drain_started_at: null });
    const status = await runCli(['status', first, '--nginx-conf', nginx.mainConfig], { env });
    expect(status.stdout).not.toMatch(/draining since/);
  });

  it('references through a file or naming a unix socket server are exit 2 with one line', async () => {
    for (const [ref, message] of [
      [`${group}/unix:/run/app.sock`, /^drainctl: invalid reference ".*\/unix:\/run\/app\.sock": a server on a unix socket \("unix:\/…"\) cannot be named in a reference/],
      [`nginx:${nginx.upstreamFile}/x/app/127.0.0.1:1`, new RegExp(`^drainctl: upstream file ${nginx.upstreamFile}/x cannot exist: ${nginx.upstreamFile} is a file, not a directory; `)],
    ] as const) {
      const run = await runCli(['drain', ref, '--nginx-conf', nginx.mainConfig], { env: { DRAINCTL_LEDGER: freshLedgerPath() } });
      expect(run.code, run.stderr).toBe(2);
      expect(nonEmptyLines(run.stderr)).toHaveLength(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/ENOTDIR/);
    }
  });

  it('an unknown server is exit 3 with the message the docs quote', async () => {
    const drain = await runCli(['drain', `${group}/127.0.0.1:1`, '--nginx-conf', nginx.mainConfig], { env: { DRAINCTL_LEDGER: freshLedgerPath() } });
    expect(drain.code).toBe(3);
    const servers = backends.map((b) => `127.0.0.1:${b.port}`).join(', ');
    expect(drain.stderr).toBe(`drainctl: upstream ${nginx.upstreamFile}/app has no target 127.0.0.1:1 (registered: ${servers}); check the reference with: drainctl status ${group}\n`);
  });

  it('never prints a word of a file that is not NGINX configuration, nor control characters from a reference', async () => {
    const dir = makeTempDir('nginx-hostile');
    const shadow = join(dir, 'shadow');
    writeFileSync(shadow, 'root:$6$SECRETSALT$SECRETHASH:20228:0:99999:7:::\n');
    const shadowRun = await runCli(['drain', `nginx:${shadow}//app/x`, '--nginx-conf', nginx.mainConfig], { env: { DRAINCTL_LEDGER: freshLedgerPath() } });
    expect(shadowRun.code).toBe(2);
    expect(shadowRun.stderr).toBe(`drainctl: ${shadow} does not look like an NGINX configuration file (it cannot be parsed at line 1); name the file that holds the upstream block\n`);

    for (const ref of [`${group}/127.0.0.1:\u001b[2J1`, `nginx:${dir}/a\u001b]0;owned\u0007\r\nfake.conf/app/127.0.0.1:1`, `nginx:${nginx.upstreamFile}/ap\u009b31mp/127.0.0.1:1`]) {
      const run = await runCli(['drain', ref, '--nginx-conf', nginx.mainConfig], { env: { DRAINCTL_LEDGER: freshLedgerPath() } });
      expect(run.code, run.stderr).toBeGreaterThanOrEqual(2);
      expect(nonEmptyLines(run.stderr)).toHaveLength(1);
      expect(run.stderr.replace(/\n$/, '')).not.toMatch(CONTROL);
      expect(run.stderr).toMatch(/\\e|\\x9b/);
    }
  });
});

describe('HAProxy faults through the CLI', () => {
  let haproxy: HaproxyServer;
  let hostile: Server;
  let hostilePort: number;
  beforeAll(async () => {
    haproxy = await startHaproxy(await startBackends(2));
    // Not HAProxy: answers anything with escape sequences and a forged line.
    hostile = createServer((socket) => socket.on('data', () => socket.end('\u001b[2J\u001b]0;owned\u0007\r\ndrainctl: all targets drained\r\n')));
    hostilePort = await freePort();
    await new Promise<void>((r) => hostile.listen(hostilePort, '127.0.0.1', r));
  }, 30_000);
  afterAll(() => new Promise<void>((r) => hostile.close(() => r())));

  it('a drain refused at level operator is exit 5 with the fix, and is not recorded as a change', async () => {
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const group = `haproxy:127.0.0.1:${haproxy.operatorPort}/be_app`;
    const target = `${group}/app1`;
    const run = await runCli(['drain', target], { env });
    expect(run.code, run.stderr).toBe(5);
    expect(nonEmptyLines(run.stderr).at(-1)).toBe(
      `drainctl: HAProxy at 127.0.0.1:${haproxy.operatorPort} refused "set server be_app/app1 state drain": permission denied; ` +
        'the stats socket needs "level admin" to change servers, e.g. "stats socket ipv4@127.0.0.1:9999 level admin"; nothing was changed',
    );
    // Recorded under the listener HAProxy lists first (its admin socket), whichever one was named.
    const recordedAs = `haproxy:${haproxy.socketPath}/be_app/app1`;
    const failed = await failedEvents(env, recordedAs);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.details).toMatchObject({ changed: false });
    expect(await recorded(env, group, recordedAs)).toMatchObject({ status: 'active', drain_started_at: null });
    const status = await runCli(['status', group], { env });
    expect(status.stdout).not.toMatch(/draining since/);
    expect(status.stdout).toMatch(/app1\s+active/);
  });

  it('an unknown server is exit 3 with the message the docs quote', async () => {
    const group = `haproxy:127.0.0.1:${haproxy.adminPort}/be_app`;
    const drain = await runCli(['drain', `${group}/app9`], { env: { DRAINCTL_LEDGER: freshLedgerPath() } });
    expect(drain.code).toBe(3);
    // The hint names the group as HAProxy lists it (its admin socket), whichever listener was named.
    expect(drain.stderr).toBe(`drainctl: backend 127.0.0.1:${haproxy.adminPort}/be_app has no target app9 (registered: app1, app2); check the reference with: drainctl status haproxy:${haproxy.socketPath}/be_app\n`);
  });

  it('a peer that is not HAProxy has its reply quoted: no escape sequence or forged line reaches stderr', async () => {
    const run = await runCli(['status', `haproxy:127.0.0.1:${hostilePort}/be_app`], { env: { DRAINCTL_LEDGER: freshLedgerPath() } });
    expect(run.code).toBe(2);
    expect(nonEmptyLines(run.stderr)).toHaveLength(1);
    expect(run.stderr.replace(/\n$/, '')).not.toMatch(CONTROL);
    expect(run.stderr).toContain(`127.0.0.1:${hostilePort} is not an HAProxy runtime API (it answered "\\e[2J\\e]0;owned\\x07 drainctl: all targets drained")`);
  });
});
