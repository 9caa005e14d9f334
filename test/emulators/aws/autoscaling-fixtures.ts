/** The seed and clients the Auto Scaling emulator tests share. */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { afterEach } from 'vitest';
import type { AwsEmulator, AwsSeed } from '../../../src/emulators/aws/index.js';
import { credentials } from './helpers.js';

export const WEB_1 = 'i-0a1b2c3d4e5f60001';
export const WEB_2 = 'i-0a1b2c3d4e5f60002';
export const WEB_3 = 'i-0a1b2c3d4e5f60003';
export const TOKEN_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Group "web" (terminating hook, attached to target group "web" and Classic "legacy") and group "batch" (no hooks). */
export function asgSeed(hook: { heartbeatTimeout?: number; defaultResult?: 'CONTINUE' | 'ABANDON'; notificationQueueUrl?: string } = {}): AwsSeed {
  return {
    targetGroups: [
      {
        name: 'web',
        port: 80,
        attributes: { 'deregistration_delay.timeout_seconds': '30' },
        targets: [
          { id: WEB_1, health: 'healthy' },
          { id: WEB_2, health: 'healthy' },
          { id: WEB_3, health: 'healthy' },
        ],
      },
    ],
    classicLoadBalancers: [{ name: 'legacy', connectionDraining: { enabled: true, timeout: 60 }, instances: [{ id: WEB_1, connections: 3 }] }],
    autoScalingGroups: [
      {
        name: 'web',
        minSize: 1,
        maxSize: 5,
        instances: [
          { id: WEB_1, availabilityZone: 'us-east-1a' },
          { id: WEB_2, availabilityZone: 'us-east-1b' },
          { id: WEB_3 },
        ],
        targetGroups: ['web'],
        loadBalancers: ['legacy'],
        lifecycleHooks: [
          {
            name: 'drain',
            transition: 'autoscaling:EC2_INSTANCE_TERMINATING',
            heartbeatTimeout: hook.heartbeatTimeout ?? 300,
            defaultResult: hook.defaultResult ?? 'ABANDON',
            notificationMetadata: '{"drain":"web"}',
            ...(hook.notificationQueueUrl ? { notificationQueueUrl: hook.notificationQueueUrl } : {}),
          },
        ],
      },
      { name: 'batch', minSize: 0, maxSize: 3, instances: [{ id: 'i-0b000000000000001' }] },
    ],
  };
}

/** Auto Scaling clients that are destroyed after each test; one attempt so errors reach the test. */
export function autoScalingClients() {
  const clients: AutoScalingClient[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  return (emulator: AwsEmulator): AutoScalingClient => {
    const client = new AutoScalingClient({ endpoint: emulator.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    clients.push(client);
    return client;
  };
}
