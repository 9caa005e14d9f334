import type { Client } from 'pg';
import { MissingPassword, PostgresTimeout } from './errors.js';
import { passwordFromFile } from './pgpass.js';
import type { ConnectionSettings } from './settings.js';
import { connectionAttempts, type Attempt, type Transport } from './tls.js';

/**
 * Opening and ending one driver connection. The driver is imported here, on the first connect,
 * so nothing loads it unless a PostgreSQL ledger is opened.
 */

/** Connects as `settings` say, making the second attempt sslmode allows when the first fails for its reason. */
export async function connectWithFallback(settings: ConnectionSettings, env: NodeJS.ProcessEnv, location: string): Promise<Client> {
  const [first, second] = connectionAttempts(settings, env, location);
  try {
    return await connectOnce(settings, env, first!.tls);
  } catch (error) {
    if (!second || !retryAllowed(second, error)) throw error;
    return connectOnce(settings, env, second.tls);
  }
}

function retryAllowed(attempt: Attempt, error: unknown): boolean {
  if (attempt.retryAfter === 'no-ssl-support') return (error as Error | undefined)?.message === 'The server does not support SSL connections';
  return (error as { code?: unknown } | undefined)?.code === '28000';
}

async function connectOnce(settings: ConnectionSettings, env: NodeJS.ProcessEnv, tls: Transport): Promise<Client> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    host: settings.host,
    port: settings.port,
    user: settings.user,
    database: settings.database,
    ssl: tls,
    application_name: settings.applicationName,
    options: settings.options,
    // Pinned, so no variable the driver would read from process.env changes how rows are decoded.
    client_encoding: 'UTF8',
    sslnegotiation: 'postgres',
    // A function, so the driver never reads process.env or ~/.pgpass behind drainctl's back.
    password: async () => {
      const password = settings.password ?? passwordFromFile(settings, env);
      if (password === undefined) throw new MissingPassword('no password');
      return password;
    },
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types: { getTypeParser: typeParsers(pg.types) as never },
  });
  client.on('error', () => undefined); // reported through connect()'s rejection
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    destroy(client);
  }, settings.connectTimeoutMs);
  try {
    await client.connect();
    return client;
  } catch (error) {
    destroy(client);
    throw timedOut ? new PostgresTimeout('connect', settings.connectTimeoutMs) : error;
  } finally {
    clearTimeout(timer);
  }
}

type TypeParser = (text: string) => unknown;

/**
 * Rows come back in the shapes the SQLite ledger stores: BIGINT as a number (ids and counts stay
 * far below 2^53), timestamps as canonical RFC 3339 text, JSON as its text (parsed by records.ts
 * exactly as SQLite's is).
 */
function typeParsers(types: { getTypeParser(oid: number, format?: 'text'): TypeParser }): (oid: number, format?: 'text') => TypeParser {
  const timestamptz = types.getTypeParser(1184, 'text');
  const own: Record<number, TypeParser> = {
    20: Number,
    114: (text) => text,
    1184: (text) => (timestamptz(text) as Date).toISOString(),
  };
  return (oid, format) => own[oid] ?? types.getTypeParser(oid, format);
}

/** Ends the connection politely, or drops it when the server does not answer within 2 s. */
export async function endClient(client: Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      destroy(client);
      resolve();
    }, 2000);
  });
  try {
    await Promise.race([client.end().catch(() => undefined), bound]);
  } finally {
    clearTimeout(timer);
  }
}

// The driver has no public way to drop a connection that is still opening or waiting for an answer.
export function destroy(client: Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
