import type { Ledger } from '../../src/core/ledger.js';
import { openPostgresLedger } from '../../src/ledger/index.js';
import { usePostgres } from '../support/postgres.js';
import { ledgerContract } from './contract.js';

const server = usePostgres();
let url = '';
let connections = 0;
const names = new WeakMap<Ledger, string>();

// Each connection gets its own application_name, so a test can end exactly that session.
async function connect(): Promise<Ledger> {
  const name = `contract-${++connections}`;
  const ledger = await openPostgresLedger(`${url}?application_name=${name}`, { env: {} });
  names.set(ledger, name);
  return ledger;
}

ledgerContract('postgresql', {
  // One database for the file, emptied before each test: a new database per test costs far more.
  open: async () => {
    if (url === '') url = await server().createDatabase();
    else await server().sql('TRUNCATE capacity_lock, drain_event, instance RESTART IDENTITY', [], new URL(url).pathname.slice(1));
    return connect();
  },
  openAnother: connect,
  lockExpiry: 'session',
  crash: async (ledger) => {
    const ended = await server().sql<{ ended: boolean }>('SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1', [names.get(ledger)]);
    if (ended.length !== 1 || !ended[0]!.ended) throw new Error(`no session to end for ${names.get(ledger)}`);
  },
});
