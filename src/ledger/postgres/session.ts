import type { Client, QueryResultRow } from 'pg';
import { LedgerError } from '../errors.js';
import { connectWithFallback, destroy, endClient } from './connect.js';
import { isConnectionLoss, PostgresTimeout, toPostgresLedgerError, type ErrorContext } from './errors.js';
import type { ConnectionSettings } from './settings.js';

/** The server cancels any statement that runs longer (a lock that is never let go, a stuck disk). */
export const STATEMENT_TIMEOUT_MS = 30_000;

/** drainctl gives up on an answer this much later than the statement timeout, even when the server cannot cancel (a dead network). */
export const ANSWER_GRACE_MS = 10_000;

/** Runs one statement on the session; parameters are sent apart from the text, never spliced in. */
export type Query = <R extends QueryResultRow = QueryResultRow>(sql: string, params?: readonly unknown[]) => Promise<{ rows: R[]; rowCount: number }>;

/** How the session is set up, again on every reconnection. */
export interface SessionOptions {
  readonly readOnly: boolean;
  readonly statementTimeoutMs: number;
}

/**
 * One connection (one server session) and the work queued on it. The session matters: the
 * capacity locks are session advisory locks, which the server frees when the session ends. Work
 * runs one piece at a time, so a transaction never has another caller's statement in its middle.
 *
 * A lost connection fails the work under way; the next piece of work connects again, so a drain
 * that outlives a server restart can still record its end. Unless the lost session held locks:
 * they went with it, and a new session must not carry on as if it held them, so it is refused
 * until their holders have let go (see `reconnectOnlyWhen`).
 */
export class Session {
  private client!: Client;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private lost: unknown;
  private mayReconnect: () => boolean = () => true;

  private constructor(
    private readonly connect: () => Promise<Client>,
    private readonly context: ErrorContext,
    private readonly options: SessionOptions,
  ) {}

  /** Connects as `settings` say (falling back as sslmode allows) and prepares the session. */
  static async open(settings: ConnectionSettings, env: NodeJS.ProcessEnv, context: ErrorContext, options: SessionOptions): Promise<Session> {
    const session = new Session(() => connectWithFallback(settings, env, context.location), context, options);
    try {
      await session.start();
    } catch (error) {
      // Connected but not set up: the connection is ended here, not left open.
      if (session.client) await endClient(session.client);
      throw toPostgresLedgerError(error, context);
    }
    return session;
  }

  /** Lets the session connect again after a loss only while `allowed` says so. */
  reconnectOnlyWhen(allowed: () => boolean): void {
    this.mayReconnect = allowed;
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

  private async start(): Promise<void> {
    const client = await this.connect();
    this.client = client;
    this.lost = undefined;
    // Without a listener, a connection that drops while idle would crash the process.
    client.on('error', (error) => {
      if (this.client === client) this.lost ??= error;
    });
    await this.query(sessionSetup(this.options));
  }

  private async guarded<T>(work: (query: Query) => Promise<T>): Promise<T> {
    if (this.lost !== undefined) await this.reconnect();
    try {
      return await work(this.query);
    } catch (error) {
      if (this.lost === undefined && isConnectionLoss(error)) this.lost = error;
      // The server's reason (an ended session) says more than the driver's "Connection terminated".
      throw toPostgresLedgerError(this.lost ?? error, this.context);
    }
  }

  private async reconnect(): Promise<void> {
    if (!this.mayReconnect()) throw toPostgresLedgerError(this.lost, this.context);
    destroy(this.client);
    try {
      await this.start();
    } catch (error) {
      this.lost ??= error;
      throw toPostgresLedgerError(error, this.context);
    }
  }

  private readonly query: Query = async (sql, params) => {
    const client = this.client;
    const answerTimeoutMs = this.options.statementTimeoutMs + ANSWER_GRACE_MS;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // The answer may still come; the session cannot be trusted after it, so it ends here.
        this.lost ??= new PostgresTimeout('query', answerTimeoutMs);
        destroy(client);
        reject(this.lost);
      }, answerTimeoutMs);
    });
    try {
      const result = await Promise.race([client.query(sql, params as unknown[] | undefined), late]);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } finally {
      clearTimeout(timer);
    }
  };
}

// A statement timeout is the server's own bound on each query; UTC and ISO dates make the
// timestamps it returns read the same whatever the database's defaults are.
function sessionSetup(options: SessionOptions): string {
  return [
    `SET statement_timeout = ${Math.round(options.statementTimeoutMs)}`,
    'SET idle_in_transaction_session_timeout = 60000',
    "SET TimeZone = 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    ...(options.readOnly ? ['SET default_transaction_read_only = on'] : []),
  ].join('; ');
}
