export { openPostgresLedger, type PostgresLedgerOptions } from './ledger.js';
export { POSTGRES_MIGRATIONS, VERSION_TABLE } from './schema.js';
export { DEFAULT_APPLICATION_NAME, DEFAULT_CONNECT_TIMEOUT_S, SSL_MODES, SUPPORTED_PARAMS, resolveSettings, type ConnectionSettings, type SslMode } from './settings.js';
export { ANSWER_GRACE_MS, STATEMENT_TIMEOUT_MS } from './session.js';
export { isPostgresUrl, redactUrl } from './url.js';
