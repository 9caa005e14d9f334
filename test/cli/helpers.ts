/** Shared set-up for the end-to-end CLI tests: emulators that are always stopped, and output parsing. */
import { afterAll, afterEach } from 'vitest';
import { parseSeed, startAwsEmulator, type AwsEmulator, type AwsEmulatorOptions, type AwsSeed, type RequestLogEntry } from '../../src/emulators/aws/index.js';
import { endpointArgs, killAllChildren, runCli, type CliOptions, type CliResult } from '../support/cli.js';

/** Instance IDs used across the suites. */
export const ID = {
  web1: 'i-0a1b2c3d4e5f60001',
  web2: 'i-0a1b2c3d4e5f60002',
  web3: 'i-0a1b2c3d4e5f60003',
  slow1: 'i-0a1b2c3d4e5f60021',
  slow2: 'i-0a1b2c3d4e5f60022',
  legacy1: 'i-0a1b2c3d4e5f60009',
  legacy2: 'i-0a1b2c3d4e5f6000a',
  nodrain1: 'i-0a1b2c3d4e5f6000b',
  nodrain2: 'i-0a1b2c3d4e5f6000c',
} as const;

/**
 * The suites' seed: `web` (ALB, 3 instances on 8080 in three zones, 1 s delay), `slow` (ALB,
 * 30 s delay), `tcp-api` (NLB, IP targets, connection termination on), `legacy-web` (Classic,
 * draining on, 30 s, instances with open connections) and `nodrain` (Classic, draining off).
 */
export function standardSeed(): AwsSeed {
  return parseSeed(
    {
      region: 'us-east-1',
      accountId: '123456789012',
      targetGroups: [
        {
          name: 'web',
          protocol: 'HTTP',
          port: 80,
          attributes: { 'deregistration_delay.timeout_seconds': '1' },
          targets: [
            { id: ID.web1, port: 8080, availabilityZone: 'us-east-1a', health: 'healthy' },
            { id: ID.web2, port: 8080, availabilityZone: 'us-east-1b', health: 'healthy' },
            { id: ID.web3, port: 8080, availabilityZone: 'us-east-1c', health: 'healthy' },
          ],
        },
        {
          name: 'slow',
          protocol: 'HTTP',
          port: 80,
          attributes: { 'deregistration_delay.timeout_seconds': '30' },
          targets: [
            { id: ID.slow1, port: 8080, availabilityZone: 'us-east-1a', health: 'healthy' },
            { id: ID.slow2, port: 8080, availabilityZone: 'us-east-1b', health: 'healthy' },
          ],
        },
        {
          name: 'tcp-api',
          protocol: 'TCP',
          port: 9000,
          targetType: 'ip',
          attributes: { 'deregistration_delay.timeout_seconds': '10', 'deregistration_delay.connection_termination.enabled': 'true' },
          targets: [
            { id: '10.0.1.10', availabilityZone: 'us-east-1a', health: 'healthy' },
            { id: '10.0.2.10', availabilityZone: 'us-east-1b', health: 'healthy' },
          ],
        },
      ],
      classicLoadBalancers: [
        {
          name: 'legacy-web',
          connectionDraining: { enabled: true, timeout: 30 },
          instances: [
            { id: ID.legacy1, connections: 5, health: 'healthy' },
            { id: ID.legacy2, connections: 5, health: 'healthy' },
          ],
        },
        {
          name: 'nodrain',
          connectionDraining: { enabled: false },
          instances: [
            { id: ID.nodrain1, health: 'healthy' },
            { id: ID.nodrain2, health: 'healthy' },
          ],
        },
      ],
    },
    'standardSeed',
  );
}

const started = new Set<AwsEmulator>();

/**
 * Stops every emulator and kills every drainctl child this file started, after each test and at
 * the end. Not for files with concurrent tests: those use `withEmulator` and `cleanupAfterAll`.
 */
export function cleanupAfterEach(): void {
  afterEach(async () => {
    killAllChildren();
    await stopAll();
  });
  cleanupAfterAll();
}

/** Stops whatever is left (a test that threw before its own cleanup) once the file is done. */
export function cleanupAfterAll(): void {
  afterAll(async () => {
    killAllChildren();
    await stopAll();
  });
}

/** Runs `fn` with a fresh emulator that is stopped when `fn` settles, pass or fail. */
export async function withEmulator<T>(options: AwsEmulatorOptions, fn: (emulator: AwsEmulator) => Promise<T>): Promise<T> {
  const emulator = await startEmulator(options);
  try {
    return await fn(emulator);
  } finally {
    await stopEmulator(emulator);
  }
}

async function stopAll(): Promise<void> {
  const all = [...started];
  started.clear();
  await Promise.all(all.map((e) => e.stop()));
}

/** Starts an emulator on 127.0.0.1 (any free port); stopped by cleanupAfterEach or by `stopEmulator`. */
export async function startEmulator(options: AwsEmulatorOptions = {}): Promise<AwsEmulator> {
  const emulator = await startAwsEmulator({ seed: standardSeed(), throttle: 'off', healthyAfterMs: 300, ...options, host: '127.0.0.1' });
  started.add(emulator);
  return emulator;
}

export async function stopEmulator(emulator: AwsEmulator): Promise<void> {
  started.delete(emulator);
  await emulator.stop();
}

/** Runs drainctl against an emulator: `--endpoint-url <url> --region us-east-1` then `args`. */
export function runAgainst(emulator: AwsEmulator, args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  return runCli([...endpointArgs(emulator.url), ...args], opts);
}

/** Parses the one JSON document of `-o json`, with the raw text in the error when it is not JSON. */
export function jsonDoc(result: CliResult): Record<string, any> {
  try {
    return JSON.parse(result.stdout) as Record<string, any>;
  } catch (error) {
    throw new Error(`stdout is not one JSON document (${(error as Error).message}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** Parses `-o ndjson` output: every line must be a JSON object. */
export function ndjsonRecords(stdout: string): Record<string, any>[] {
  const lines = stdout.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line, i) => {
    try {
      const value = JSON.parse(line) as unknown;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
      return value as Record<string, any>;
    } catch (error) {
      throw new Error(`ndjson line ${i + 1} is not a JSON object (${(error as Error).message}): ${line}`);
    }
  });
}

/** The request-log entries of one action. */
export function callsOf(emulator: AwsEmulator, action: string): RequestLogEntry[] {
  return emulator.requestLog.filter((e) => e.action === action);
}

/** Successful (HTTP 200, not reset) entries of one action. */
export function appliedCallsOf(emulator: AwsEmulator, action: string): RequestLogEntry[] {
  return callsOf(emulator, action).filter((e) => e.status === 200);
}

/** `Targets.member.N.*` of an ELBv2 request as objects. */
export function targetsParam(entry: RequestLogEntry): { Id?: string; Port?: string; AvailabilityZone?: string }[] {
  const out: Record<string, string>[] = [];
  for (const [key, value] of Object.entries(entry.params)) {
    const m = /^Targets\.member\.(\d+)\.(\w+)$/.exec(key);
    if (!m) continue;
    const i = Number(m[1]) - 1;
    (out[i] ??= {})[m[2]!] = value;
  }
  return out;
}

/** Polls `check` every 25 ms until it returns true; throws after timeoutMs. */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The version in package.json. */
export async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const { REPO_ROOT } = await import('../support/cli.js');
  return (JSON.parse(await readFile(`${REPO_ROOT}package.json`, 'utf8')) as { version: string }).version;
}
