export { LedgerError } from './errors.js';
export { createMemoryLedger } from './memory.js';
export { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, type Migration } from './migrations.js';
export { defaultLedgerPath } from './path.js';
export { openSqliteLedger, SqliteLedger } from './sqlite.js';
