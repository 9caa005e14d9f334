// Drain to exit: how long a server process lives on after its last in-flight request ended. A fresh server
// child per repetition holds one request (/slow, on a keep-alive connection) open; the parent sends SIGTERM,
// waits a moment (settleMs: [min, max], drawn at random) so the shutdown is under way, tells the child to
// answer, and notes (monotonic clock) when the response body ended at the client and when the child's
// 'exit' reached the parent.
import { request, Agent } from 'node:http';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { summarize } from './lib/stats.mjs';
import { shuffled } from './server-overhead.mjs';
import { exited, startServer } from './server-proc.mjs';

const ns = () => process.hrtime.bigint();
const msBetween = (from, to) => Number(to - from) / 1e6;

/** Opens GET /slow on a keep-alive agent; resolves with its status, body and the time its body ended. */
function holdRequest(port, agent) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/slow', agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.once('end', () => resolve({ status: res.statusCode, body, endNs: ns(), connection: res.headers.connection }));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end();
  });
}

/** Waits for the child's {event:'holding'} IPC message. */
function holding(child, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the /slow request did not reach the server within ${timeoutMs} ms`)), timeoutMs);
    child.on('message', function onMessage(message) {
      if (message.event !== 'holding') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve();
    });
  });
}

/** One repetition against one contender. Never throws: a failure is a result with `problem`. */
async function drainOnce(name, { lightshipEntry, settleMs: [settleMin, settleMax], exitTimeoutMs }) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let server;
  try {
    server = await startServer(name, { lightshipEntry });
    const { child, port, lines } = server;
    const exit = exited(child).then((status) => ({ ...status, exitNs: ns() }));
    const arrived = holding(child, 5000);
    const response = holdRequest(port, agent);
    await arrived;
    const signalNs = ns();
    child.kill('SIGTERM');
    // A random settle time: a fixed one could fall in step with a peer's polling interval (http-terminator: 10 ms).
    await sleep(settleMin + Math.random() * (settleMax - settleMin));
    child.send({ cmd: 'finish' });
    const res = await response;
    let timer;
    const timeout = new Promise((resolve) => (timer = setTimeout(resolve, exitTimeoutMs, null)));
    const ended = await Promise.race([exit, timeout]);
    clearTimeout(timer);
    if (!ended) {
      child.kill('SIGKILL');
      return { problem: `did not exit within ${exitTimeoutMs} ms of the response ending` };
    }
    // The child's last stdout lines can arrive after its 'exit' event: wait for its pipes to close.
    if (!child.stdout.closed) await once(child.stdout, 'close');
    const childNs = (event) => {
      const line = lines.find((l) => l.event === event);
      return line ? BigInt(line.ns) : undefined;
    };
    const finishedNs = childNs('finished');
    const sinceFinish = (event) => (finishedNs && childNs(event) ? msBetween(finishedNs, childNs(event)) : undefined);
    return {
      exitMs: msBetween(res.endNs, ended.exitNs),
      /** In the child: from the held response handed to the kernel to the server's 'close' event. */
      closedMs: sinceFinish('closed'),
      /** In the child: from the same moment to the process's 'exit' event (none on a death by signal). */
      exitEventMs: sinceFinish('exit'),
      signalToExitMs: msBetween(signalNs, ended.exitNs),
      status: res.status,
      connectionHeader: res.connection ?? null,
      code: ended.code,
      signal: ended.signal,
    };
  } catch (error) {
    server?.child.kill('SIGKILL');
    return { problem: String(error?.message ?? error) };
  } finally {
    agent.destroy();
    if (server) await exited(server.child);
  }
}

/**
 * Runs `reps` rounds, each with every contender once in a fresh random order. Contenders in `fewer` (the bare
 * server, which waits out Node's keep-alive timeout, about 6 s, every time) take part in the first fewer[name] rounds only.
 */
export async function runDrain({ contenders, fewer = {}, lightshipEntry, reps, settleMs, exitTimeoutMs, log }) {
  const runs = Object.fromEntries(contenders.map((name) => [name, []]));
  for (let rep = 1; rep <= reps; rep++) {
    const inRound = contenders.filter((name) => !(name in fewer) || rep <= fewer[name]);
    for (const name of shuffled(inRound)) runs[name].push(await drainOnce(name, { lightshipEntry, settleMs, exitTimeoutMs }));
    if (rep % 5 === 0 || rep === reps) log(`  repetition ${rep}/${reps}`);
  }
  const summary = Object.fromEntries(
    contenders.map((name) => {
      const ok = runs[name].filter((r) => r.problem === undefined);
      const statuses = [...new Set(ok.map((r) => `${r.status}`))];
      const exits = [...new Set(ok.map((r) => (r.signal ? r.signal : `exit ${r.code}`)))];
      return [
        name,
        {
          exitMs: summarize(ok.map((r) => r.exitMs)),
          closedMs: summarize(ok.map((r) => r.closedMs).filter((v) => v !== undefined)),
          exitEventMs: summarize(ok.map((r) => r.exitEventMs).filter((v) => v !== undefined)),
          signalToExitMs: summarize(ok.map((r) => r.signalToExitMs)),
          ok: ok.length,
          problems: runs[name].filter((r) => r.problem !== undefined).map((r) => r.problem),
          statuses,
          exits,
          runs: runs[name],
        },
      ];
    }),
  );
  return { contenders, reps, fewer, settleMs, exitTimeoutMs, summary };
}
