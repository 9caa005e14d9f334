import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { type AwsEmulator, startAwsEmulator } from '../../src/emulators/aws/index.js';
import { runInProcess } from '../support/in-process.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('docs/exit-codes.md', () => {
  it('documents exactly the exit codes the CLI uses', () => {
    const rows = [...read('docs/exit-codes.md').matchAll(/^\|\s*(\d+)\s*\|/gm)].map((m) => Number(m[1]));
    expect(new Set(rows)).toEqual(new Set(Object.values(EXIT)));
  });
});

describe('docs/providers/aws.md least-privilege policy', () => {
  let emulator: AwsEmulator;
  beforeAll(async () => {
    emulator = await startAwsEmulator({
      throttle: 'off',
      healthyAfterMs: 100,
      seed: {
        targetGroups: [{ name: 'web', protocol: 'HTTP', port: 80, targetType: 'instance', attributes: { 'deregistration_delay.timeout_seconds': '1' }, targets: ['1', '2', '3'].map((n) => ({ id: `i-0a1b2c3d4e5f6000${n}`, port: 8080 })) }],
        classicLoadBalancers: [{ name: 'legacy', connectionDraining: { enabled: true, timeout: 1 }, instances: ['1', '2'].map((n) => ({ id: `i-0b1b2c3d4e5f6000${n}`, connections: 0 })) }],
      },
    });
  });
  afterAll(() => emulator.stop());

  it('names exactly the actions that every command makes against ELBv2 and Classic ELB', async () => {
    const env = { DRAINCTL_ENDPOINT_URL: emulator.url, AWS_REGION: 'us-east-1' };
    const ledger = { DRAINCTL_LEDGER: `${process.env.TMPDIR ?? '/tmp'}/drainctl-iam-${process.pid}.db` };
    for (const [t, g] of [
      ['elbv2:web/i-0a1b2c3d4e5f60001', 'elbv2:web'],
      ['elb:legacy/i-0b1b2c3d4e5f60001', 'elb:legacy'],
    ] as const) {
      for (const args of [['drain', t], ['status', g], ['status', t], ['restore', t], ['drain', t, '--no-wait'], ['watch', t], ['restore', t, '--no-wait'], ['timeout', 'get', g], ['timeout', 'set', g, '2'], ['history', t]]) {
        const run = await runInProcess(args, { ...env, ...ledger });
        expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
      }
    }
    const made = new Set(emulator.requestLog.map((e) => `elasticloadbalancing:${e.action}`));
    const policy = /```json\n([\s\S]*?)\n```/.exec(read('docs/providers/aws.md'));
    expect(policy, 'a ```json policy block').toBeTruthy();
    const statements = (JSON.parse(policy![1]!) as { Statement: { Action: string | string[] }[] }).Statement;
    const allowed = new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
    expect([...allowed].sort()).toEqual([...made].sort());
  });
});
