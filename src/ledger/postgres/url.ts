/**
 * Recognising and printing PostgreSQL ledger locations. This file loads nothing, so the CLI can
 * tell a URL from a SQLite path without loading the driver.
 */

/** True when `location` names a PostgreSQL server rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Query parameters whose value is a secret, dropped from every printed location. */
const SECRET_PARAMS = new Set(['password', 'sslpassword']);

/**
 * The URL fit to print: no password, neither in the user part nor as a query parameter. A URL
 * that does not parse keeps only what follows its last `@`, since a password may hold any
 * character (an unencoded `/` or `@` included).
 */
export function redactUrl(url: string): string {
  const scheme = /^(postgres(?:ql)?:\/\/)/i.exec(url)?.[1] ?? '';
  const rest = url.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  const parsed = parseUrl(url);
  if (parsed && (at < 0 || parsed.username !== '' || parsed.password !== '')) {
    const user = parsed.username === '' ? '' : `${parsed.username}@`;
    const params = [...parsed.searchParams].filter(([name]) => !SECRET_PARAMS.has(name.toLowerCase()));
    const query = params.length === 0 ? '' : `?${new URLSearchParams(params).toString()}`;
    return `${scheme}${user}${parsed.host}${parsed.pathname}${query}`;
  }
  const tail = at < 0 ? rest : `***@${rest.slice(at + 1)}`;
  return `${scheme}${tail.replace(/([?&](?:ssl)?password=)[^&#]*/gi, '$1***')}`;
}

/** The WHATWG parse of a PostgreSQL URL, or undefined when it does not parse. */
export function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
