import type { ProviderDescriptor } from '../../core/provider.js';
import { ELB_API_RATES } from '../aws/elb-api.js';
import { elbSyntax } from './syntax.js';

/** Classic ELB: DeregisterInstancesFromLoadBalancer drains; ConnectionDraining.Timeout is the drain timeout. */
export const elbDescriptor: ProviderDescriptor = {
  name: 'elb',
  title: 'AWS Classic Load Balancer instances',
  syntax: elbSyntax,
  docs: 'docs/providers/aws.md',
  // Classic reports the instance InService until its connections end, then drops it: drainctl sees the end.
  completion: 'observed',
  completesEarly: true,
  timeout: { minSeconds: 1, maxSeconds: 3600, defaultSeconds: 300, setting: 'ConnectionDraining.Timeout' },
  healthCheckReadable: true,
  propagationSeconds: 5,
  apiRates: ELB_API_RATES,
  options: [],
  load: async (settings) => (await import('./provider.js')).ElbProvider.create(settings),
};
