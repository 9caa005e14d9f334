// Writes a synthetic ALB access log of a given size: realistic lines (the AWS documentation's field
// layout), latencies from a log-normal body with a heavy tail, and 0.1% of requests logged with -1.
import { closeSync, openSync, writeSync } from 'node:fs';

/** A small deterministic PRNG (mulberry32), so every run writes the same log for a seed. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One target processing time in seconds: log-normal around 40 ms, with 1% slow requests up to ~30 s. */
export function latency(random) {
  const u = Math.max(random(), 1e-12);
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  const body = Math.exp(Math.log(0.04) + 0.8 * normal);
  return random() < 0.01 ? body * (5 + 200 * random() * random()) : body;
}

const PATHS = ['/api/items', '/api/users', '/login', '/static/app.js', '/api/orders', '/health'];

/** Writes about `bytes` bytes of ALB access log to `path`; returns { lines, bytes }. */
export function generateAlbLog(path, bytes, seed = 1) {
  const random = prng(seed);
  const fd = openSync(path, 'w');
  let written = 0;
  let lines = 0;
  try {
    while (written < bytes) {
      const parts = [];
      let blockBytes = 0;
      while (blockBytes < 8 << 20 && written + blockBytes < bytes) {
        const na = random() < 0.001;
        const request = na ? -1 : (random() * 0.002).toFixed(3);
        const target = na ? -1 : latency(random).toFixed(3);
        const response = na ? -1 : (random() * 0.001).toFixed(3);
        const second = String(lines % 60).padStart(2, '0');
        const micros = String(Math.floor(random() * 1e6)).padStart(6, '0');
        const client = `192.168.${(lines >> 8) & 255}.${lines & 255}:${1024 + (lines % 60000)}`;
        const ip = `10.0.${(lines >> 4) & 15}.${1 + (lines & 15)}:80`;
        const status = na ? '502 -' : '200 200';
        const line =
          `https 2026-11-22T10:00:${second}.${micros}Z app/my-loadbalancer/50dc6c495c0c9188 ${client} ${ip} ${request} ${target} ${response} ${status} 34 ${100 + Math.floor(random() * 90000)} ` +
          `"GET https://www.example.com:443${PATHS[lines % PATHS.length]}/${lines} HTTP/1.1" "Mozilla/5.0 (X11; Linux x86_64) curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ` +
          `arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" ` +
          `"arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2026-11-22T10:00:${second}.000000Z "forward" "-" "-" "${ip}" "200" "-" "-"\n`;
        parts.push(line);
        blockBytes += line.length;
        lines += 1;
      }
      const block = Buffer.from(parts.join(''), 'latin1');
      writeSync(fd, block);
      written += block.length;
    }
  } finally {
    closeSync(fd);
  }
  return { lines, bytes: written };
}
