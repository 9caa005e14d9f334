/**
 * How long an ELBv2 target group may go on routing after a change, in its own health-check terms
 * (interval × unhealthy threshold), read through the real SDK from moto, an independent AWS
 * implementation, with values set by its own CreateTargetGroup (not drainctl's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standaloneCall } from '../../../src/core/call.js';
import { Elbv2Provider } from '../../../src/providers/aws-elbv2/provider.js';
import { type MotoServer, motoAvailable, queryCall, requireTool, startMoto, xmlValue } from '../../support/moto.js';

const haveMoto = motoAvailable();

describe('ELBv2 routing propagation, on moto', () => {
  let moto: MotoServer | undefined;
  beforeAll(async () => {
    if (!requireTool('moto (python3 -m moto.server)', haveMoto)) return;
    moto = await startMoto();
    const ec2 = (action: string, params: Record<string, string>) => queryCall(moto!.url, 'ec2', '2016-11-15', action, params);
    const elbv2 = (action: string, params: Record<string, string>) => queryCall(moto!.url, 'elasticloadbalancing', '2015-12-01', action, params);
    const vpc = xmlValue(await ec2('CreateVpc', { CidrBlock: '10.0.0.0/16' }), 'vpcId');
    await elbv2('CreateTargetGroup', { Name: 'fast', Protocol: 'HTTP', Port: '80', VpcId: vpc, HealthCheckIntervalSeconds: '7', UnhealthyThresholdCount: '3' });
    await elbv2('CreateTargetGroup', { Name: 'defaults', Protocol: 'HTTP', Port: '80', VpcId: vpc });
  }, 60_000);
  afterAll(async () => moto?.stop());

  it.runIf(haveMoto || process.env.CI === 'true')('is the health-check interval times the unhealthy threshold, as the group is configured', async () => {
    const provider = await Elbv2Provider.create({ endpointUrl: moto!.url, region: 'us-east-1', env: {} });
    try {
      const call = standaloneCall({ timeoutMs: 10_000 });
      expect(await provider.routingPropagationMs({ kind: 'group', provider: 'elbv2', group: 'fast' }, call)).toBe(21_000);
      // AWS's documented defaults for an HTTP target group: every 30 s, unhealthy after 2 failures.
      expect(await provider.routingPropagationMs({ kind: 'group', provider: 'elbv2', group: 'defaults' }, call)).toBe(60_000);
    } finally {
      provider.close();
    }
  });
});
