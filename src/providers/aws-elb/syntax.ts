import { usageError } from '../../core/errors.js';
import type { RefSyntax } from '../../core/refs.js';

const LB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

/** Classic ELB references: `elb:<load-balancer-name>/<instance-id>`. */
export const elbSyntax: RefSyntax = {
  provider: 'elb',
  groupNoun: 'Classic load balancer',
  targetNoun: 'instance',
  groupExample: 'elb:legacy-web',
  targetExample: 'elb:legacy-web/i-0abc1234def567890',
  parseGroup(group) {
    if (LB_NAME.test(group)) return group;
    throw usageError(`"${group}" is not a Classic load balancer name (1-32 letters, digits and hyphens)`, 'example: elb:legacy-web/i-0abc1234def567890');
  },
  parseTarget(target) {
    if (INSTANCE_ID.test(target)) return target;
    throw usageError(`"${target}" is not an EC2 instance ID (Classic ELB registers instances only)`, 'example: elb:legacy-web/i-0abc1234def567890');
  },
  isWholeGroup: () => false,
};
