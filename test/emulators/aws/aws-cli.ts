import { execFile, spawnSync } from 'node:child_process';
import type { AwsEmulator } from '../../../src/emulators/aws/index.js';
import { requireTool } from '../../support/moto.js';

/** Whether the AWS CLI runs here (a missing CLI skips loudly, and fails under CI). */
export const haveAwsCli = (): boolean => requireTool('aws (the AWS CLI)', spawnSync('aws', ['--version'], { stdio: 'ignore', timeout: 20_000 }).status === 0);

// Only what the tests choose: no profile, config file or instance metadata from the machine running them.
const cliEnv: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_'))),
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'dummy',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** Runs `aws <args>` against the emulator, JSON output, dummy credentials. */
export function awsCli(emulator: AwsEmulator, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('aws', ['--endpoint-url', emulator.url, '--region', 'us-east-1', '--output', 'json', ...args], { env: cliEnv, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}
