// One measured run of drainctl's log reader, in its own process so its peak RSS is its own.
// Usage: node bench/p99-child.mjs <log file> <format>; prints one JSON line.
import { readLatencyLog } from '../dist/latency/reader.js';

const [path, format = 'alb'] = process.argv.slice(2);
const t0 = process.hrtime.bigint();
const result = await readLatencyLog({ path, format });
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
process.stdout.write(
  `${JSON.stringify({ seconds, bytes: result.bytes, samples: result.samples, notApplicable: result.notApplicable, unparsed: result.unparsed, p99: result.summary.p99, maxRssKiB: process.resourceUsage().maxRSS })}\n`,
);
