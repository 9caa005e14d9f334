/**
 * Every failure the PostgreSQL ledger maps, as one line with the right problem. The cases a real
 * server produces in the other suites (a wrong password, a missing database, a refused
 * connection…) are here too, next to the ones a test server cannot easily produce.
 */
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/ledger/index.js';
import { MissingPassword, PostgresTimeout, toPostgresLedgerError } from '../../src/ledger/postgres/errors.js';
import { resolveSettings } from '../../src/ledger/postgres/settings.js';

const location = 'postgres://ops@db.internal:5432/ledger';
const context = { location, settings: resolveSettings(location, { HOME: '/nonexistent' }) };

/** An error as the driver reports one from the server. */
function serverError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR' });
}

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code });
}

describe('toPostgresLedgerError', () => {
  it.each([
    [serverError('28P01', 'password authentication failed for user "ops"'), 'unusable', ': password authentication failed for user "ops" (28P01:'],
    [serverError('28000', 'no pg_hba.conf entry'), 'unusable', ': the server refused user "ops" (28000: no pg_hba.conf entry)'],
    [serverError('3D000', 'database "ledger" does not exist'), 'unusable', ': database "ledger" does not exist (3D000:'],
    [serverError('42501', 'permission denied for table instance'), 'unusable', ': user "ops" lacks a privilege drainctl needs (42501: permission denied for table instance)'],
    [serverError('25006', 'cannot execute INSERT in a read-only transaction'), 'unusable', ' is read-only (25006:'],
    [serverError('42P07', 'relation "instance" already exists'), 'unusable', ' is not a drainctl ledger: the database already has a table'],
    [serverError('57014', 'canceling statement due to statement timeout'), 'unreachable', ': the server did not finish a query within the statement timeout'],
    [serverError('57P01', 'terminating connection due to administrator command'), 'unreachable', ': the server cannot serve drainctl now (57P01:'],
    [serverError('57P03', 'the database system is starting up'), 'unreachable', ': the server cannot serve drainctl now (57P03:'],
    [serverError('53300', 'sorry, too many clients already'), 'unreachable', ': the server cannot serve drainctl now (53300:'],
    [serverError('08006', 'connection failure'), 'unreachable', ': the server cannot serve drainctl now (08006:'],
    [serverError('40P01', 'deadlock detected'), 'unreachable', ': the server gave up a statement to resolve a conflict with another session (40P01:'],
    [serverError('XX000', 'internal error'), 'unusable', ' failed (XX000: internal error); see docs/ledger.md#postgresql'],
    [networkError('ECONNREFUSED'), 'unreachable', ' is unreachable: no server accepts connections at db.internal:5432 (ECONNREFUSED)'],
    [networkError('ETIMEDOUT'), 'unreachable', ' is unreachable: db.internal:5432 (ETIMEDOUT); check the network and the server, then retry'],
    [networkError('EHOSTUNREACH'), 'unreachable', ' is unreachable: db.internal:5432 (EHOSTUNREACH)'],
    [networkError('EAI_AGAIN'), 'unreachable', ' is unreachable: db.internal:5432 (EAI_AGAIN)'],
    [networkError('ECONNRESET'), 'unreachable', ' is unreachable: db.internal:5432 (ECONNRESET)'],
    [networkError('ENOTFOUND'), 'unusable', ': host db.internal is not known (ENOTFOUND); fix the host in the URL (or PGHOST)'],
    [networkError('DEPTH_ZERO_SELF_SIGNED_CERT'), 'unusable', ": the server's certificate was not accepted under sslmode=prefer (DEPTH_ZERO_SELF_SIGNED_CERT)"],
    [new Error('The server does not support SSL connections'), 'unusable', ': the server does not accept SSL connections'],
    [new Error('Connection terminated unexpectedly'), 'unreachable', ': the connection to the server was lost (Connection terminated unexpectedly)'],
    [new PostgresTimeout('connect', 10_000), 'unreachable', ' is unreachable: db.internal:5432 did not answer within 10 s'],
    [new PostgresTimeout('query', 40_000), 'unreachable', ': the server stopped answering (no reply within 40 s)'],
    [new MissingPassword('no password'), 'unusable', ': the server asks user "ops" for a password and none was given'],
  ] as const)('%s', (error, problem, text) => {
    const mapped = toPostgresLedgerError(error, context);
    expect(mapped).toBeInstanceOf(LedgerError);
    expect((mapped as LedgerError).problem).toBe(problem);
    expect((mapped as LedgerError).message.startsWith(`ledger ${location}${text}`)).toBe(true);
    expect((mapped as LedgerError).message).not.toContain('\n');
    expect((mapped as LedgerError).cause).toBe(error);
  });

  it('puts a multi-line server message on one line', () => {
    const mapped = toPostgresLedgerError(serverError('XX000', 'first\n  second'), context) as LedgerError;
    expect(mapped.message).toContain('(XX000: first second)');
  });

  it('passes validation errors and its own errors through', () => {
    for (const error of [new RangeError('bad time'), new TypeError('bad holder'), new LedgerError(location, 'already mapped')]) {
      expect(toPostgresLedgerError(error, context)).toBe(error);
    }
  });
});
