import type { ProviderDescriptor } from '../../core/provider.js';
import { ELB_API_RATES } from '../aws/elb-api.js';
import { elbv2Syntax } from './syntax.js';

/** ELBv2 (ALB, NLB, GWLB) target groups: DeregisterTargets drains; the deregistration delay is the drain timeout. */
export const elbv2Descriptor: ProviderDescriptor = {
  name: 'elbv2',
  title: 'AWS ALB/NLB/GWLB target groups',
  syntax: elbv2Syntax,
  docs: 'docs/providers/aws.md',
  // ELBv2 reports `draining` for the whole delay, however soon the last request ends.
  completion: 'reported',
  completesEarly: false,
  timeout: {
    minSeconds: 0,
    maxSeconds: 3600,
    defaultSeconds: 300,
    setting: 'deregistration_delay.timeout_seconds',
    recommendedMin: { seconds: 120, why: 'for an NLB target group AWS recommends at least 120s', code: 'nlb_minimum' },
  },
  healthCheckReadable: true,
  propagationSeconds: 5,
  // Registration calls are chunked as the AWS Load Balancer Controller does.
  maxTargetsPerCall: 200,
  apiRates: ELB_API_RATES,
  options: [],
  load: async (settings) => (await import('./provider.js')).Elbv2Provider.create(settings),
};
