import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLUSTER_OPTIONS } from '../src/cluster-options.js';
import { REPORT_INTERVAL_MS } from '../src/cluster-protocol.js';
import { createClusterDrainer, DrainerOptionsError, type ClusterDrainerOptions } from '../src/index.js';
import { send } from './support/http.js';

/** createClusterDrainer in this (primary) process, with no workers: its bad inputs, its probes, its lifecycle. */

function refusal(options: unknown): { option: string; message: string } {
  try {
    createClusterDrainer(options as ClusterDrainerOptions);
  } catch (error) {
    if (error instanceof DrainerOptionsError) return { option: error.option, message: error.message };
    throw error;
  }
  throw new Error('createClusterDrainer accepted it');
}

describe('createClusterDrainer: bad input', () => {
  it.each([
    [undefined, 'options', /needs options with at least probePort/],
    [{}, 'probePort', /needs probePort: the primary has no app server/],
    [{ probePort: 0, beforeShutdown: () => undefined }, 'beforeShutdown', /unknown option "beforeShutdown" for createClusterDrainer .*belong to createDrainer in the workers/],
    [{ probePort: 70_000 }, 'probePort', /probePort must be an integer port/],
    [{ probePort: 0, drainTimeout: 100, shutdownDelay: 200 }, 'shutdownDelay', /must not exceed drainTimeout/],
    [{ probePort: 0, signals: ['SIGKILL'] }, 'signals', /cannot be caught/],
  ])('%j → %s', (options, option, message) => {
    const refused = refusal(options);
    expect(refused.option).toBe(option);
    expect(refused.message).toMatch(message);
  });
});

describe('createClusterDrainer with no workers', () => {
  it('is live but not ready (no worker to take a request), its status has no workers; drain() completes at once; one per process', async () => {
    const drainer = createClusterDrainer({ probePort: 0, probeHost: '127.0.0.1', signals: false });
    try {
      expect(() => createClusterDrainer({ probePort: 0, signals: false })).toThrow(/already has a cluster drainer/);
      const { port } = await drainer.probeAddress();
      const health = await send(port, '/health');
      expect([health.status, JSON.parse(health.body)]).toEqual([503, { state: 'serving', ready_workers: 0 }]);
      expect((await send(port, '/live')).status).toBe(200);
      const status = JSON.parse((await send(port, '/drain/status')).body);
      expect(status).toMatchObject({ schema: 'drainctl.server-status/v1', state: 'serving', workers: [], accepting: false, pid: process.pid });
      expect((await send(port, '/drain/status', { method: 'POST' })).status).toBe(405);
      expect((await send(port, '/other')).status).toBe(404);
      const states: string[] = [];
      drainer.on('state', (change) => states.push(change.to));
      const result = await drainer.drain();
      expect(result).toMatchObject({ outcome: 'drained', exitCode: 0, reason: 'api', workers: [], problems: [] });
      expect(states).toEqual(['draining', 'drained', 'closed']);
      expect(drainer.drain()).toBe(drainer.drain());
    } finally {
      await drainer.close();
    }
    // Closed: another may be created.
    await createClusterDrainer({ probePort: 0, signals: false }).close();
  });
});

describe('README, "Several processes"', () => {
  const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Several processes'), readme.indexOf('## Bad input'));

  it('lists exactly the options createClusterDrainer takes', () => {
    const listed = /`createClusterDrainer` takes these options, [^:]+: ([^.]+)\./.exec(section)?.[1] ?? '';
    expect([...listed.matchAll(/`(\w+)`/g)].map((m) => m[1]).sort()).toEqual([...CLUSTER_OPTIONS].sort());
  });

  it('states the report interval the code uses', () => {
    expect(section).toContain(`at most once every ${REPORT_INTERVAL_MS} ms while they change`);
  });
});
