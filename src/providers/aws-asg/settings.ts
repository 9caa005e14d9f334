import type { GroupRef } from '../../core/refs.js';

/**
 * Whose settings the hook's AWS clients (Auto Scaling, EC2, SQS, the scan) are made with: the
 * ELBv2 provider's section of drainctl.yaml and the global flags (region, profile,
 * endpoint-url), for no group in particular.
 */
export const HOOK_AWS_SETTINGS: GroupRef = { kind: 'group', provider: 'elbv2', group: '*' };
