// One hello-world node:http server, bare or with one graceful-shutdown library wired as its README shows,
// on 127.0.0.1 and a port the OS picks. Started by bench/server-overhead.mjs and bench/server-drain.mjs.
// Usage: node bench/server-child.mjs <contender>   (needs an IPC channel; BENCH_LIGHTSHIP names lightship's entry)
//
// stdout, one JSON line each: {"event":"listening","port":N}; then, with process.hrtime.bigint() (CLOCK_MONOTONIC,
// the parent's clock too), "finished" when a held /slow response was handed to the kernel, "closed" when the
// server emitted 'close', "exit" when the process emitted 'exit' (not on a death by signal).
// IPC in: {cmd:'cpu'} answers {cpu: process.cpuUsage()}; {cmd:'finish'} ends the held /slow responses.
// IPC out: {event:'holding'} when a /slow request arrived.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const HELLO = 'hello world';
// An explicit length: without one, writeHead() + end() sends a chunked body.
const HELLO_HEADERS = { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(HELLO)) };
const held = new Set();
/** Runs after a held response finished; only the floor reference uses it. */
let afterHeldFinish = () => {};

const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

function handler(req, res) {
  if (req.url === '/slow') {
    held.add(res);
    res.once('finish', () => {
      say({ event: 'finished', ns: String(process.hrtime.bigint()) });
      afterHeldFinish();
    });
    process.send({ event: 'holding' });
    return;
  }
  res.writeHead(200, HELLO_HEADERS);
  res.end(HELLO);
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

/**
 * Each wiring follows the library's README with its smallest sensible settings: no fixed wait before the
 * listener closes (drainctl's shutdownDelay 0 is its default; lightship's 5 s default shutdownDelay set to 0;
 * terminus without a beforeShutdown sleep). Force deadlines stay at their defaults: they cap a drain, they
 * do not lengthen one that ends on its own. Each resolves with the server and what to do once it listens.
 */
const WIRINGS = {
  /** Node alone: server.close() on SIGTERM, exit when it calls back (a reference, not a peer). */
  async bare() {
    const server = createServer(handler);
    process.once('SIGTERM', () => server.close(() => process.exit(0)));
    return { server };
  },
  /** The floor of drain to exit: SIGTERM makes the held response's end call process.exit() (a reference). */
  async floor() {
    const server = createServer(handler);
    process.once('SIGTERM', () => (afterHeldFinish = () => process.exit(0)));
    return { server };
  },
  /** @drainctl/server with its default signals: SIGTERM drains, then the library exits the process. */
  async drainctl() {
    const { createDrainer } = await import('../packages/server/dist/index.js');
    const server = createServer(handler);
    createDrainer(server, { shutdownDelay: 0 });
    return { server };
  },
  /** terminus: a /health check (its README's example), SIGTERM handled by terminus, default timeout 1000 ms. */
  async terminus() {
    const { createTerminus } = require('@godaddy/terminus');
    const server = createServer(handler);
    createTerminus(server, { signals: ['SIGTERM'], healthChecks: { '/health': async () => {} } });
    return { server };
  },
  /** http-terminator handles no signal: SIGTERM -> terminate() (default gracefulTerminationTimeout 1000 ms) -> exit. */
  async 'http-terminator'() {
    const { createHttpTerminator } = require('http-terminator');
    const server = createServer(handler);
    const terminator = createHttpTerminator({ server });
    process.once('SIGTERM', () => void terminator.terminate().then(() => process.exit(0)));
    return { server };
  },
  /**
   * lightship: its own probe listener (port 0; lightship binds it on 0.0.0.0, it has no host option), SIGTERM
   * handled by lightship, and the README's shutdown handler `server.close()`; the process exits on its own.
   * detectKubernetes false: outside Kubernetes it would otherwise install no signal handler at all.
   */
  async lightship() {
    const { createLightship } = await import(pathToFileURL(process.env.BENCH_LIGHTSHIP).href);
    const lightship = await createLightship({ detectKubernetes: false, port: 0, shutdownDelay: 0 });
    const server = createServer(handler);
    lightship.registerShutdownHandler(() => {
      server.close();
    });
    return { server, listening: () => lightship.signalReady() };
  },
  /** stoppable: SIGTERM -> server.stop() (default grace: Infinity) -> exit. */
  async stoppable() {
    const stoppable = require('stoppable');
    const server = stoppable(createServer(handler));
    process.once('SIGTERM', () => server.stop(() => process.exit(0)));
    return { server };
  },
};

process.on('message', (message) => {
  if (message.cmd === 'cpu') process.send({ cpu: process.cpuUsage() });
  else if (message.cmd === 'finish') {
    for (const res of held) res.end('done');
    held.clear();
  }
});
// The channel must not keep the process alive: lightship's process exits when nothing else does.
process.channel.unref();

const contender = process.argv[2];
if (!WIRINGS[contender]) throw new Error(`unknown contender "${contender}" (known: ${Object.keys(WIRINGS).join(', ')})`);
const { server, listening } = await WIRINGS[contender]();
// When the listener closed and when the process began to exit, as the child saw them (stdout to a pipe is
// written synchronously on Linux, so the line is out before the process is gone).
server.once('close', () => say({ event: 'closed', ns: String(process.hrtime.bigint()) }));
process.once('exit', () => say({ event: 'exit', ns: String(process.hrtime.bigint()) }));
const port = await listen(server);
listening?.();
say({ event: 'listening', port });
