import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCall } from '../support/call.js';
import { timeoutSetFromCommand } from '../../src/cli/commands/timeout-from.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { type AwsEmulator, startAwsEmulator } from '../../src/emulators/aws/index.js';
import type { Ledger } from '../../src/core/ledger.js';
import { createMemoryLedger } from '../../src/ledger/memory.js';
import { Elbv2Provider } from '../../src/providers/aws-elbv2/provider.js';
import * as S from '../latency/samples.js';
import { runCommand, tempFile } from './helpers.js';

let emulator: AwsEmulator;
let ledger: Ledger;
const ENV = { NO_COLOR: '1' };

beforeAll(async () => {
  emulator = await startAwsEmulator({
    throttle: 'off',
    seed: {
      targetGroups: [
        { name: 'web', protocol: 'HTTP', port: 80, targetType: 'instance', attributes: { 'deregistration_delay.timeout_seconds': '300' }, targets: [{ id: 'i-0a1b2c3d4e5f60001', port: 8080 }] },
        { name: 'tcp-api', protocol: 'TCP', port: 9000, targetType: 'ip', attributes: { 'deregistration_delay.timeout_seconds': '300' }, targets: [{ id: '10.0.1.5', port: 9000 }] },
      ],
      classicLoadBalancers: [{ name: 'legacy', connectionDraining: { enabled: true, timeout: 300 }, instances: [{ id: 'i-0b1b2c3d4e5f60001', connections: 0 }] }],
    },
  });
  ledger = createMemoryLedger();
});
afterAll(() => emulator.stop());

type Flags = Parameters<typeof timeoutSetFromCommand>[3];
const set = (ref: string, duration: string | undefined, flags: Flags) =>
  runCommand((ctx) => timeoutSetFromCommand(ctx, ref, duration, flags), { endpointUrl: emulator.url, region: 'us-east-1', ledgerInstance: ledger, env: ENV });

async function delayOf(group: string): Promise<number | undefined> {
  const provider = await Elbv2Provider.create({ endpointUrl: emulator.url, region: 'us-east-1', env: {} });
  try {
    return (await provider.getTimeout({ kind: 'group', provider: 'elbv2', group }, testCall())).seconds;
  } finally {
    provider.close();
  }
}

describe('drainctl timeout set <group-ref> --p99 | --from-log | --from-history', () => {
  it('--dry-run shows old and new, and changes nothing', async () => {
    const run = await set('elbv2:web', undefined, { p99: '20s', dryRun: true });
    expect(run.code).toBe(EXIT.ok);
    expect(run.result!.text.split('\n')[0]).toBe('elbv2:web: would change drain timeout 300s -> 40s');
    expect(run.result!.data).toMatchObject({ dry_run: true, previous: { seconds: 300 }, current: { seconds: 40 }, recommendation: { seconds: 40, provider_seconds: 40 } });
    expect(await delayOf('web')).toBe(300);
  });

  it('applies the recommendation through setDrainTimeout and records it', async () => {
    const run = await set('elbv2:web', undefined, { p99: '20s' });
    expect(run.code).toBe(EXIT.ok);
    expect(run.result!.text).toContain('elbv2:web: changed drain timeout 300s -> 40s');
    expect(run.result!.text).toContain('p99 20s × margin 2 = 40s, rounded up to 40s');
    expect(await delayOf('web')).toBe(40);
    expect((await ledger.history({ provider: 'elbv2', group: 'web' }))[0]).toMatchObject({ type: 'timeout_changed', details: { from: 300, to: 40 } });
  });

  it('from a log, on a Classic ELB', async () => {
    const path = tempFile('elb.log', `${S.ELB_DOC}\n`.repeat(50));
    const run = await set('elb:legacy', undefined, { fromLog: path, format: 'elb' });
    expect(run.code).toBe(EXIT.ok);
    expect(run.result!.text.split('\n')[0]).toBe('elb:legacy: changed drain timeout 300s -> 30s');
    expect(run.warnings).toEqual([expect.stringMatching(/only 50 samples/)]);
  });

  it('a bare --from-history reads the group being set', async () => {
    const run = await set('elbv2:web', undefined, { fromHistory: true, dryRun: true });
    // The ledger holds no finished drain of elbv2:web: a usage error naming the group.
    expect(run.code).toBe(EXIT.usage);
    expect(run.error?.message).toBe('no finished drain of elbv2:web in the ledger');
  });

  it('warns about the NLB minimum on a TCP target group', async () => {
    const run = await set('elbv2:tcp-api', undefined, { p99: '1s', dryRun: true });
    expect(run.code).toBe(EXIT.ok);
    expect(run.warnings).toEqual(['elbv2:tcp-api: for an NLB target group AWS recommends at least 120s']);
  });

  it('caps at the provider maximum, and refuses (exit 5, nothing changed) when p99 itself is beyond it', async () => {
    const capped = await set('elbv2:web', undefined, { p99: '40m', dryRun: true });
    expect(capped.result!.data).toMatchObject({ current: { seconds: 3600 }, recommendation: { seconds: 4800, provider_seconds: 3600, clamped: 'max' } });
    const before = await delayOf('web');
    const refused = await set('elbv2:web', undefined, { p99: '2h' });
    expect(refused.code).toBe(EXIT.refused);
    expect(refused.error?.message).toMatch(/draining is the wrong tool/);
    expect(await delayOf('web')).toBe(before);
  });

  it('a plain duration still works (the existing timeout set)', async () => {
    const run = await set('elbv2:web', '60s', {});
    expect(run.code).toBe(EXIT.ok);
    expect(await delayOf('web')).toBe(60);
  });

  it.each<[string, string | undefined, Flags, RegExp]>([
    ['a duration and a source', '60s', { p99: '1s' }, /^give either a duration or a latency source/],
    ['neither', undefined, {}, /^timeout set needs a duration or a latency source/],
    ['--margin with a duration', '60s', { margin: '2' }, /^--margin applies only with a latency source/],
    ['--p99 0', undefined, { p99: '0s' }, /more than zero/],
    ['a negative margin', undefined, { p99: '1s', margin: '-1' }, /^invalid --margin/],
    ['a log that does not exist', undefined, { fromLog: '/nonexistent/alb.log', format: 'alb' }, /^log file not found: \/nonexistent\/alb\.log$/],
  ])('%s: exit 2, nothing changed', async (_what, duration, flags, message) => {
    const before = await delayOf('web');
    const run = await set('elbv2:web', duration, flags);
    expect(run.code).toBe(EXIT.usage);
    expect(run.error?.message).toMatch(message);
    expect(await delayOf('web')).toBe(before);
  });
});
