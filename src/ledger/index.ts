export { openCommandLedger, type CommandLedger } from './command.js';
export { LedgerError, type LedgerProblem } from './errors.js';
export { openLedgerAt } from './location.js';
export { createMemoryLedger } from './memory.js';
export { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, type Migration } from './migrations.js';
export { type LedgerAccess } from './open.js';
export { defaultLedgerPath } from './path.js';
export { openSqliteLedger, SqliteLedger, type SqliteLedgerOptions } from './sqlite.js';
export { isPostgresUrl, openPostgresLedger, redactUrl, type PostgresLedgerOptions } from './postgres/index.js';
