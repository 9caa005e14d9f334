// Apps for the hook's app-idle benchmark: one @drainctl/server backend process per instance
// (bench/app-idle-backend.mjs), and a small router on loopback so one --app-status template,
// http://127.0.0.1:<router>/{id}/drain/status, reaches each instance's own app.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO, sleep } from './lib/common.mjs';

async function startBackend() {
  const child = spawn(process.execPath, [join(REPO, 'bench', 'app-idle-backend.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  return { child, port: JSON.parse(line).port };
}

/** Starts one app per instance id and the router in front of their status endpoints. */
export async function startAppRouter(instanceIds) {
  const backends = new Map();
  try {
    for (const id of instanceIds) backends.set(id, await startBackend());
  } catch (error) {
    for (const b of backends.values()) b.child.kill('SIGKILL');
    throw error;
  }
  const router = http.createServer(async (req, res) => {
    const [, id, ...rest] = (req.url ?? '/').split('/');
    const backend = backends.get(id);
    if (!backend) return res.writeHead(404).end(`no app for ${id}\n`);
    try {
      const upstream = await fetch(`http://127.0.0.1:${backend.port}/${rest.join('/')}`, { method: req.method, signal: AbortSignal.timeout(5000) });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(await upstream.text());
    } catch (error) {
      res.writeHead(502).end(`${error}\n`);
    }
  });
  await new Promise((resolve) => router.listen(0, '127.0.0.1', resolve));
  const statusOf = async (id) => (await fetch(`http://127.0.0.1:${backends.get(id).port}/drain/status`)).json();
  return {
    statusTemplate: `http://127.0.0.1:${router.address().port}/{id}/drain/status`,
    /** Starts a request to the instance's app that ends after `ms`; resolves with when it ended (the app is idle from then). */
    busyUntil: (id, ms) => fetch(`http://127.0.0.1:${backends.get(id).port}/work?ms=${ms}`).then(async (r) => (await r.text(), Date.now())),
    /** Waits (bounded) until every named app has a request in flight. */
    async inFlight(ids) {
      for (let i = 0; i < 200; i++) {
        const busy = await Promise.all(ids.map(async (id) => (await statusOf(id)).in_flight.requests >= 1));
        if (busy.every(Boolean)) return;
        await sleep(10);
      }
      throw new Error('the apps never had their requests in flight');
    },
    async stop() {
      router.closeAllConnections?.();
      await new Promise((resolve) => router.close(resolve));
      for (const b of backends.values()) b.child.kill('SIGKILL');
    },
  };
}
