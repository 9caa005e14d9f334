/** Shared set-up for the AWS emulator tests: a fake clock, real SDK clients, automatic cleanup. */
import { ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterEach } from 'vitest';
import { startAwsEmulator, type AwsEmulator, type AwsEmulatorOptions } from '../../../src/emulators/aws/index.js';

/** A clock that only moves when told to. */
export class FakeClock {
  constructor(public ms = Date.UTC(2026, 0, 1, 12, 0, 0)) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy' };

/** An SDK error as the AWS SDK v3 builds it for awsQuery errors. */
export interface SdkError extends Error {
  Code?: string;
  $fault?: string;
  $metadata: { httpStatusCode?: number; requestId?: string; attempts?: number };
}

/** The rejection of `promise`; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/**
 * Starts emulators and SDK clients that are stopped after each test. `maxAttempts: 1` so that
 * errors reach the test instead of being retried away.
 */
export function emulatorHarness() {
  const emulators: AwsEmulator[] = [];
  const clients: { destroy(): void }[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await Promise.all(emulators.splice(0).map((e) => e.stop()));
  });
  return {
    async start(options: AwsEmulatorOptions = {}): Promise<AwsEmulator> {
      const emulator = await startAwsEmulator(options);
      emulators.push(emulator);
      return emulator;
    },
    elbv2(emulator: AwsEmulator, maxAttempts = 1): ElasticLoadBalancingV2Client {
      const client = new ElasticLoadBalancingV2Client({ endpoint: emulator.url, region: 'us-east-1', credentials, maxAttempts });
      clients.push(client);
      return client;
    },
    elb(emulator: AwsEmulator, maxAttempts = 1): ElasticLoadBalancingClient {
      const client = new ElasticLoadBalancingClient({ endpoint: emulator.url, region: 'us-east-1', credentials, maxAttempts });
      clients.push(client);
      return client;
    },
  };
}

/** POSTs a raw awsQuery form, for checks below the SDK (status, headers, exact bytes). */
export async function postForm(url: string, form: Record<string, string>): Promise<{ status: number; headers: Headers; body: string }> {
  const res = await fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}
