import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

/** moto's server as an independent AWS implementation, started per suite on a free loopback port. */
export interface MotoServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** True when `python3 -m moto.server` can run here. */
export function motoAvailable(): boolean {
  const probe = spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore', timeout: 20_000 });
  return probe.status === 0;
}

import { freePort } from './ports.js';
export { freePort };

/** Starts moto and waits (at most 20 s) until it answers. */
export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      if (res.status < 500) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`moto did not start on ${url}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/**
 * One AWS query-protocol call, for setting up fixtures on moto (EC2, ELB) without
 * extra SDK packages. moto reads the region from the credential scope; it does not verify signatures.
 */
export async function queryCall(url: string, service: string, version: string, action: string, params: Record<string, string> = {}): Promise<string> {
  const body = new URLSearchParams({ Action: action, Version: version, ...params });
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${action} failed on moto: ${res.status} ${text.slice(0, 300)}`);
  return text;
}

/** The first <tag>value</tag> in an XML response. */
export function xmlValue(xml: string, tag: string): string {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  if (!match) throw new Error(`no <${tag}> in ${xml.slice(0, 300)}`);
  return match[1]!;
}

/** Every <tag>value</tag> in an XML response. */
export function xmlValues(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]!);
}

/** Fails under CI when a required tool is missing; elsewhere skips loudly. */
export function requireTool(name: string, available: boolean): boolean {
  if (available) return true;
  const message = `\n*** ${name} is not installed: its tests are SKIPPED. Install it to run them (see .ci/run). ***\n`;
  if (process.env.CI === 'true') throw new Error(`${name} is required under CI=true but is missing`);
  console.warn(message);
  return false;
}
