import type { ApiRate } from '../../core/provider.js';

/**
 * AWS's published Elastic Load Balancing API rates: token buckets per account and Region,
 * an account bucket shared by every ELB action plus one per category. ELBv2 and Classic
 * draw from the same budget. (The AWS emulator keeps its own copy of these numbers, as a
 * stand-in for AWS; this is the client's.)
 */
export const ELB_API_RATES: Readonly<Record<'account' | 'registration' | 'describe' | 'mutating', ApiRate>> = {
  account: { capacity: 40, perSecond: 10 },
  registration: { capacity: 20, perSecond: 4 },
  describe: { capacity: 40, perSecond: 10 },
  mutating: { capacity: 20, perSecond: 3 },
};
