import { startAwsEmulator } from '../../src/emulators/aws/index.js';
import { ElbProvider } from '../../src/providers/aws-elb/provider.js';
import { Elbv2Provider } from '../../src/providers/aws-elbv2/provider.js';
import type { ProviderOptions } from '../../src/providers/options.js';
import { motoAvailable, queryCall, requireTool, startMoto, xmlValue, xmlValues } from '../support/moto.js';
import { type HeldWork, providerContract } from './contract.js';
import type { TargetStatus } from '../../src/core/state.js';

const IDS = ['i-0c0ffee000000001', 'i-0c0ffee000000002', 'i-0c0ffee000000003'];
const options = (url: string): ProviderOptions => ({ endpointUrl: url, region: 'us-east-1', env: {} });

providerContract('elbv2 on the built-in emulator', async () => {
  const emulator = await startAwsEmulator({
    throttle: 'aws',
    healthyAfterMs: 200,
    seed: {
      targetGroups: [{ name: 'web', protocol: 'HTTP', port: 80, targetType: 'instance', attributes: { 'deregistration_delay.timeout_seconds': '1' }, targets: IDS.map((id) => ({ id, port: 8080 })) }],
    },
  });
  return {
    provider: await Elbv2Provider.create(options(emulator.url)),
    group: { kind: 'group', provider: 'elbv2', group: 'web' },
    timeoutSeconds: 1,
    missingTarget: { kind: 'target', provider: 'elbv2', group: 'web', target: 'i-0c0ffee000000009:8080' },
    missingGroup: { kind: 'group', provider: 'elbv2', group: 'nope' },
    drainBoundMs: 10_000,
    close: () => emulator.stop(),
  };
});

providerContract('elb (Classic) on the built-in emulator', async () => {
  const emulator = await startAwsEmulator({
    throttle: 'aws',
    healthyAfterMs: 200,
    seed: { classicLoadBalancers: [{ name: 'legacy', connectionDraining: { enabled: true, timeout: 2 }, instances: IDS.map((id) => ({ id })) }] },
  });
  const timers = new Set<NodeJS.Timeout>();
  // One open connection on the instance, closed after `ms`: the emulator's count is what Classic sees.
  const holdWork = async (target: TargetStatus, ms: number): Promise<HeldWork> => {
    emulator.setConnections('legacy', target.ref.target, 1);
    let settled = false;
    const ended = new Promise<'completed'>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        settled = true;
        try {
          emulator.setConnections('legacy', target.ref.target, 0);
        } catch {
          // already deregistered
        }
        resolve('completed');
      }, ms);
      timers.add(timer);
    });
    return { ended, settled: () => settled };
  };
  return {
    provider: await ElbProvider.create(options(emulator.url)),
    group: { kind: 'group', provider: 'elb', group: 'legacy' },
    timeoutSeconds: 2,
    missingTarget: { kind: 'target', provider: 'elb', group: 'legacy', target: 'i-0c0ffee000000009' },
    missingGroup: { kind: 'group', provider: 'elb', group: 'nope' },
    drainBoundMs: 10_000,
    holdWork,
    close: () => {
      for (const timer of timers) clearTimeout(timer);
      return emulator.stop();
    },
  };
});

const haveMoto = motoAvailable();

providerContract('elbv2 on moto', async () => {
  if (!requireTool('moto (python3 -m moto.server)', haveMoto)) return undefined;
  const moto = await startMoto();
  const ec2 = (action: string, params: Record<string, string>) => queryCall(moto.url, 'ec2', '2016-11-15', action, params);
  const elbv2 = (action: string, params: Record<string, string>) => queryCall(moto.url, 'elasticloadbalancing', '2015-12-01', action, params);
  const vpc = xmlValue(await ec2('CreateVpc', { CidrBlock: '10.0.0.0/16' }), 'vpcId');
  const instances = xmlValues(await ec2('RunInstances', { ImageId: 'ami-12c6146b', MinCount: '3', MaxCount: '3', InstanceType: 't3.micro' }), 'instanceId');
  const arn = xmlValue(await elbv2('CreateTargetGroup', { Name: 'web', Protocol: 'HTTP', Port: '80', VpcId: vpc, TargetType: 'instance' }), 'TargetGroupArn');
  await elbv2('ModifyTargetGroupAttributes', { TargetGroupArn: arn, 'Attributes.member.1.Key': 'deregistration_delay.timeout_seconds', 'Attributes.member.1.Value': '1' });
  const targets: Record<string, string> = { TargetGroupArn: arn };
  instances.forEach((id, i) => Object.assign(targets, { [`Targets.member.${i + 1}.Id`]: id, [`Targets.member.${i + 1}.Port`]: '8080' }));
  await elbv2('RegisterTargets', targets);
  return {
    provider: await Elbv2Provider.create(options(moto.url)),
    group: { kind: 'group', provider: 'elbv2', group: 'web' },
    timeoutSeconds: 1,
    missingTarget: { kind: 'target', provider: 'elbv2', group: 'web', target: '10.9.9.9:8080' },
    missingGroup: { kind: 'group', provider: 'elbv2', group: 'nope' },
    drainBoundMs: 10_000,
    deviations: {
      reportsNoDraining: 'moto 5.2 deregisters a target at once: it never shows draining',
      refusesMaxTimeout: "moto 5.2 refuses deregistration_delay.timeout_seconds 3600 (\"must be between '0-3600' inclusive\")",
    },
    close: () => moto.stop(),
  };
});

providerContract('elb (Classic) on moto', async () => {
  if (!requireTool('moto (python3 -m moto.server)', haveMoto)) return undefined;
  const moto = await startMoto();
  const ec2 = (action: string, params: Record<string, string>) => queryCall(moto.url, 'ec2', '2016-11-15', action, params);
  const elb = (action: string, params: Record<string, string>) => queryCall(moto.url, 'elasticloadbalancing', '2012-06-01', action, params);
  const instances = xmlValues(await ec2('RunInstances', { ImageId: 'ami-12c6146b', MinCount: '3', MaxCount: '3', InstanceType: 't3.micro' }), 'instanceId');
  await elb('CreateLoadBalancer', { LoadBalancerName: 'legacy', 'Listeners.member.1.Protocol': 'HTTP', 'Listeners.member.1.LoadBalancerPort': '80', 'Listeners.member.1.InstancePort': '8080', 'AvailabilityZones.member.1': 'us-east-1a' });
  await elb('ModifyLoadBalancerAttributes', { LoadBalancerName: 'legacy', 'LoadBalancerAttributes.ConnectionDraining.Enabled': 'true', 'LoadBalancerAttributes.ConnectionDraining.Timeout': '2' });
  const register: Record<string, string> = { LoadBalancerName: 'legacy' };
  instances.forEach((id, i) => (register[`Instances.member.${i + 1}.InstanceId`] = id));
  await elb('RegisterInstancesWithLoadBalancer', register);
  return {
    provider: await ElbProvider.create(options(moto.url)),
    group: { kind: 'group', provider: 'elb', group: 'legacy' },
    timeoutSeconds: 2,
    missingTarget: { kind: 'target', provider: 'elb', group: 'legacy', target: 'i-0c0ffee000000009' },
    missingGroup: { kind: 'group', provider: 'elb', group: 'nope' },
    drainBoundMs: 10_000,
    deviations: {
      missingGroup: { ops: ['getTimeout', 'setTimeout', 'drain', 'restore'], why: 'moto 5.2 answers every call but DescribeInstanceHealth for an unknown Classic load balancer with HTTP 500, not LoadBalancerNotFound' },
      noWorkToHold: 'moto has no connections to hold open, and deregisters at once',
    },
    close: () => moto.stop(),
  };
});
