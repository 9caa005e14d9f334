import { createMemoryLedger } from '../../src/ledger/index.js';
import { ledgerContract } from './contract.js';

ledgerContract('memory', {
  open: async () => createMemoryLedger(),
  lockExpiry: 'ttl',
});
