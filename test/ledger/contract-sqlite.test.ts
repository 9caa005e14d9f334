import path from 'node:path';
import { openSqliteLedger } from '../../src/ledger/index.js';
import { ledgerContract } from './contract.js';
import { useTempDirs } from './helpers.js';

const tempDir = useTempDirs();
let file = '';

ledgerContract('sqlite (temp file)', {
  open: async () => openSqliteLedger((file = path.join(tempDir(), 'ledger.db'))),
  openAnother: async () => openSqliteLedger(file),
  lockExpiry: 'ttl',
  // A SQLite lock row outlives whoever wrote it; closing without releasing is all a crash does.
  crash: (ledger) => ledger.close(),
});
