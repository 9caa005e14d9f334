import net from 'node:net';
import { DrainerOptionsError } from './errors.js';

/**
 * Refuses what cannot be drained: a non-server, a server that was closed, a server that already has a drainer.
 * A server not yet listening is accepted (createDrainer may come before listen()).
 */
export function checkServer(server: unknown, hasDrainer: (server: net.Server) => boolean): asserts server is net.Server {
  if (!(server instanceof net.Server)) {
    throw new DrainerOptionsError('server', 'createDrainer needs a node:http, node:https or node:http2 server (for Fastify pass fastify.server, for Koa the server app.listen() returns)');
  }
  if (hasDrainer(server)) throw new DrainerOptionsError('server', 'this server already has a drainer: call createDrainer once per server');
  if (wasClosed(server)) {
    throw new DrainerOptionsError('server', 'the server was already closed: create the drainer while the server is listening, or before listen()');
  }
}

/**
 * Node has no public "was closed" flag. A listening server gets a connection key that close() does not clear,
 * so "has a key but no longer listening" means it listened once and was closed.
 */
function wasClosed(server: net.Server): boolean {
  return !server.listening && typeof (server as { _connectionKey?: unknown })._connectionKey === 'string';
}
