import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { readFile } from 'node:fs/promises';
import { notFoundError, throwIfAborted, usageError } from '../../core/errors.js';
import { printable } from '../../core/quote.js';
import type { DrainProvider, GroupSnapshot, RestoreRequest, TimeoutSetting } from '../../core/provider.js';
import type { CallContext } from '../../core/call.js';
import { nginxDescriptor } from './descriptor.js';
import type { GroupRef, TargetRef } from '../../core/refs.js';
import type { TargetStatus } from '../../core/state.js';
import type { ProviderOptions } from '../options.js';
import { applyChange, fileError, shownPath } from './apply.js';
import { type ControlOptions, NginxControl } from './control.js';
import { connectionsTo, type Endpoint, endpointKey, isWorker, workersOf } from './processes.js';
import { formatStubStatus, readStubStatus } from './stub-status.js';
import { type NginxGroup, parseNginxGroup } from './syntax.js';
import { ConfigSyntaxError } from './tokenizer.js';
import { findUpstreams, mainDirective, setDown, type UpstreamBlock, type UpstreamServer } from './upstream.js';

export const DEFAULT_MAIN_CONFIG = '/etc/nginx/nginx.conf';

/** Settings of one NGINX provider. */
export interface NginxProviderOptions extends Omit<ControlOptions, 'mainConfig'> {
  /** The main configuration that includes the upstream files (default /etc/nginx/nginx.conf). */
  readonly mainConfig?: string;
  /** A stub_status URL whose counts are shown while a drain waits. */
  readonly statusUrl?: string;
}

/** The old workers still running, and what they hold. */
interface OldWorkers {
  readonly pids: readonly number[];
}

/**
 * NGINX open source through its configuration: drain = add `down` to the server's line in its
 * upstream block, check, reload. NGINX then stops sending new requests to it at once; the
 * workers from before the reload finish their in-flight requests and exit, and the drain is
 * over when none of them is left. NGINX has no drain timeout of its own (worker_shutdown_timeout
 * is a configuration-wide bound, shown by timeout get).
 */
export class NginxProvider implements DrainProvider {
  readonly descriptor = nginxDescriptor;
  readonly control: NginxControl;
  /** Workers that served before one of this provider's reloads; the drain waits for them too. */
  private readonly oldWorkers = new Set<number>();

  constructor(private readonly settings: NginxProviderOptions = {}) {
    this.control = new NginxControl({ ...settings, mainConfig: settings.mainConfig ?? DEFAULT_MAIN_CONFIG });
  }

  /** Builds the provider from the CLI's options; nothing runs until the first call. */
  static async create(options: ProviderOptions): Promise<NginxProvider> {
    return new NginxProvider({ mainConfig: options.options?.['nginx-conf'], reloadCommand: options.options?.['reload-command'], statusUrl: options.options?.['status-url'], env: options.env, debug: options.debug });
  }

  async describe(group: GroupRef, targets: readonly TargetRef[] | 'all', ctx: CallContext): Promise<GroupSnapshot> {
    const { signal } = ctx;
    throwIfAborted(signal);
    const g = parseNginxGroup(group.group);
    const block = await this.readUpstream(g);
    const servers = uniqueServers(block);
    const down = servers.filter((s) => s.down);
    // A `down` the running NGINX has not read yet (no reload since the file changed) is not in force.
    const pending = down.length > 0 && (await this.control.fileInForce(g.file).catch(() => undefined)) === false;
    const old = down.length > 0 ? await this.runningOldWorkers() : { pids: [] };
    const counts = old.pids.length > 0 ? await this.countConnections(old.pids, down) : new Map<string, number>();
    const stub = down.length > 0 && this.settings.statusUrl ? await readStubStatus(this.settings.statusUrl, ctx, this.settings.debug) : undefined;
    const context = stub ? `; ${formatStubStatus(stub)}` : '';
    const registered = servers.map((s) => (pending && s.down ? notReloaded(group, s, g) : toStatus(group, s, old, counts.get(s.address), context)));
    const providerId = `${shownPath(g.file)}: upstream ${g.upstream}`;
    if (targets === 'all') return { group, providerId, targets: registered, registered };
    const named = targets.map((ref) => registered.find((s) => s.ref.target === ref.target) ?? absent(ref, g));
    return { group, providerId, targets: named, registered };
  }

  async drain(group: GroupRef, targets: readonly TargetStatus[], ctx: CallContext): Promise<void> {
    await this.setDown(group, targets.map((t) => t.ref.target), true, ctx);
  }

  async restore(group: GroupRef, targets: readonly RestoreRequest[], ctx: CallContext): Promise<void> {
    await this.setDown(group, targets.map((t) => t.ref.target), false, ctx);
  }

  async getTimeout(group: GroupRef, ctx: CallContext): Promise<TimeoutSetting> {
    const { signal } = ctx;
    throwIfAborted(signal);
    await this.readUpstream(parseNginxGroup(group.group));
    let workerShutdownTimeout: string | undefined;
    try {
      workerShutdownTimeout = mainDirective(await readFile(this.control.options.mainConfig, 'latin1'), 'worker_shutdown_timeout');
    } catch {
      workerShutdownTimeout = undefined; // unreadable main config: drain reports the real problem
    }
    return { seconds: undefined, enabled: true, extra: { workerShutdownTimeout: workerShutdownTimeout ?? 'none' } };
  }

  async setTimeout(group: GroupRef, _seconds: number, _ctx: CallContext): Promise<TimeoutSetting> {
    throw usageError(
      `NGINX has no per-upstream drain timeout to set (nginx:${shownPath(group.group)}): drainctl waits until the workers from before the reload have finished`,
      'bound the wait with drain --timeout <duration>; worker_shutdown_timeout in the main configuration bounds every reload',
    );
  }

  /**
   * Sends SIGTERM to the workers from before the reload: NGINX's fast shutdown closes their
   * connections at once. NGINX has no per-server cut, so every request those old workers still
   * serve ends, whichever server it went to. Resolves to how many connections to these
   * servers they held.
   */
  async forceClose(group: GroupRef, targets: readonly TargetStatus[], ctx: CallContext): Promise<{ readonly cut: number }> {
    const { signal } = ctx;
    throwIfAborted(signal);
    const g = parseNginxGroup(group.group);
    const block = await this.readUpstream(g);
    const servers = uniqueServers(block).filter((s) => targets.some((t) => t.ref.target === s.address));
    const old = await this.runningOldWorkers();
    const counts = await this.countConnections(old.pids, servers);
    for (const pid of old.pids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // exited meanwhile
      }
    }
    return { cut: [...counts.values()].reduce((a, b) => a + b, 0) };
  }

  private async setDown(group: GroupRef, addresses: readonly string[], down: boolean, ctx: CallContext): Promise<void> {
    throwIfAborted(ctx.signal);
    const g = parseNginxGroup(group.group);
    const block = await this.readUpstream(g);
    const missing = addresses.filter((a) => !block.servers.some((s) => s.address === a));
    if (missing.length > 0) {
      throw notFoundError(`upstream ${g.upstream} in ${shownPath(g.file)} has no server ${missing.join(', ')} (servers: ${printable(block.servers.map((s) => s.address).join(', ') || 'none', 400)})`, `check the reference with: drainctl status nginx:${shownPath(group.group)}`);
    }
    const result = await applyChange(g.file, (text) => setDown(text, g.upstream, addresses, down), this.control, ctx);
    if (result.changed) for (const pid of result.before.workers) this.oldWorkers.add(pid);
  }

  /** Reads and parses the upstream file and finds the block; not_found or usage errors say which. */
  private async readUpstream(g: NginxGroup): Promise<UpstreamBlock> {
    let text: string;
    try {
      text = await readFile(g.file, 'latin1');
    } catch (error) {
      throw fileError(g.file, error as NodeJS.ErrnoException);
    }
    let blocks: UpstreamBlock[];
    try {
      blocks = findUpstreams(text);
    } catch (error) {
      // Never quote what such a file holds: it may be any file at all (/etc/shadow).
      if (error instanceof ConfigSyntaxError) throw usageError(`${shownPath(g.file)} does not look like an NGINX configuration file (it cannot be parsed at line ${error.line})`, 'name the file that holds the upstream block');
      throw error;
    }
    const block = blocks.find((b) => b.name === g.upstream);
    if (!block) {
      const names = blocks.map((b) => b.name);
      throw notFoundError(`${shownPath(g.file)} has no upstream ${g.upstream}${names.length > 0 ? ` (upstreams: ${printable(names.join(', '), 400)})` : ' (no upstream block at all)'}`, 'check the upstream name and the file in the reference');
    }
    return block;
  }

  /** Workers from before a reload that still run: those NGINX marks as shutting down, and those this provider saw before its own reloads. */
  private async runningOldWorkers(): Promise<OldWorkers> {
    const master = await this.control.masterPid().catch(() => undefined);
    const workers = master === undefined ? [] : await workersOf(master);
    const shutting = workers.filter((w) => w.shuttingDown).map((w) => w.pid);
    const current = workers.filter((w) => !w.shuttingDown).map((w) => w.pid);
    for (const pid of this.oldWorkers) {
      if (!(await isWorker(pid))) this.oldWorkers.delete(pid);
    }
    const pending = [...this.oldWorkers].filter((pid) => !current.includes(pid));
    return { pids: [...new Set([...shutting, ...pending])].sort((a, b) => a - b) };
  }

  /** Connections the old workers hold to each server, keyed by the server's address as written. */
  private async countConnections(pids: readonly number[], servers: readonly UpstreamServer[]): Promise<Map<string, number>> {
    const byServer = new Map<string, number>();
    try {
      const endpoints = new Map<string, Endpoint[]>();
      for (const s of servers) endpoints.set(s.address, await resolveAddress(s.address));
      const counts = await connectionsTo(pids, [...endpoints.values()].flat());
      for (const [address, list] of endpoints) byServer.set(address, list.reduce((n, e) => n + (counts.get(endpointKey(e)) ?? 0), 0));
    } catch (error) {
      this.settings.debug?.(`nginx: cannot count connections: ${error instanceof Error ? error.message : String(error)}`);
    }
    return byServer;
  }
}

/** One status per address (a repeated address is down only when every line of it is). */
function uniqueServers(block: UpstreamBlock): UpstreamServer[] {
  const seen = new Map<string, UpstreamServer>();
  for (const s of block.servers) {
    const prior = seen.get(s.address);
    if (!prior || (prior.down && !s.down)) seen.set(s.address, s);
  }
  return [...seen.values()];
}

function toStatus(group: GroupRef, server: UpstreamServer, old: OldWorkers, connections: number | undefined, context: string): TargetStatus {
  const ref: TargetRef = { kind: 'target', provider: 'nginx', group: group.group, target: server.address };
  const registration = registrationOf(server);
  if (!server.down) {
    return { ref, state: 'active', health: 'healthy', raw: { state: 'up', description: `in rotation (line ${server.line}; NGINX open source runs no health checks)` }, registration };
  }
  if (old.pids.length > 0) {
    const held = connections === undefined ? '' : `, ${connections} connection${connections === 1 ? '' : 's'} to this server`;
    return {
      ref, state: 'draining', health: 'unknown', registration,
      ...(connections !== undefined && { inFlight: connections }),
      raw: { state: 'down', reason: 'old workers still running', description: `${old.pids.length} worker process${old.pids.length === 1 ? '' : 'es'} from before the reload still serving (pid ${old.pids.join(', ')})${held}${context}` },
    };
  }
  return { ref, state: 'drained', health: 'unknown', registration, inFlight: 0, raw: { state: 'down', description: `no worker process from before the reload is left${context}` } };
}

/** A server marked `down` in a file NGINX has not reloaded since: it still takes traffic, so a drain must reload. */
function notReloaded(group: GroupRef, server: UpstreamServer, g: NginxGroup): TargetStatus {
  const ref: TargetRef = { kind: 'target', provider: 'nginx', group: group.group, target: server.address };
  return {
    // Not 'healthy': once the pending reload happens it takes no traffic, so it is not counted on.
    ref, state: 'active', health: 'initial', registration: registrationOf(server),
    raw: { state: 'down', reason: 'not reloaded', description: `marked down in ${shownPath(g.file)} (line ${server.line}), but nginx has not reloaded since the file changed: it still sends this server traffic` },
  };
}

/** A server's line as restore puts it back: its address and its parameters other than `down`. */
function registrationOf(server: UpstreamServer): { address: string; parameters?: string } {
  return { address: server.address, ...(server.parameters.length > 0 && { parameters: server.parameters.join(' ') }) };
}

function absent(ref: TargetRef, g: NginxGroup): TargetStatus {
  return { ref, state: 'absent', health: 'unknown', raw: { state: 'not listed', description: `upstream ${g.upstream} in ${shownPath(g.file)} has no server ${ref.target}` } };
}

/** The IPs and port a server address stands for (`host` alone means port 80, as in NGINX). */
async function resolveAddress(address: string): Promise<Endpoint[]> {
  let host = address;
  let port = 80;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (v6) {
    host = v6[1]!;
    port = v6[2] ? Number(v6[2]) : 80;
  } else if (/^[^:]+:\d+$/.test(address)) {
    host = address.slice(0, address.lastIndexOf(':'));
    port = Number(address.slice(address.lastIndexOf(':') + 1));
  } else if (address.startsWith('unix:')) {
    return [];
  }
  if (isIP(host)) return [{ ip: host, port }];
  const found = await lookup(host, { all: true }).catch(() => []);
  return found.map((a) => ({ ip: a.address, port }));
}

