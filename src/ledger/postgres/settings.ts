import os from 'node:os';
import { LedgerError } from '../errors.js';
import { parseUrl, redactUrl } from './url.js';

/** The sslmode values libpq knows, weakest first. */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** How long a connection attempt may take when neither the URL nor PGCONNECT_TIMEOUT says. */
export const DEFAULT_CONNECT_TIMEOUT_S = 10;

/** What the server sees as the client's name when neither the URL nor PGAPPNAME gives one. */
export const DEFAULT_APPLICATION_NAME = 'drainctl';

/** Everything needed to reach the server, from the URL first, then the libpq variables, then libpq's defaults. */
export interface ConnectionSettings {
  /** A host name, an IP address, or (starting with `/`) the directory of a Unix socket. */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Undefined when neither the URL nor PGPASSWORD gives one (~/.pgpass is read at connect time). */
  readonly password: string | undefined;
  readonly database: string;
  readonly sslMode: SslMode;
  readonly sslRootCert: string | undefined;
  readonly sslCert: string | undefined;
  readonly sslKey: string | undefined;
  readonly connectTimeoutMs: number;
  /** Server settings for the session, as libpq's `options` (`-c search_path=drainctl`). */
  readonly options: string | undefined;
  readonly applicationName: string;
}

/**
 * URL query parameters drainctl understands, with the libpq variable each falls back to. Anything
 * else is refused rather than ignored: a parameter that silently did nothing (a second host, a
 * target_session_attrs) would make drainctl talk to another server than the user meant.
 */
const PARAMS = {
  host: 'PGHOST',
  port: 'PGPORT',
  user: 'PGUSER',
  password: 'PGPASSWORD',
  dbname: 'PGDATABASE',
  sslmode: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  options: 'PGOPTIONS',
  application_name: 'PGAPPNAME',
} as const;
type Param = keyof typeof PARAMS;

/** The documented list, for messages. */
export const SUPPORTED_PARAMS = Object.keys(PARAMS) as Param[];

/** Reads a `postgres://` or `postgresql://` URL the way libpq does, filling gaps from `env`. */
export function resolveSettings(url: string, env: NodeJS.ProcessEnv): ConnectionSettings {
  const location = redactUrl(url);
  const parsed = parseUrl(url);
  if (!parsed) throw invalid(location, 'is not a valid URL');
  const query = readQuery(parsed, location);
  // As in libpq: a query parameter wins over the same part of the URL, and both over the variable.
  const pick = (param: Param, fromUrl: string | undefined): string | undefined =>
    nonEmpty(query.get(param)) ?? nonEmpty(fromUrl) ?? nonEmpty(env[PARAMS[param]]);
  const host = pick('host', decode(parsed.hostname.replace(/^\[(.*)\]$/, '$1'), location, 'host')) ?? 'localhost';
  if (host.includes(',')) throw invalid(location, `names several hosts (${host}); drainctl connects to one: name the primary`);
  const user = pick('user', decode(parsed.username, location, 'user name')) ?? defaultUser(env);
  return {
    host,
    port: port(pick('port', parsed.port), location),
    user,
    password: query.get('password') ?? nonEmpty(decode(parsed.password, location, 'password')) ?? nonEmpty(env.PGPASSWORD),
    database: pick('dbname', decode(parsed.pathname.replace(/^\//, ''), location, 'database name')) ?? user,
    sslMode: sslMode(pick('sslmode', undefined), location),
    sslRootCert: pick('sslrootcert', undefined),
    sslCert: pick('sslcert', undefined),
    sslKey: pick('sslkey', undefined),
    connectTimeoutMs: connectTimeout(pick('connect_timeout', undefined), location) * 1000,
    options: pick('options', undefined),
    applicationName: pick('application_name', undefined) ?? DEFAULT_APPLICATION_NAME,
  };
}

function readQuery(parsed: URL, location: string): Map<Param, string> {
  const query = new Map<Param, string>();
  for (const [name, value] of parsed.searchParams) {
    if (!(name in PARAMS)) {
      throw invalid(location, `has the parameter ${JSON.stringify(name)}, which drainctl does not support (it knows ${SUPPORTED_PARAMS.join(', ')})`);
    }
    query.set(name as Param, value);
  }
  return query;
}

function sslMode(value: string | undefined, location: string): SslMode {
  // libpq's default: encrypt when the server can, else connect in the clear.
  if (value === undefined) return 'prefer';
  if ((SSL_MODES as readonly string[]).includes(value)) return value as SslMode;
  throw invalid(location, `has sslmode ${JSON.stringify(value)}; use one of ${SSL_MODES.join(', ')} (in the URL or PGSSLMODE)`);
}

function port(value: string | undefined, location: string): number {
  if (value === undefined) return 5432;
  const n = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= 65535)) throw invalid(location, `has port ${JSON.stringify(value)}; use a number from 1 to 65535 (in the URL or PGPORT)`);
  return n;
}

// libpq waits forever for 0 or no value; drainctl never does, so those mean its own bound.
// libpq also raises anything below 2 s to 2 s, since a single round trip may take longer.
function connectTimeout(value: string | undefined, location: string): number {
  if (value === undefined) return DEFAULT_CONNECT_TIMEOUT_S;
  if (!/^-?\d+$/.test(value.trim())) {
    throw invalid(location, `has connect_timeout ${JSON.stringify(value)}; use whole seconds (in the URL or PGCONNECT_TIMEOUT)`);
  }
  const seconds = Number(value.trim());
  return seconds <= 0 ? DEFAULT_CONNECT_TIMEOUT_S : Math.max(2, seconds);
}

// libpq's default user is the operating-system account, not $USER (which anyone can set).
function defaultUser(env: NodeJS.ProcessEnv): string {
  try {
    return os.userInfo().username;
  } catch {
    return env.USER ?? env.USERNAME ?? 'postgres';
  }
}

function decode(text: string, location: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid(location, `has a ${what} that is not valid percent-encoding`);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function invalid(location: string, problem: string): LedgerError {
  return new LedgerError(location, `ledger URL ${location} ${problem}; see docs/ledger.md#postgresql`);
}
