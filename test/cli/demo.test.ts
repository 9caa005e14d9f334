/** `npm run demo` (`drainctl demo`): the whole job on the built-in emulator, no account needed. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { cleanupAfterEach } from './helpers.js';

cleanupAfterEach();

describe('drainctl demo', () => {
  it('drains and restores a target and says so', async () => {
    const result = await runCli(['demo'], { timeoutMs: 45_000 });
    expect(result.code, `stdout: ${result.stdout}\nstderr: ${result.stderr}`).toBe(0);
    const lastLine = result.stdout.trimEnd().split('\n').at(-1);
    expect(lastLine).toMatch(/^demo finished: drained and restored elbv2:web\/i-0a1b2c3d4e5f60001 with \d+ API calls$/);
    expect(result.stderr).toMatch(/^elbv2:web\/i-0a1b2c3d4e5f60001:8080: draining: /m);
    expect(result.stderr).toMatch(/draining -> absent/);
    expect(result.stderr).toMatch(/^✓ elbv2:web\/i-0a1b2c3d4e5f60001:8080: drained after /m);
    expect(result.stderr).toMatch(/^✓ elbv2:web\/i-0a1b2c3d4e5f60001:8080: restored and healthy after /m);
    expect(result.stderr).not.toMatch(/drainctl:|warning:/);
  });
});

describe.each([
  ['gcp', 'gcp-ig:demo-project/us-central1-a/web-ig/web-1'],
  ['azure', 'azure-agw:00000000-0000-0000-0000-000000000001/demo-rg/demo-agw/web-pool/10.1.0.4'],
])('drainctl demo --provider %s', (provider, target) => {
  it('drains and restores the same way on that emulator', async () => {
    const result = await runCli(['demo', '--provider', provider], { timeoutMs: 45_000 });
    expect(result.code, `stdout: ${result.stdout}\nstderr: ${result.stderr}`).toBe(0);
    expect(result.stdout).toContain(`demo finished: drained and restored ${target} with `);
    const escaped = target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    expect(result.stderr).toMatch(new RegExp(`^✓ ${escaped}: drained after `, 'm'));
    expect(result.stderr).toMatch(new RegExp(`^✓ ${escaped}: restored and healthy after `, 'm'));
    expect(result.stderr).not.toMatch(/drainctl:|warning:/);
  });
});
