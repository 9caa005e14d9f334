/** `drainctl emulate aws`: announces its URL on the first stdout line, serves other drainctl processes, and exits 0 on a signal. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, endpointArgs, freePort, runCli, scratchDir, startCliProcess, waitForExit, waitForOutput } from '../support/cli.js';
import { cleanupAfterEach, ID, jsonDoc } from './helpers.js';

cleanupAfterEach();

const SEED = {
  targetGroups: [
    {
      name: 'web',
      protocol: 'HTTP',
      port: 80,
      attributes: { 'deregistration_delay.timeout_seconds': '30' },
      targets: [
        { id: ID.web1, port: 8080, availabilityZone: 'us-east-1a', health: 'healthy' },
        { id: ID.web2, port: 8080, availabilityZone: 'us-east-1b', health: 'healthy' },
      ],
    },
  ],
};

describe.each(['SIGTERM', 'SIGINT'] as const)('emulate aws, stopped with %s', (signal) => {
  it('prints "listening on" first, serves a second drainctl, and exits 0', async () => {
    const seedFile = join(scratchDir('drainctl-emulate-'), 'seed.json');
    writeFileSync(seedFile, JSON.stringify(SEED));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = startCliProcess(['emulate', 'aws', '--port', String(port), '--seed', seedFile]);
    const stdout = collect(child.stdout!);
    const stderr = collect(child.stderr!);

    await waitForOutput(stdout.text, /\n/, 15_000, child);
    expect(stdout.text().split('\n')[0]).toBe(`listening on ${url}`);

    // A second process drives it: the seed is served, and a change sticks.
    const status = await runCli(['-o', 'json', ...endpointArgs(url), 'status', 'elbv2:web']);
    expect(status.code, status.stderr).toBe(0);
    expect((jsonDoc(status).groups[0].targets as Record<string, any>[]).map((t) => [t.target, t.state])).toEqual([
      [`elbv2:web/${ID.web1}:8080`, 'active'],
      [`elbv2:web/${ID.web2}:8080`, 'active'],
    ]);
    const drain = await runCli(['-o', 'json', ...endpointArgs(url), 'drain', `elbv2:web/${ID.web1}`, '--no-wait']);
    expect(drain.code, drain.stderr).toBe(0);
    const after = await runCli(['-o', 'json', ...endpointArgs(url), 'status', `elbv2:web/${ID.web1}`]);
    expect(jsonDoc(after).groups[0].targets[0]).toMatchObject({ state: 'draining', raw: { reason: 'Target.DeregistrationInProgress' } });

    expect(child.kill(signal)).toBe(true);
    const exit = await waitForExit(child, 15_000);
    expect(exit, stderr.text()).toEqual({ code: 0, signal: null });
    const lines = stdout.text().trimEnd().split('\n');
    expect(lines[0]).toBe(`listening on ${url}`);
    expect(lines.at(-1)).toMatch(/^stopped after \d+ requests$/);
    expect(stderr.text()).not.toMatch(/drainctl:|error/i);
    // The port is released.
    await expect(fetch(url, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  });
});

describe.each([
  ['gcp', ['--project', 'demo-project'], 'gcp-ig:demo-project/us-central1-a/web-ig'],
  ['azure', ['--subscription', '00000000-0000-0000-0000-000000000001'], 'azure-agw:00000000-0000-0000-0000-000000000001/demo-rg/demo-agw/web-pool'],
])('emulate %s (demo seed)', (provider, extra, group) => {
  it('prints "listening on" first, serves status to a second drainctl, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = startCliProcess(['emulate', provider, '--port', String(port)]);
    const stdout = collect(child.stdout!);
    await waitForOutput(stdout.text, /\n/, 15_000, child);
    expect(stdout.text().split('\n')[0]).toBe(`listening on ${url}`);
    const status = await runCli(['-o', 'json', '--endpoint-url', url, ...extra, 'status', group]);
    expect(status.code, status.stderr).toBe(0);
    expect((jsonDoc(status).groups[0].targets as Record<string, unknown>[]).length).toBeGreaterThanOrEqual(2);
    expect(child.kill('SIGTERM')).toBe(true);
    expect(await waitForExit(child, 15_000)).toEqual({ code: 0, signal: null });
  });
});
