/**
 * `audit --app-status`: the Kubernetes recipe of docs/server.md, read from the doc itself, checked
 * against a real app using @drainctl/server (its status endpoint gives the drain timeout and the
 * shutdown delay). The same manifest without the app's shutdown delay fails: the recipe has no
 * preStop sleep, and only the library's delay makes that safe.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditFlags, auditCommand } from '../../src/cli/commands/audit.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { createDrainer, type Drainer } from '../../packages/server/src/index.js';
import { freePort } from '../support/ports.js';
import { runCommand, tempFile } from './helpers.js';

const REPO = join(import.meta.dirname, '..', '..');

/** The YAML block that follows the recipe marker in docs/server.md. */
function recipe(): string {
  const doc = readFileSync(join(REPO, 'docs', 'server.md'), 'utf8');
  const match = /<!-- kubernetes-recipe -->\s*```yaml\n([\s\S]*?)```/.exec(doc);
  if (!match) throw new Error('docs/server.md has no kubernetes-recipe block');
  return match[1]!;
}

let server: Server;
let drainer: Drainer;
let statusUrl: string;
beforeAll(async () => {
  // The app as the recipe says it runs (the probe port aside: one port is enough here).
  server = createServer((_req, res) => res.end('ok'));
  drainer = createDrainer(server, { shutdownDelay: 15_000, drainTimeout: 45_000, signals: false });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  statusUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/drain/status`;
});
afterAll(async () => {
  await drainer.close();
  server.closeAllConnections();
});

// The ALB of the recipe: a 5 s health check, unhealthy after 2, a 60 s deregistration delay.
const ALB = { healthInterval: '5s', unhealthyThreshold: '2', lbTimeout: '60s' } as const;
const audit = (flags: AuditFlags) => runCommand((ctx) => auditCommand(ctx, flags));
type Check = { rule: string; subject: string; result: string; detail: string };
const checks = (run: Awaited<ReturnType<typeof audit>>) => run.result!.data.checks as Check[];

describe('audit --app-status', () => {
  it("passes the documented recipe with the app's own timers", async () => {
    const run = await audit({ k8s: tempFile('deploy.yaml', recipe()), ...ALB, appStatus: statusUrl });
    expect(checks(run).filter((c) => c.result === 'fail' || c.result === 'warn')).toEqual([]);
    expect(run.code).toBe(EXIT.ok);
    expect(checks(run).find((c) => c.rule === 'prestop-covers-health-detection')?.detail).toBe('app shutdown delay 15s; detection 5s × 2 = 10s + propagation 5s');
    // 45 s of drain timeout, the 15 s delay included: 30 s of draining after it.
    expect(checks(run).find((c) => c.rule === 'grace-covers-prestop-and-app-drain')?.detail).toBe('grace 65s; app shutdown delay 15s + app drain 30s = 45s + cleanup 5s');
    expect(run.result!.data.inputs).toMatchObject({ app_timeout_seconds: 30, app_shutdown_delay_seconds: 15 });
  });

  it('without the app, the same manifest fails: no preStop sleep and nothing in its place', async () => {
    const run = await audit({ k8s: tempFile('deploy.yaml', recipe()), ...ALB, appTimeout: '30s' });
    expect(run.code).toBe(EXIT.refused);
    expect(checks(run).find((c) => c.rule === 'prestop-covers-health-detection')).toMatchObject({ result: 'fail', detail: 'preStop 0s; detection 5s × 2 = 10s + propagation 5s' });
  });

  it('refuses --app-status with --app-timeout, and a URL that is not a status endpoint (exit 2)', async () => {
    const both = await audit({ appStatus: statusUrl, appTimeout: '30s' });
    expect(both.code).toBe(EXIT.usage);
    expect(both.error?.message).toBe("--app-status reads the app's drain timeout, so --app-timeout is not needed with it");
    const wrong = await audit({ appStatus: statusUrl.replace('/drain/status', '/') });
    expect(wrong.code).toBe(EXIT.usage);
    expect(wrong.error?.message).toMatch(/^--app-status http:\/\/127\.0\.0\.1:\d+\/ is not a drainctl status endpoint: /);
  });

  it('an app that does not answer is exit 1, naming the URL, with --app-timeout as the way out', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}/drain/status`;
    const run = await audit({ appStatus: nobody });
    expect(run.code).toBe(EXIT.error);
    expect(run.error).toMatchObject({ message: `cannot read the app's status at ${nobody} (ECONNREFUSED)`, hint: 'check that the app runs and the URL is reachable from here, or give --app-timeout instead' });
  });
});
