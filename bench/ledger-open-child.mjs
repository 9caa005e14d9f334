// Child process of bench/ledger-scale.mjs: what a read command does with the ledger, step by step,
// in a process of its own as the CLI is: load the ledger code, open the ledger for reading, run
// one query, close. On SQLite also times, on their own, the two parts of opening that grow with
// the file: reading it into memory, and the page checks. Prints one JSON line of milliseconds.
// Usage: node bench/ledger-open-child.mjs sqlite|postgres <path or URL>   (PGPASSWORD from the environment)
import { readFileSync } from 'node:fs';

const [kind, location] = process.argv.slice(2);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const out = {};
let t0 = now();
const { openSqliteLedger, openPostgresLedger } = await import('../dist/ledger/index.js');
out.loadMs = now() - t0;
t0 = now();
const ledger = kind === 'sqlite' ? openSqliteLedger(location, { access: 'read' }) : await openPostgresLedger(location, { access: 'read' });
out.openMs = now() - t0;
t0 = now();
await ledger.history({ limit: 50 });
out.queryMs = now() - t0;
t0 = now();
await ledger.close();
out.closeMs = now() - t0;
if (kind === 'sqlite') {
  const { default: Database } = await import('better-sqlite3');
  t0 = now();
  readFileSync(location);
  out.readFileMs = now() - t0;
  const db = new Database(location); // read-write (it writes nothing): a read-only handle would leave a -wal behind
  try {
    t0 = now();
    db.pragma('integrity_check(instance)');
    out.integrityInstanceMs = now() - t0;
    t0 = now();
    db.pragma('quick_check');
    out.quickCheckMs = now() - t0;
  } finally {
    db.close();
  }
}
process.stdout.write(`${JSON.stringify(out)}\n`);
