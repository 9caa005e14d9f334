/** The seed behind `drainctl demo` and the documentation's examples. */
import type { AwsSeed } from './seed.js';

/**
 * An ALB group "web" (three instances on 8080, 5 s delay), an NLB TCP group "tcp-api" (two IP
 * targets, 10 s delay) and a Classic ELB "legacy-web" (two instances, connection draining 30 s).
 */
export function demoSeed(): AwsSeed {
  return {
    region: 'us-east-1',
    accountId: '123456789012',
    loadBalancers: [
      { name: 'demo-alb', type: 'application' },
      { name: 'demo-nlb', type: 'network', scheme: 'internal' },
    ],
    targetGroups: [
      {
        name: 'web',
        protocol: 'HTTP',
        port: 80,
        targetType: 'instance',
        loadBalancers: ['demo-alb'],
        attributes: { 'deregistration_delay.timeout_seconds': '5' },
        targets: [
          { id: 'i-0a1b2c3d4e5f60001', port: 8080, availabilityZone: 'us-east-1a', health: 'healthy' },
          { id: 'i-0a1b2c3d4e5f60002', port: 8080, availabilityZone: 'us-east-1b', health: 'healthy' },
          { id: 'i-0a1b2c3d4e5f60003', port: 8080, availabilityZone: 'us-east-1c', health: 'healthy' },
        ],
      },
      {
        name: 'tcp-api',
        protocol: 'TCP',
        port: 9000,
        targetType: 'ip',
        loadBalancers: ['demo-nlb'],
        // AWS's default of 300 s would make the demo wait five minutes.
        attributes: { 'deregistration_delay.timeout_seconds': '10' },
        targets: [
          { id: '10.0.1.10', availabilityZone: 'us-east-1a', health: 'healthy' },
          { id: '10.0.2.10', availabilityZone: 'us-east-1b', health: 'healthy' },
        ],
      },
    ],
    classicLoadBalancers: [
      {
        name: 'legacy-web',
        connectionDraining: { enabled: true, timeout: 30 },
        instances: [
          { id: 'i-0a1b2c3d4e5f60009', connections: 2, connectionsEndAfterMs: 1500, health: 'healthy' },
          { id: 'i-0a1b2c3d4e5f6000a', connections: 3, connectionsEndAfterMs: 4000, health: 'healthy' },
        ],
      },
    ],
  };
}
