import { usageError } from '../../core/errors.js';
import { printable, quote } from '../../core/quote.js';
import type { RefSyntax } from '../../core/refs.js';

/**
 * HAProxy references: `haproxy:<address>/<backend>/<server>`, group `haproxy:<address>/<backend>`.
 *
 * The address is the runtime API (stats socket): `host:port`, `[ipv6]:port`, or an absolute unix
 * socket path. A path contains `/`, so the usual rule still holds (target = last segment, group =
 * everything before it, address = everything before the group's last `/`), and only a whole group
 * needs telling apart from a target. The socket path ends at its first segment named `*.sock` or
 * `*.socket`, or where the path is followed by `//` (for sockets named otherwise, such as RHEL's
 * `/var/lib/haproxy/stats`). See docs/providers/haproxy.md.
 */

/** Where the runtime API listens. */
export type HaproxyAddress = { readonly kind: 'tcp'; readonly host: string; readonly port: number } | { readonly kind: 'unix'; readonly path: string };

/** A group reference as its parts. */
export interface HaproxyGroup {
  readonly address: HaproxyAddress;
  /** The address as written, for messages. */
  readonly addressText: string;
  readonly backend: string;
}

/** Backend and server names as HAProxy accepts them (letters, digits, `-`, `_`, `.`, `:`). */
const NAME = /^[A-Za-z0-9_.:-]+$/;
const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;
const SOCKET_NAME = /\.(sock|socket)$/i;
const EXAMPLE = 'haproxy:127.0.0.1:9999/be_app/app1 or haproxy:/run/haproxy/admin.sock/be_app/app1';

/** Parses the runtime API address part of a group. */
export function parseHaproxyAddress(text: string): HaproxyAddress {
  if (text.startsWith('/')) {
    // A trailing `/` is left by the `//` marker: `/var/lib/haproxy/stats//be_app`.
    const path = text.endsWith('/') ? text.slice(0, -1) : text;
    if (path === '' || path.includes('//')) throw usageError(`${quote(text)} is not a unix socket path`, `example: ${EXAMPLE}`);
    return { kind: 'unix', path };
  }
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    const host = close > 0 ? text.slice(1, close) : '';
    if (close < 0 || !IPV6.test(host) || !host.includes(':')) throw usageError(`${quote(text)} is not an IPv6 address in brackets with a port`, 'example: haproxy:[::1]:9999/be_app/app1');
    return { kind: 'tcp', host, port: parsePort(text.slice(close + 1), text) };
  }
  const colon = text.lastIndexOf(':');
  const host = colon < 0 ? text : text.slice(0, colon);
  if (colon < 0 || !HOST.test(host)) {
    throw usageError(`${quote(text)} is not a runtime API address: expected host:port, [ipv6]:port or an absolute socket path`, `example: ${EXAMPLE}`);
  }
  return { kind: 'tcp', host, port: parsePort(text.slice(colon), text) };
}

function parsePort(suffix: string, text: string): number {
  const digits = suffix.startsWith(':') ? suffix.slice(1) : '';
  const port = /^\d{1,5}$/.test(digits) ? Number(digits) : NaN;
  if (!(port >= 1 && port <= 65535)) throw usageError(`${quote(text)} needs a port 1-65535 after ":"`, `example: ${EXAMPLE}`);
  return port;
}

/** Splits a canonical group (`<address>/<backend>`) into its parts. */
export function parseHaproxyGroup(group: string): HaproxyGroup {
  const slash = group.lastIndexOf('/');
  const addressText = slash < 0 ? group : group.slice(0, slash);
  const backend = slash < 0 ? '' : group.slice(slash + 1);
  if (slash <= 0 || backend === '') {
    throw usageError(`"${group}" does not name a backend: expected <address>/<backend>`, `example: ${EXAMPLE}`);
  }
  checkName(backend, 'backend');
  return { address: parseHaproxyAddress(addressText), addressText, backend };
}

function checkName(name: string, noun: 'backend' | 'server'): void {
  if (!NAME.test(name)) throw usageError(`${quote(name)} is not an HAProxy ${noun} name (letters, digits, "-", "_", ".", ":")`, `example: ${EXAMPLE}`);
}

/** Formats an address for messages: `127.0.0.1:9999`, `[::1]:9999`, `/run/haproxy/admin.sock` (control characters escaped). */
export function formatHaproxyAddress(address: HaproxyAddress): string {
  if (address.kind === 'unix') return printable(address.path, 400);
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/**
 * The part of a body after the socket path, when the path's end is marked (`//`, or a
 * segment named `*.sock`/`*.socket`); undefined when it is not.
 */
function afterMarkedSocketPath(body: string): string | undefined {
  const double = body.indexOf('//');
  if (double >= 0) return body.slice(double + 2);
  const segments = body.split('/');
  for (let i = 1; i < segments.length; i++) {
    if (SOCKET_NAME.test(segments[i]!)) return segments.slice(i + 1).join('/');
  }
  return undefined;
}

export const haproxySyntax: RefSyntax = {
  provider: 'haproxy',
  groupNoun: 'backend',
  targetNoun: 'server',
  groupExample: 'haproxy:127.0.0.1:9999/be_app',
  targetExample: 'haproxy:127.0.0.1:9999/be_app/app1',
  parseGroup(group) {
    parseHaproxyGroup(group);
    return group;
  },
  parseTarget(target) {
    checkName(target, 'server');
    return target;
  },
  isWholeGroup(body) {
    if (!body.startsWith('/')) return body.split('/').length === 2;
    const rest = afterMarkedSocketPath(body);
    return rest !== undefined && rest !== '' && !rest.includes('/');
  },
};

/**
 * A group as haproxySyntax reads it back as a whole backend: `127.0.0.1:9999/be_app`,
 * `/run/haproxy/admin.sock/be_app`, or `/var/lib/haproxy/stats//be_app` for a socket path
 * not marked by its name. Undefined when no spelling of it parses back to the same parts.
 */
export function formatHaproxyGroup(address: HaproxyAddress, backend: string): string | undefined {
  const text = address.kind === 'unix' ? address.path : formatHaproxyAddress(address);
  const spellings = address.kind === 'unix' ? [`${text}/${backend}`, `${text}//${backend}`] : [`${text}/${backend}`];
  return spellings.find((group) => readsBackAs(group, address, backend));
}

function readsBackAs(group: string, address: HaproxyAddress, backend: string): boolean {
  try {
    if (!haproxySyntax.isWholeGroup(group)) return false;
    const parsed = parseHaproxyGroup(group);
    return parsed.backend === backend && formatHaproxyAddress(parsed.address) === formatHaproxyAddress(address) && parsed.address.kind === address.kind;
  } catch {
    return false;
  }
}
