import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { afterEach } from 'vitest';
import { createDrainer, type Drainer, type DrainerOptions, type Problem } from '../../src/index.js';
import { closeServer, listen } from './http.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface StartedApp {
  readonly port: number;
  readonly server: Server;
  readonly drainer: Drainer;
  /** Everything the drainer reported through its 'problem' event. */
  readonly problems: Problem[];
}

/**
 * One app server with a drainer (signals off) per test, closed after the test; `beforeClose` runs
 * first (open a gate, end what a test left pending), so closing never waits on the test's own holds.
 */
export function appPerTest(beforeClose: () => void = () => undefined): (options?: DrainerOptions, handler?: Handler) => Promise<StartedApp> {
  let current: { server: Server; drainer: Drainer } | undefined;
  afterEach(async () => {
    beforeClose();
    if (!current) return;
    const { server, drainer } = current;
    current = undefined;
    await drainer.close();
    await closeServer(server);
  });
  return async (options = {}, handler = (_req, res) => res.end('ok')) => {
    const { server, port } = await listen(handler);
    const drainer = createDrainer(server, { signals: false, ...options });
    const problems: Problem[] = [];
    drainer.on('problem', (problem) => problems.push(problem));
    current = { server, drainer };
    return { port, server, drainer, problems };
  };
}
