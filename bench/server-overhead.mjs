// Overhead: throughput and server CPU per request of a hello-world node:http server, bare and with each
// library. One server child per contender stays up for the whole run; one load generator process drives
// them in turn. Every round runs every contender once, in a fresh random order, so drift in what else the
// machine does spreads over all of them instead of landing on one.
import { median } from './lib/stats.mjs';
import { ask, startLoad, startServer, stopChild } from './server-proc.mjs';

/** Fisher-Yates on a copy. */
export function shuffled(items) {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** One sample: the server's CPU (user + system) and the requests the load generator completed meanwhile. */
async function sample(load, server, { connections, durationMs }) {
  const before = (await ask(server.child, { cmd: 'cpu' })).cpu;
  const result = await ask(load, { port: server.port, connections, durationMs }, durationMs + 30_000);
  const after = (await ask(server.child, { cmd: 'cpu' })).cpu;
  if (result.error) throw new Error(`load generator: ${result.error}`);
  const cpuUs = after.user - before.user + (after.system - before.system);
  return {
    requests: result.requests,
    badResponses: result.badResponses,
    errors: result.errors,
    rps: result.requests / result.seconds,
    cpuUsPerRequest: result.requests > 0 ? cpuUs / result.requests : undefined,
    /** Server CPU time over wall time: near 1 means the server (one thread) was the bottleneck. */
    serverBusy: cpuUs / 1e6 / result.seconds,
  };
}

/**
 * Runs the overhead benchmark. Resolves with, per contender, every sample and the medians, and the order
 * each round ran in.
 */
export async function runOverhead({ contenders, lightshipEntry, rounds, durationMs, warmupMs, warmupRounds, connections, log }) {
  const servers = new Map();
  const load = startLoad();
  try {
    for (const name of contenders) servers.set(name, await startServer(name, { lightshipEntry }));
    // Two passes: after one, the first measured round still ran slower than the rest (code not yet optimised).
    log(`  warm-up: ${warmupRounds} × ${warmupMs} ms each`);
    for (let pass = 0; pass < warmupRounds; pass++) {
      for (const name of contenders) await sample(load, servers.get(name), { connections, durationMs: warmupMs });
    }
    const samples = Object.fromEntries(contenders.map((name) => [name, []]));
    const orders = [];
    for (let round = 1; round <= rounds; round++) {
      const order = shuffled(contenders);
      orders.push(order);
      for (const name of order) samples[name].push(await sample(load, servers.get(name), { connections, durationMs }));
      log(`  round ${round}/${rounds}: ${order.map((name) => `${name} ${Math.round(samples[name].at(-1).rps)}`).join(', ')} req/s`);
    }
    const medians = (s) => ({
      n: s.length,
      rps: median(s.map((x) => x.rps)),
      cpuUsPerRequest: median(s.map((x) => x.cpuUsPerRequest)),
      serverBusy: median(s.map((x) => x.serverBusy)),
    });
    const summary = Object.fromEntries(
      contenders.map((name) => {
        const s = samples[name];
        return [
          name,
          {
            ...medians(s),
            badResponses: s.reduce((a, x) => a + x.badResponses, 0),
            errors: s.reduce((a, x) => a + x.errors, 0),
            samples: s,
          },
        ];
      }),
    );
    return { contenders, rounds, durationMs, warmupMs, warmupRounds, connections, orders, summary };
  } finally {
    await Promise.all([...servers.values()].map((s) => stopChild(s.child)));
    await stopChild(load);
  }
}
