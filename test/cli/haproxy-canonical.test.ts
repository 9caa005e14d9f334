/** One HAProxy reached through its TCP runtime API and through its stats socket path is one ledger row. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshLedgerPath, killAllChildren, runCli } from '../support/cli.js';
import { type HaproxyServer, httpGet, rawCommand, sleep, startBackends, startHaproxy, stopAll } from '../support/servers.js';

let haproxy: HaproxyServer;
beforeAll(async () => {
  haproxy = await startHaproxy(await startBackends(2));
}, 30_000);
afterAll(async () => {
  killAllChildren();
  await stopAll();
});

/** Waits (bounded) until HAProxy counts a session on the server. */
async function untilSessions(server: string, count: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const row = (await rawCommand(haproxy.adminPort, `show stat be_app 4 -1`)).split('\n').find((l) => l.startsWith(`be_app,${server},`));
    if (Number(row?.split(',')[4]) === count) return;
    await sleep(25);
  }
  throw new Error(`${server} never had ${count} session(s)`);
}

/** What `status -o json` records for the one target named. */
async function recorded(env: Record<string, string>, target: string): Promise<Record<string, unknown> | null> {
  const status = await runCli(['-o', 'json', 'status', target], { env });
  expect(status.code, status.stderr).toBe(0);
  const doc = JSON.parse(status.stdout) as { groups: { targets: { recorded: Record<string, unknown> | null }[] }[] };
  return doc.groups[0]!.targets[0]!.recorded;
}

describe('HAProxy references through two runtime API listeners', () => {
  it('drain through TCP, then status and restore through the socket path, meet on one ledger row', async () => {
    const env = { DRAINCTL_LEDGER: freshLedgerPath() };
    const tcp = `haproxy:127.0.0.1:${haproxy.adminPort}/be_app`;
    const socket = `haproxy:${haproxy.socketPath}/be_app`;
    // A pinned request keeps app1 draining past the drain's timeout.
    const slow = httpGet(`http://127.0.0.1:${haproxy.frontendPort}/slow?ms=4000`, { headers: { cookie: 'SRV=a1' }, timeoutMs: 15_000 }).catch(() => undefined);
    await untilSessions('app1', 1);

    const drain = await runCli(['drain', `${tcp}/app1`, '--timeout', '1s'], { env, timeoutMs: 30_000 });
    expect(drain.code).toBe(4);
    expect(drain.stderr).toContain(`keep following with: drainctl watch ${socket}/app1 (or put back with: drainctl restore ${socket}/app1)`);
    expect(drain.stderr).not.toContain(`127.0.0.1:${haproxy.adminPort}`);

    expect(await recorded(env, `${socket}/app1`)).toMatchObject({ status: 'draining', drain_started_at: expect.any(String) });
    const table = await runCli(['status', `${socket}/app1`], { env });
    expect(table.stdout).toMatch(/draining since /);

    const history = await runCli(['-o', 'json', 'history'], { env });
    const events = (JSON.parse(history.stdout) as { events: Record<string, string>[] }).events;
    expect(new Set(events.map((e) => `${e.provider}:${e.group}/${e.target}`))).toEqual(new Set([`${socket}/app1`]));

    const restore = await runCli(['restore', `${socket}/app1`], { env, timeoutMs: 30_000 });
    expect(restore.code).toBe(0);
    expect(restore.stderr).not.toMatch(/no recorded|not recorded/i);
    expect(await recorded(env, `${tcp}/app1`)).toMatchObject({ status: 'active' });
    await slow;
  }, 60_000);
});
