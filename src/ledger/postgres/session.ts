import type { Client, QueryResultRow } from 'pg';
import { LedgerError } from '../errors.js';
import { connectWithFallback, destroy, endClient } from './connect.js';
import { PostgresTimeout, toPostgresLedgerError, type ErrorContext } from './errors.js';
import type { ConnectionSettings } from './settings.js';

/** The server cancels any statement that runs longer (a lock that is never let go, a stuck disk). */
export const STATEMENT_TIMEOUT_MS = 30_000;

/** drainctl gives up on an answer this much later than the statement timeout, even when the server cannot cancel (a dead network). */
export const ANSWER_GRACE_MS = 10_000;

/** Runs one statement on the session; parameters are sent apart from the text, never spliced in. */
export type Query = <R extends QueryResultRow = QueryResultRow>(sql: string, params?: readonly unknown[]) => Promise<{ rows: R[]; rowCount: number }>;

/**
 * One connection (one server session) and the work queued on it. The session matters: the
 * capacity locks are session advisory locks, which the server frees when the session ends. Work
 * runs one piece at a time, so a transaction never has another caller's statement in its middle.
 */
export class Session {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private lost: unknown;

  private constructor(
    private readonly client: Client,
    private readonly context: ErrorContext,
    private readonly answerTimeoutMs: number,
  ) {
    // Without a listener, a connection that drops while idle would crash the process.
    client.on('error', (error) => {
      this.lost ??= error;
    });
  }

  /** Connects as `settings` say (falling back as sslmode allows) and prepares the session. */
  static async open(settings: ConnectionSettings, env: NodeJS.ProcessEnv, context: ErrorContext, options: { readonly readOnly: boolean; readonly statementTimeoutMs: number }): Promise<Session> {
    let client: Client;
    try {
      client = await connectWithFallback(settings, env, context.location);
    } catch (error) {
      throw toPostgresLedgerError(error, context);
    }
    const session = new Session(client, context, options.statementTimeoutMs + ANSWER_GRACE_MS);
    try {
      await session.run((query) => query(sessionSetup(options)));
      return session;
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  /** Runs `work` alone on the session, after the work queued before it; failures come out as LedgerErrors naming the ledger. */
  run<T>(work: (query: Query) => Promise<T>): Promise<T> {
    const { location } = this.context;
    // Checked when the work is queued: what was asked before close() still runs.
    if (this.closed) return Promise.reject(new LedgerError(location, `ledger ${location} is closed`));
    const next = this.tail.then(() => this.guarded(work));
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** `work` inside BEGIN … COMMIT, rolled back when it fails. */
  transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    return this.run(async (query) => {
      await query('BEGIN');
      try {
        const result = await work(query);
        await query('COMMIT');
        return result;
      } catch (error) {
        await query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /** The server's id for this session (pg_stat_activity.pid), for lock rows that name their holder's session. */
  get backendPid(): number | null {
    return (this.client as unknown as { processID: number | null }).processID ?? null;
  }

  /** False once the session is closed or its connection lost: the server has then freed its advisory locks. */
  get alive(): boolean {
    return !this.closed && this.lost === undefined;
  }

  /** Ends the session once queued work is done; the server frees its advisory locks. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    await endClient(this.client);
  }

  private async guarded<T>(work: (query: Query) => Promise<T>): Promise<T> {
    if (this.lost !== undefined) throw toPostgresLedgerError(this.lost, this.context);
    try {
      return await work(this.query);
    } catch (error) {
      throw toPostgresLedgerError(this.lost ?? error, this.context);
    }
  }

  private readonly query: Query = async (sql, params) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // The answer may still come; the session cannot be trusted after it, so it ends here.
        this.lost ??= new PostgresTimeout('query', this.answerTimeoutMs);
        destroy(this.client);
        reject(this.lost);
      }, this.answerTimeoutMs);
    });
    try {
      const result = await Promise.race([this.client.query(sql, params as unknown[] | undefined), late]);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } finally {
      clearTimeout(timer);
    }
  };
}

// A statement timeout is the server's own bound on each query; UTC and ISO dates make the
// timestamps it returns read the same whatever the database's defaults are.
function sessionSetup(options: { readonly readOnly: boolean; readonly statementTimeoutMs: number }): string {
  return [
    `SET statement_timeout = ${Math.round(options.statementTimeoutMs)}`,
    'SET idle_in_transaction_session_timeout = 60000',
    "SET TimeZone = 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    ...(options.readOnly ? ['SET default_transaction_read_only = on'] : []),
  ].join('; ');
}
