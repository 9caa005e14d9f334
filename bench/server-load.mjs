// The load generator of the server overhead benchmark, in its own process so its CPU is not the server's.
// Raw keep-alive HTTP/1.1 over node:net, one request at a time per connection (as autocannon does with
// pipelining 1): far cheaper per request than an HTTP client library, so the server, not the client, is what
// saturates. Started with an IPC channel by bench/server-overhead.mjs.
// IPC in: {port, connections, durationMs}. IPC out: {requests, badResponses, errors, seconds}.
import { connect } from 'node:net';

const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 'latin1');
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');
const CONTENT_LENGTH = /\r\ncontent-length: *(\d+)/i;

/**
 * One keep-alive connection: sends a request, reads the whole response (headers and Content-Length body),
 * counts it, sends the next one until stop() is called. Resolves once closed.
 */
function runConnection(port, tally) {
  let stopped = false;
  let pending = Buffer.alloc(0);
  const socket = connect({ port, host: '127.0.0.1', noDelay: true });
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.once('connect', () => socket.write(REQUEST));
  socket.on('error', () => (tally.errors += 1));
  socket.on('data', (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const headerEnd = pending.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = pending.toString('latin1', 0, headerEnd);
    const declared = CONTENT_LENGTH.exec(head)?.[1];
    if (declared === undefined) {
      // This reader only knows Content-Length bodies: anything else is counted and the connection given up.
      tally.badResponses += 1;
      socket.destroy();
      return;
    }
    const length = Number(declared);
    const total = headerEnd + HEADER_END.length + length;
    if (pending.length < total) return;
    if (head.startsWith('HTTP/1.1 200')) tally.requests += 1;
    else tally.badResponses += 1;
    pending = pending.subarray(total);
    if (stopped) socket.end();
    else socket.write(REQUEST);
  });
  return {
    closed,
    stop() {
      stopped = true;
    },
    destroy: () => socket.destroy(),
  };
}

/** Runs `connections` connections for durationMs; counts the responses that completed within that time. */
async function runLoad({ port, connections, durationMs }) {
  const tally = { requests: 0, badResponses: 0, errors: 0 };
  const started = process.hrtime.bigint();
  const all = Array.from({ length: connections }, () => runConnection(port, tally));
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const counted = { ...tally };
  for (const c of all) c.stop();
  // Each connection has at most one request outstanding: give those 2 s to come back, then cut.
  const cut = setTimeout(() => all.forEach((c) => c.destroy()), 2000);
  await Promise.all(all.map((c) => c.closed));
  clearTimeout(cut);
  return { ...counted, seconds };
}

process.on('message', (message) => {
  runLoad(message).then(
    (result) => process.send(result),
    (error) => process.send({ error: String(error?.stack ?? error) }),
  );
});
