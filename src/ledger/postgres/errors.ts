import { LedgerError, type LedgerProblem } from '../errors.js';
import type { ConnectionSettings } from './settings.js';

/** Where the failure happened, for messages that name the server, user and database. */
export interface ErrorContext {
  /** The URL without its password. */
  readonly location: string;
  readonly settings: ConnectionSettings;
}

/** The server asked for a password and drainctl has none. */
export class MissingPassword extends Error {
  override readonly name = 'MissingPassword';
}

/** drainctl's own bound ran out: connecting, or waiting for an answer to a query. */
export class PostgresTimeout extends Error {
  override readonly name = 'PostgresTimeout';
  constructor(
    readonly phase: 'connect' | 'query',
    readonly ms: number,
  ) {
    super(`${phase} timed out after ${ms} ms`);
  }
}

/** True when `error` means the connection is gone (not a statement the server refused). */
export function isConnectionLoss(error: unknown): boolean {
  if (error instanceof PostgresTimeout) return true;
  if (!(error instanceof Error) || 'severity' in error) return false;
  const code = (error as { code?: unknown }).code;
  return LOST.test(error.message) || (typeof code === 'string' && /^E[A-Z]+$/.test(code));
}

/** How a failure reads, and whether the location itself is at fault. */
interface Reading {
  readonly problem: LedgerProblem;
  readonly text: string;
}

const DOCS = 'see docs/ledger.md#postgresql';
const LOST = /^(Connection terminated|Client has encountered a connection error|Client was closed)/;
const CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS_|ERR_SSL_/;

/**
 * Turns a driver, network or server failure into one line naming the ledger (never its
 * password) and the fix; validation errors (RangeError, TypeError) pass through.
 * Server errors are told apart by SQLSTATE, network ones by their errno code.
 */
export function toPostgresLedgerError(error: unknown, context: ErrorContext): unknown {
  if (error instanceof LedgerError || error instanceof RangeError || error instanceof TypeError) return error;
  const reading = read(error, context);
  if (!reading) return error;
  const { location } = context;
  return new LedgerError(location, `ledger ${location}${reading.text}`, { cause: error, problem: reading.problem });
}

function read(error: unknown, context: ErrorContext): Reading | undefined {
  if (error instanceof MissingPassword) return missingPassword(context);
  if (error instanceof PostgresTimeout) return timeout(error, context);
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && 'severity' in error) return serverError(code, error.message, context);
  if (typeof code === 'string' && CERTIFICATE.test(code)) return certificate(code, context);
  if (typeof code === 'string') return networkError(code, context);
  if (error.message === 'The server does not support SSL connections') {
    return unusable(`: the server does not accept SSL connections, and sslmode=${context.settings.sslMode} requires SSL; turn ssl on in the server's postgresql.conf, or use sslmode=prefer (in the URL or PGSSLMODE)`);
  }
  if (LOST.test(error.message)) return unreachable(`: the connection to the server was lost (${error.message}); check the server, then retry`);
  return undefined;
}

function serverError(code: string, message: string, { settings }: ErrorContext): Reading {
  const said = `(${code}: ${oneLine(message)})`;
  switch (code) {
    case '28P01':
      return unusable(`: password authentication failed for user "${settings.user}" ${said}; fix the password in the URL, PGPASSWORD or ~/.pgpass`);
    case '28000':
      return unusable(`: the server refused user "${settings.user}" ${said}; allow the connection in the server's pg_hba.conf, or check the user name and sslmode`);
    case '3D000':
      return unusable(`: database "${settings.database}" does not exist ${said}; create it (CREATE DATABASE ${quoteIdent(settings.database)}; ${DOCS}) or fix the database name in the URL`);
    case '42501':
      return unusable(`: user "${settings.user}" lacks a privilege drainctl needs ${said}; grant it as docs/ledger.md#postgresql shows`);
    case '25006':
      return unusable(` is read-only ${said}: the database or user has default_transaction_read_only on, or the server is a standby; point the URL at the primary, or turn default_transaction_read_only off for drainctl's user`);
    case '42P07':
      return unusable(` is not a drainctl ledger: the database already has a table drainctl did not create ${said}; give drainctl a database (or schema) of its own, ${DOCS}`);
    case '57014':
      return unreachable(`: the server did not finish a query within the statement timeout ${said}; look for sessions holding locks on drainctl's tables (pg_stat_activity), then retry`);
  }
  if (code.startsWith('08') || code.startsWith('53') || code.startsWith('57P')) {
    return unreachable(`: the server cannot serve drainctl now ${said}; retry once it is back`);
  }
  // A deadlock or serialization failure says nothing about the ledger's location: the same call may well work again.
  if (code.startsWith('40')) return unreachable(`: the server gave up a statement to resolve a conflict with another session ${said}; retry`);
  return unusable(` failed ${said}; ${DOCS}`);
}

function networkError(code: string, { settings }: ErrorContext): Reading {
  const where = settings.host.startsWith('/') ? `the socket directory ${settings.host} (port ${settings.port})` : `${settings.host}:${settings.port}`;
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOENT':
      return unreachable(` is unreachable: no server accepts connections at ${where} (${code}); start the server, or fix the host and port in the URL (or PGHOST and PGPORT)`);
    case 'ENOTFOUND':
      return unusable(`: host ${settings.host} is not known (${code}); fix the host in the URL (or PGHOST)`);
    case 'EACCES':
      return unusable(`: no permission to connect to ${where} (${code}); check the socket's permissions or use a TCP host`);
  }
  return unreachable(` is unreachable: ${where} (${code}); check the network and the server, then retry`);
}

function certificate(code: string, { settings }: ErrorContext): Reading {
  const byName = settings.sslMode === 'verify-full' ? ', and connect by a name the certificate carries' : '';
  return unusable(`: the server's certificate was not accepted under sslmode=${settings.sslMode} (${code}); give the CA that signed it with sslrootcert=<file> in the URL (or PGSSLROOTCERT)${byName}, or use sslmode=require to encrypt without checking`);
}

function timeout(error: PostgresTimeout, { settings }: ErrorContext): Reading {
  const seconds = Math.round(error.ms / 1000);
  if (error.phase === 'connect') {
    return unreachable(` is unreachable: ${settings.host}:${settings.port} did not answer within ${seconds} s; check that the server runs and that the host and port are right, or raise connect_timeout (in the URL or PGCONNECT_TIMEOUT)`);
  }
  return unreachable(`: the server stopped answering (no reply within ${seconds} s); check the server, then retry`);
}

function missingPassword({ settings }: ErrorContext): Reading {
  return unusable(`: the server asks user "${settings.user}" for a password and none was given; put it in PGPASSWORD or ~/.pgpass (or in the URL)`);
}

function unusable(text: string): Reading {
  return { problem: 'unusable', text };
}

function unreachable(text: string): Reading {
  return { problem: 'unreachable', text };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A name as SQL would need it quoted, for the CREATE DATABASE line a message suggests. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
