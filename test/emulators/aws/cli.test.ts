/**
 * The real AWS CLI against the emulator: botocore has its own query serializer, XML parser and
 * waiter, so this catches wire-format mistakes the JavaScript SDK would forgive.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { AwsEmulator, AwsSeed } from '../../../src/emulators/aws/index.js';
import { FakeClock, emulatorHarness } from './helpers.js';

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return join(dir, command);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const awsCli = findOnPath('aws');
const requireCli = process.env.CI === 'true';

if (!awsCli) {
  if (requireCli) {
    it('has the AWS CLI on PATH (required when CI=true)', () => {
      throw new Error('`aws` is not on PATH; with CI=true the AWS CLI wire tests must run, so install the AWS CLI in the CI image');
    });
  } else {
    console.warn('\n**********\n* SKIPPING the AWS CLI emulator tests: `aws` is not on PATH. Install the AWS CLI to run them.\n**********\n');
  }
}

// Only what the tests choose: no profile, config file or instance metadata from the machine running them.
const cliEnv: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_'))),
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'dummy',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
};

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function aws(emulator: AwsEmulator, args: string[], timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      awsCli!,
      ['--endpoint-url', emulator.url, '--region', 'us-east-1', '--output', 'json', ...args],
      { env: cliEnv, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const seed: AwsSeed = {
  targetGroups: [
    { name: 'web', port: 80, targets: [{ id: 'i-0a1b2c3d4e5f60001', port: 8080, health: 'healthy' }] },
    {
      name: 'quick',
      port: 80,
      attributes: { 'deregistration_delay.timeout_seconds': '1' },
      targets: [{ id: 'i-0a1b2c3d4e5f60002', port: 8080, health: 'healthy' }],
    },
  ],
  classicLoadBalancers: [{ name: 'legacy-web', connectionDraining: { enabled: true, timeout: 30 }, instances: [{ id: 'i-0a1b2c3d4e5f60009', health: 'healthy' }] }],
};

const h = emulatorHarness();

describe.skipIf(!awsCli)('AWS CLI against the emulator', () => {
  it('describe-target-health', async () => {
    const emulator = await h.start({ seed });
    const result = await aws(emulator, ['elbv2', 'describe-target-health', '--target-group-arn', emulator.targetGroupArn('web')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      TargetHealthDescriptions: [{ Target: { Id: 'i-0a1b2c3d4e5f60001', Port: 8080 }, HealthCheckPort: '8080', TargetHealth: { State: 'healthy' } }],
    });
  });

  it('reports a TargetGroupNotFound error the way the CLI reports real AWS errors', async () => {
    const emulator = await h.start({ seed });
    const missing = emulator.targetGroupArn('web').replace('/web/', '/gone/');
    const result = await aws(emulator, ['elbv2', 'describe-target-health', '--target-group-arn', missing]);
    expect(result.code).toBe(255);
    expect(result.stderr).toContain('An error occurred (TargetGroupNotFound) when calling the DescribeTargetHealth operation: One or more target groups not found');
  });

  it(
    'deregister-targets, then `wait target-deregistered` polls draining, then unused after the 1 s delay',
    async () => {
      // CLI start-up can take longer than the delay itself, so the emulator runs on a clock the
      // test moves: the first poll is guaranteed to see `draining`, the second `unused`.
      const clock = new FakeClock();
      const emulator = await h.start({ seed, clock });
      const arn = emulator.targetGroupArn('quick');
      const targets = ['--targets', 'Id=i-0a1b2c3d4e5f60002,Port=8080'];
      const deregister = await aws(emulator, ['elbv2', 'deregister-targets', '--target-group-arn', arn, ...targets]);
      expect(deregister.stderr).toBe('');
      expect(deregister.code).toBe(0);
      expect(emulator.drainingEndsAt('quick', 'i-0a1b2c3d4e5f60002', 8080)).toBe(clock.now() + 1000);

      // The CLI waiter polls every 15 s.
      const waiting = aws(emulator, ['elbv2', 'wait', 'target-deregistered', '--target-group-arn', arn, ...targets], 50_000);
      for (let i = 0; i < 200 && emulator.callCount({ action: 'DescribeTargetHealth' }) === 0; i++) await sleep(100);
      expect(emulator.callCount({ action: 'DescribeTargetHealth' })).toBe(1);
      clock.advance(1000);
      const wait = await waiting;
      expect(wait.stderr).toBe('');
      expect(wait.code).toBe(0);
      const polls = emulator.requestLog.filter((e) => e.action === 'DescribeTargetHealth');
      expect(polls).toHaveLength(2);
      expect(polls[0]?.params).toEqual({
        Action: 'DescribeTargetHealth',
        Version: '2015-12-01',
        TargetGroupArn: arn,
        'Targets.member.1.Id': 'i-0a1b2c3d4e5f60002',
        'Targets.member.1.Port': '8080',
      });
    },
    60_000,
  );

  it('elb describe-instance-health', async () => {
    const emulator = await h.start({ seed });
    const result = await aws(emulator, ['elb', 'describe-instance-health', '--load-balancer-name', 'legacy-web']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      InstanceStates: [{ InstanceId: 'i-0a1b2c3d4e5f60009', State: 'InService', ReasonCode: 'N/A', Description: 'N/A' }],
    });
  });
});
