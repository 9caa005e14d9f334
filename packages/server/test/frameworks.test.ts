import express from 'express';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createDrainer, EXIT_CLEAN } from '../src/index.js';
import { send } from './support/http.js';

/** The framework recipes the README gives, run as written. */

describe('framework recipes', () => {
  it("Fastify: onShutdown: () => app.close() runs Fastify's onClose hooks after the drain closed the server", async () => {
    const app = Fastify();
    const seen: string[] = [];
    app.addHook('onClose', async () => void seen.push('fastify onClose'));
    app.get('/', async () => 'hello');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const drainer = createDrainer(app.server, { signals: false, app, onShutdown: () => app.close() });
    const port = (app.server.address() as { port: number }).port;
    expect((await send(port, '/')).body).toBe('hello');
    const result = await drainer.drain();
    expect(result).toMatchObject({ outcome: 'drained', exitCode: EXIT_CLEAN, problems: [] });
    expect(seen).toEqual(['fastify onClose']);
  });

  it('Express: createDrainer(app.listen(...), { app })', async () => {
    const app = express();
    app.get('/', (_req, res) => void res.send('hello'));
    const server = app.listen(0, '127.0.0.1');
    const drainer = createDrainer(server, { signals: false, app });
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as { port: number }).port;
    expect((await send(port, '/health')).status).toBe(200);
    expect((await send(port, '/')).body).toBe('hello');
    expect((await drainer.drain()).exitCode).toBe(EXIT_CLEAN);
  });
});
