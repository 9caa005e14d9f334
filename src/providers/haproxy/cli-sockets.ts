import type { HaproxyAddress } from './syntax.js';

/**
 * `show cli sockets`: every listener of HAProxy's runtime API, one per line
 * (`unix@/run/haproxy/admin.sock admin all`, `ipv4@127.0.0.1:9999 admin all`). Whichever
 * of them a reference names, they reach the same process, so drainctl keys the ledger by one
 * of them, chosen the same way every time.
 */

/** One runtime API listener and its level (`admin`, `operator`, `user`). */
export interface CliListener {
  readonly address: HaproxyAddress;
  readonly level: string;
}

/** Whether text is a `show cli sockets` answer (its header line). */
export function looksLikeCliSockets(text: string): boolean {
  return /^# socket lvl processes/.test(text);
}

/** The listeners drainctl can reach; others (abns@, sockpair@, fd@, relative paths) are left out. */
export function parseCliSockets(text: string): CliListener[] {
  const listeners: CliListener[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [socket = '', level = ''] = line.trim().split(/\s+/);
    const address = listenerAddress(socket);
    if (address) listeners.push({ address, level });
  }
  return listeners;
}

function listenerAddress(socket: string): HaproxyAddress | undefined {
  const at = socket.indexOf('@');
  const family = socket.slice(0, at);
  const rest = socket.slice(at + 1);
  if (family === 'unix') return rest.startsWith('/') && !rest.includes('//') ? { kind: 'unix', path: rest } : undefined;
  if (family !== 'ipv4' && family !== 'ipv6') return undefined;
  const colon = rest.lastIndexOf(':');
  const port = Number(rest.slice(colon + 1));
  let host = rest.slice(0, colon);
  if (family === 'ipv6') {
    if (!host.startsWith('[') || !host.endsWith(']')) return undefined;
    host = host.slice(1, -1);
  }
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535) || host === '') return undefined;
  return { kind: 'tcp', host: wildcardToLoopback(host), port };
}

/** A listener on every address is reached locally through loopback. */
function wildcardToLoopback(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '0:0:0:0:0:0:0:0') return '::1';
  return host;
}

/** Whether an address reaches a runtime API on this machine (then its unix sockets are reachable too). */
export function isLocal(address: HaproxyAddress): boolean {
  if (address.kind === 'unix') return true;
  return address.host === 'localhost' || address.host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address.host);
}

/**
 * The listener that names the process: among those at level admin (any level when none is),
 * a unix socket first (the lowest path), then the lowest TCP address (IPv4 before IPv6, then by
 * host and port). Undefined when none is listed.
 */
export function chooseListener(listeners: readonly CliListener[]): HaproxyAddress | undefined {
  const admin = listeners.filter((l) => l.level === 'admin');
  const pool = (admin.length > 0 ? admin : listeners).map((l) => l.address);
  return [...pool].sort(compareAddresses)[0];
}

function compareAddresses(a: HaproxyAddress, b: HaproxyAddress): number {
  return sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0;
}

function sortKey(address: HaproxyAddress): string {
  if (address.kind === 'unix') return `0 ${address.path}`;
  const v6 = address.host.includes(':');
  const host = v6 ? address.host : address.host.split('.').map((part) => part.padStart(3, '0')).join('.');
  return `${v6 ? 2 : 1} ${host} ${String(address.port).padStart(5, '0')}`;
}
