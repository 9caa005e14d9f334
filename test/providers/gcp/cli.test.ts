/** drainctl's CLI (main() in-process) against the GCP emulator. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSeed, startGcpEmulator, type GcpEmulator, type GcpSeed } from '../../../src/emulators/gcp/index.js';
import { runInProcess } from '../../support/in-process.js';

const P = 'demo-project';

/** The demo seed with 1-second draining, so a drain's countdown is short. */
function quickSeed(): GcpSeed {
  const seed = demoSeed();
  for (const s of seed.projects![P]!.global!.backendServices!) (s as { drainingTimeoutSec?: number }).drainingTimeoutSec = 1;
  return seed;
}

let emulator: GcpEmulator;
beforeAll(async () => {
  emulator = await startGcpEmulator({ seed: quickSeed(), healthyAfterMs: 300, operationDelayMs: 50 });
});
afterAll(() => emulator.stop());

const ledgerPath = () => join(mkdtempSync(join(tmpdir(), 'drainctl-gcp-cli-')), 'ledger.db');
const run = (args: string[], ledger = ledgerPath()) => runInProcess(['--project', P, ...args], { DRAINCTL_ENDPOINT_URL: emulator.url, DRAINCTL_LEDGER: ledger });

describe('drain -> status -> restore of a gcp-ig target', () => {
  it('removes the instance in one call, counts the draining timeout down, shows it drained, and adds it back', async () => {
    const ledger = ledgerPath();
    emulator.clearLog();
    const drained = await run(['-o', 'json', 'drain', 'gcp-ig:us-central1-a/web-ig/web-1'], ledger);
    expect(drained.code, drained.stderr).toBe(0);
    const report = JSON.parse(drained.stdout) as { results: { target: string; outcome: string; elapsed_ms: number }[] };
    expect(report.results).toEqual([expect.objectContaining({ target: `gcp-ig:${P}/us-central1-a/web-ig/web-1`, outcome: 'drained' })]);
    // The countdown: 1 s draining timeout, counted from when the operation was DONE.
    expect(report.results[0]!.elapsed_ms).toBeGreaterThanOrEqual(1000);
    expect(emulator.mutatingCalls().map((e) => e.action)).toEqual(['instanceGroups.removeInstances']);

    const status = await run(['status', 'gcp-ig:us-central1-a/web-ig'], ledger);
    expect(status.code, status.stderr).toBe(0);
    // Text output leaves out the project when it is the default in use (--project).
    expect(status.stdout).toMatch(/^gcp-ig:us-central1-a\/web-ig\/web-1 +absent .*drained/m);
    expect(status.stdout).toMatch(/web-2 +active +healthy/);

    const restored = await run(['restore', 'gcp-ig:us-central1-a/web-ig/web-1'], ledger);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain('1 restored');
    expect(emulator.mutatingCalls().map((e) => e.action)).toEqual(['instanceGroups.removeInstances', 'instanceGroups.addInstances']);
    const after = await run(['-o', 'json', 'status', 'gcp-ig:us-central1-a/web-ig/web-1'], ledger);
    expect(after.stdout).toMatch(/"state": "active"/);
  }, 30_000);

  it('drains and restores a whole backend with gcp-bs (capacityScaler 0, then the recorded value)', async () => {
    const ledger = ledgerPath();
    emulator.clearLog();
    const drained = await run(['drain', 'gcp-bs:global/web-bs/ig:us-central1-b:web-ig-b'], ledger);
    expect(drained.code, drained.stderr).toBe(0);
    const timeout = await run(['timeout', 'get', 'gcp-ig:us-central1-a/web-ig'], ledger);
    expect(timeout.stdout).toContain(`backendServices=gcp-bs:${P}/global/web-bs=1s`);
    const restored = await run(['restore', 'gcp-bs:global/web-bs/ig:us-central1-b:web-ig-b'], ledger);
    expect(restored.code, restored.stderr).toBe(0);
    expect(emulator.mutatingCalls().map((e) => e.action)).toEqual(['backendServices.patch', 'backendServices.patch']);
  }, 30_000);
});

describe('bad input changes nothing', () => {
  it.each([
    [['drain', 'gcp-ig:us-central1-a/web-ig/web-1'], 2, /the project is missing: pass --project <id> or set GOOGLE_CLOUD_PROJECT/, false],
    [['drain', 'gcp-ig:demo-project/us-central1-a/web-ig'], 2, /names a whole instance group, not a target/, true],
    [['drain', 'gcp-ig:demo-project/us-central1/web-ig/web-1'], 2, /"us-central1" is not a zone/, true],
    [['drain', 'gcp-ig:demo-project/us-central1-a/Web_IG/web-1'], 2, /not a valid instance group name/, true],
    [['drain', 'gcp-neg:demo-project/us-central1-a/web-neg/10.128.0.300:8080'], 2, /is not an endpoint <ip>:<port>/, true],
    [['drain', 'gcp-neg:demo-project/us-central1-a/web-neg/10.128.0.21:70000'], 2, /invalid port "70000"/, true],
    [['drain', 'gcp-bs:demo-project/global/web-bs/web-ig'], 2, /is not a backend \(ig:<zone>:<name> or neg:<zone>:<name>\)/, true],
    [['timeout', 'set', 'gcp-bs:demo-project/global/web-bs', '3601'], 2, /drain timeout 3601s is out of range .* allowed 0-3600 seconds/, true],
    [['timeout', 'set', 'gcp-bs:demo-project/global/web-bs', '2h'], 2, /out of range/, true],
    [['timeout', 'set', 'gcp-ig:demo-project/us-central1-a/web-ig', '30'], 2, /has no drain timeout of its own.*drainctl timeout set gcp-bs:global\/web-bs <duration>/, true],
    [['drain', 'gcp-ig:demo-project/us-central1-a/nope/web-1'], 3, /instance group nope not found in project demo-project, zone us-central1-a/, true],
    [['drain', 'gcp-ig:demo-project/us-central1-a/web-ig/web-9'], 3, /instance group demo-project\/us-central1-a\/web-ig has no target web-9 \(registered: web-/, true],
    [['drain', 'gcp-bs:demo-project/global/nope/ig:us-central1-a:web-ig'], 3, /backend service nope not found in project demo-project \(global\)/, true],
    [['drain', 'gcp-bs:demo-project/global/web-bs/ig:us-central1-f:other-ig'], 3, /has no target ig:us-central1-f:other-ig/, true],
    [['drain', 'gcp-ig:demo-project/us-central1-a/web-mig/web-mig-x1z2'], 5, /belongs to managed instance group web-mig.*abandon-instances/, true],
    [['restore', 'gcp-ig:demo-project/us-central1-a/web-mig/web-mig-x1z2'], 5, /belongs to managed instance group web-mig/, true],
    [['status', 'gcp-bs:demo-project/global/nope'], 3, /backend service nope not found/, true],
  ])('%j exits %i with one stderr line and no mutating call', async (args, code, message, withProject) => {
    emulator.clearLog();
    const result = withProject ? await run(args) : await runInProcess(args, { DRAINCTL_ENDPOINT_URL: emulator.url, DRAINCTL_LEDGER: ledgerPath() });
    expect(result.code, result.stderr).toBe(code);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^drainctl: /);
    expect(lines[0]).toMatch(message);
    expect(emulator.mutatingCalls()).toEqual([]);
  });
});

describe('refusals from the provider itself (with --force past the core checks)', () => {
  it.each([
    [['drain', '--force', 'gcp-bs:demo-project/global/neg-bs/neg:us-central1-a:web-neg'], /is the only backend of gcp-bs:global\/neg-bs/],
    [['drain', '--force', 'gcp-bs:demo-project/us-central1/web-ilb/ig:us-central1-b:web-ig-b'], /passthrough Network Load Balancer backend service \(loadBalancingScheme INTERNAL\)/],
  ])('%j exits 5 with one line, changes nothing, and leaves no row draining', async (args, message) => {
    emulator.clearLog();
    const ledger = ledgerPath();
    const result = await runInProcess(args, { DRAINCTL_ENDPOINT_URL: emulator.url, DRAINCTL_LEDGER: ledger, GOOGLE_CLOUD_PROJECT: 'demo-project' });
    expect(result.code, result.stderr).toBe(5);
    // The provider's checks run before the plan is announced: the refusal is the only line.
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(emulator.mutatingCalls()).toEqual([]);
    const history = await runInProcess(['-o', 'json', 'history'], { DRAINCTL_LEDGER: ledger });
    expect(JSON.parse(history.stdout).events).toEqual([]);
  });
});

describe('docs/providers/gcp.md', () => {
  it('lists a permission row for every API method the commands call', async () => {
    const { readFileSync } = await import('node:fs');
    const docs = readFileSync(new URL('../../../docs/providers/gcp.md', import.meta.url), 'utf8');
    const ledger = ledgerPath();
    emulator.clearLog();
    for (const args of [
      ['status', 'gcp-ig:us-central1-a/web-ig'],
      ['drain', 'gcp-ig:us-central1-a/web-ig/web-2'],
      ['restore', 'gcp-ig:us-central1-a/web-ig/web-2'],
      ['status', 'gcp-neg:us-central1-a/web-neg'],
      ['drain', 'gcp-neg:us-central1-a/web-neg/10.128.0.22:8080'],
      ['restore', 'gcp-neg:us-central1-a/web-neg/10.128.0.22:8080'],
      ['timeout', 'get', 'gcp-ig:us-central1-a/web-ig'],
      ['timeout', 'set', 'gcp-bs:global/web-bs', '1'],
      ['drain', 'gcp-bs:global/web-bs/ig:us-central1-a:web-ig'],
      ['restore', 'gcp-bs:global/web-bs/ig:us-central1-a:web-ig'],
      ['timeout', 'get', 'gcp-bs:us-central1/web-ilb'],
    ]) {
      const result = await run(args, ledger);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    }
    const methods = new Set(emulator.requestLog.map((e) => e.action));
    expect(methods.size).toBeGreaterThanOrEqual(12);
    // The table names global methods; a regional one shares its row (regionBackendServices.get -> backendServices.get).
    const rows = docs.split('\n').filter((l) => l.startsWith('| `'));
    for (const method of methods) {
      const global = method.replace(/^regionBackendServices\./, 'backendServices.').replace(/^(region|zone)Operations\./, 'globalOperations.');
      const [api, verb] = global.split('.') as [string, string];
      const documented = rows.some((row) => row.includes(`\`${global}\``) || (row.includes(`\`${api}.`) && row.includes(`\`${verb}\``)));
      expect(documented, `${method} has a permission row in docs/providers/gcp.md`).toBe(true);
    }
  }, 60_000);
});

describe('--timeout bounds the wait for a Compute Engine operation', () => {
  it('drain --timeout 5s with the operation held PENDING ends at the deadline with exit 4, naming the operation', async () => {
    // The operation stays PENDING for a day, and each wait call holds for up to a minute.
    const held = await startGcpEmulator({ seed: quickSeed(), operationDelayMs: 24 * 3_600_000, operationWaitMaxMs: 60_000 });
    try {
      const result = await runInProcess(['--project', P, 'drain', 'gcp-ig:us-central1-a/web-ig/web-1', '--timeout', '5s'], { DRAINCTL_ENDPOINT_URL: held.url, DRAINCTL_LEDGER: ledgerPath() });
      expect(result.code, result.stderr).toBe(4);
      expect(result.stderr).toMatch(/operation operation-\S+ is still PENDING: gave up at the deadline/);
      expect(held.mutatingCalls().map((e) => e.action)).toEqual(['instanceGroups.removeInstances']);
    } finally {
      await held.stop();
    }
    // Before the fix this waited 10 minutes inside the provider; the test's own bound is what fails then.
  }, 20_000);
});
