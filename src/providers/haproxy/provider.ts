import { DrainctlError, notFoundError, usageError } from '../../core/errors.js';
import type { DrainProvider, GroupSnapshot, RestoreRequest, TimeoutSetting } from '../../core/provider.js';
import type { CallContext } from '../../core/call.js';
import { haproxyDescriptor } from './descriptor.js';
import type { GroupRef, TargetRef } from '../../core/refs.js';
import type { Registration, TargetStatus } from '../../core/state.js';
import { printable, quote } from '../../core/quote.js';
import type { ProviderOptions } from '../options.js';
import { type CommandOptions, notHaproxy, runtimeCommand } from './client.js';
import { type AdminState, mapServer } from './state-map.js';
import { looksLikeServersState, looksLikeStat, parseServersState, parseStat, type ServerStateRow, type StatRow } from './stats.js';
import { formatHaproxyAddress, formatHaproxyGroup, type HaproxyAddress, type HaproxyGroup, parseHaproxyGroup } from './syntax.js';
import { chooseListener, isLocal, looksLikeCliSockets, parseCliSockets } from './cli-sockets.js';

/** Settings of one HAProxy provider. */
export interface HaproxyProviderOptions {
  /** `drain` (default): persistent sessions still reach the server; `maint`: nothing does. */
  readonly mode?: 'drain' | 'maint';
  readonly debug?: (line: string) => void;
  /** Bound on each runtime API command (default 5 s). */
  readonly commandTimeoutMs?: number;
}

/** One server as both runtime API answers describe it. */
interface ServerView {
  readonly name: string;
  readonly stat: StatRow | undefined;
  readonly state: ServerStateRow | undefined;
}

const ADMIN_STATES: readonly AdminState[] = ['ready', 'drain', 'maint'];

/**
 * HAProxy through its runtime API (stats socket). Drain = `set server <be>/<srv> state drain`
 * (or `maint`); the drain is over when the server has no session and nothing queued.
 * HAProxy has no drain timeout of its own: drainctl's --timeout bounds the wait, and
 * `shutdown sessions server` cuts what is left with --on-timeout force.
 */
export class HaproxyProvider implements DrainProvider {
  readonly descriptor = haproxyDescriptor;
  private readonly mode: 'drain' | 'maint';
  /** The runtime API address that names the process behind each address reached, asked once per address. */
  private readonly canonicalAddresses = new Map<string, Promise<HaproxyAddress | undefined>>();

  constructor(private readonly settings: HaproxyProviderOptions = {}) {
    this.mode = settings.mode ?? 'drain';
  }

  /** Builds the provider from the CLI's options; nothing connects until the first call. */
  static async create(options: ProviderOptions): Promise<HaproxyProvider> {
    return new HaproxyProvider({ mode: options.options?.mode as 'drain' | 'maint' | undefined, debug: options.debug });
  }

  async describe(group: GroupRef, targets: readonly TargetRef[] | 'all', ctx: CallContext): Promise<GroupSnapshot> {
    const g = parseHaproxyGroup(group.group);
    const [servers, canonical] = await Promise.all([this.readBackend(g, ctx), this.canonicalGroup(g, ctx)]);
    const registered = servers.map((s) => toStatus(group, s));
    const base = { group, providerId: g.backend, ...(canonical !== undefined && canonical !== group.group && { canonicalGroup: canonical }) };
    if (targets === 'all') return { ...base, targets: registered, registered };
    const named = targets.map((ref) => registered.find((s) => s.ref.target === ref.target) ?? absent(ref, g));
    return { ...base, targets: named, registered };
  }

  /**
   * The group named through the listener HAProxy itself lists first (see cli-sockets.ts), so a
   * socket path and a TCP address to the same process share one ledger row. Undefined (the
   * group as given) when HAProxy does not say, or when it is reached from another machine,
   * where its unix sockets and loopback listeners would not be reachable.
   */
  private async canonicalGroup(g: HaproxyGroup, ctx: CallContext): Promise<string | undefined> {
    if (!isLocal(g.address)) return undefined;
    const key = `${g.address.kind} ${formatHaproxyAddress(g.address)}`;
    let address = this.canonicalAddresses.get(key);
    if (!address) {
      address = this.command(g, 'show cli sockets', ctx).then((text) => (looksLikeCliSockets(text) ? chooseListener(parseCliSockets(text)) : undefined));
      this.canonicalAddresses.set(key, address);
      // A connection that failed says nothing about the listeners: ask again next time.
      address.catch(() => this.canonicalAddresses.delete(key));
    }
    const chosen = await address.catch(() => undefined);
    return chosen && formatHaproxyGroup(chosen, g.backend);
  }

  async drain(group: GroupRef, targets: readonly TargetStatus[], ctx: CallContext): Promise<void> {
    const g = parseHaproxyGroup(group.group);
    for (const target of targets) {
      await this.set(g, target.ref.target, `set server ${g.backend}/${target.ref.target} state ${this.mode}`, ctx);
    }
  }

  async restore(group: GroupRef, targets: readonly RestoreRequest[], ctx: CallContext): Promise<void> {
    const g = parseHaproxyGroup(group.group);
    const current = await this.serversState(g, ctx);
    for (const { ref, registration } of targets) {
      const now = current.find((s) => s.server === ref.target);
      if (!now) throw await this.missingServer(g, ref.target, current, ctx);
      const admin = recordedAdmin(registration) ?? 'ready';
      // Weight first, so the server never comes back at weight 0 for a moment.
      const recordedWeight = typeof registration?.weight === 'number' ? registration.weight : undefined;
      const weight = recordedWeight ?? (now.userWeight === 0 ? now.initialWeight : undefined);
      if (weight !== undefined && weight !== now.userWeight) await this.setWeight(g, ref.target, weight, ctx);
      await this.set(g, ref.target, `set server ${g.backend}/${ref.target} state ${admin}`, ctx);
    }
  }

  async getTimeout(group: GroupRef, ctx: CallContext): Promise<TimeoutSetting> {
    const g = parseHaproxyGroup(group.group);
    await this.serversState(g, ctx);
    return { seconds: undefined, enabled: true, extra: { mode: this.mode } };
  }

  async setTimeout(group: GroupRef, _seconds: number, _ctx: CallContext): Promise<TimeoutSetting> {
    throw usageError(
      `HAProxy has no drain timeout to set (haproxy:${group.group}): drainctl waits until the server has no session left`,
      'bound the wait with drain --timeout <duration>, and add --on-timeout force to cut what is left then',
    );
  }

  /** Cuts the sessions still open to these servers; resolves to how many there were just before. */
  async forceClose(group: GroupRef, targets: readonly TargetStatus[], ctx: CallContext): Promise<{ readonly cut: number }> {
    const g = parseHaproxyGroup(group.group);
    const servers = await this.readBackend(g, ctx);
    let cut = 0;
    for (const target of targets) {
      const server = servers.find((s) => s.name === target.ref.target);
      if (!server) continue;
      cut += server.stat?.scur ?? 0;
      await this.set(g, target.ref.target, `shutdown sessions server ${g.backend}/${target.ref.target}`, ctx);
    }
    return { cut };
  }

  /** Both views of a backend's servers, read concurrently (one command per connection). */
  private async readBackend(g: HaproxyGroup, ctx: CallContext): Promise<ServerView[]> {
    const [statText, state] = await Promise.all([
      this.command(g, `show stat ${g.backend} 4 -1`, ctx),
      this.serversState(g, ctx).catch((error: unknown) => error as Error),
    ]);
    if (!looksLikeStat(statText)) throw await this.answerError(g, statText, undefined, ctx);
    if (state instanceof Error) throw state;
    const stats = parseStat(statText).filter((r) => r.backend === g.backend);
    const names = [...new Set([...stats.map((r) => r.server), ...state.map((r) => r.server)])];
    return names.map((name) => ({ name, stat: stats.find((r) => r.server === name), state: state.find((r) => r.server === name) }));
  }

  private async serversState(g: HaproxyGroup, ctx: CallContext): Promise<ServerStateRow[]> {
    const text = await this.command(g, `show servers state ${g.backend}`, ctx);
    if (!looksLikeServersState(text)) throw await this.answerError(g, text, undefined, ctx);
    return parseServersState(text).filter((r) => r.backend === g.backend);
  }

  /** Sets a weight; a static algorithm (static-rr, first…) only takes 0% or 100%, and back from 0 means 100%. */
  private async setWeight(g: HaproxyGroup, server: string, weight: number, ctx: CallContext): Promise<void> {
    const command = `set server ${g.backend}/${server} weight ${weight}`;
    const answer = (await this.command(g, command, ctx)).trim();
    if (answer === '') return;
    if (/static LB algorithm/i.test(answer) && weight > 0) return this.set(g, server, `set server ${g.backend}/${server} weight 100%`, ctx);
    throw await this.answerError(g, answer, server, ctx, command);
  }

  /** Runs a command that answers nothing on success. */
  private async set(g: HaproxyGroup, server: string, command: string, ctx: CallContext): Promise<void> {
    const answer = (await this.command(g, command, ctx)).trim();
    if (answer !== '') throw await this.answerError(g, answer, server, ctx, command);
  }

  private command(g: HaproxyGroup, command: string, ctx: CallContext): Promise<string> {
    const options: CommandOptions = { call: ctx, debug: this.settings.debug, timeoutMs: this.settings.commandTimeoutMs };
    return runtimeCommand(g.address, command, options);
  }

  /** Turns a runtime API complaint into a DrainctlError naming what it is about; the answer is quoted, as it may come from anything. */
  private async answerError(g: HaproxyGroup, answer: string, server: string | undefined, ctx: CallContext, command?: string): Promise<DrainctlError> {
    const where = formatHaproxyAddress(g.address);
    const first = answer.trim().split('\n')[0] ?? '';
    if (/^(No such proxy|No such backend|Can't find backend)/.test(first)) {
      return notFoundError(`HAProxy at ${where} has no backend ${g.backend}${await this.knownBackends(g, ctx)}`, 'check the backend name in the reference');
    }
    if (/^No such server/.test(first)) {
      return server === undefined ? notFoundError(`HAProxy at ${where}: ${printable(first)}`) : this.missingServer(g, server, undefined, ctx);
    }
    if (/Permission denied/i.test(first)) {
      // HAProxy refused before doing anything: a refusal, not a failure that may have half-happened.
      return new DrainctlError('refused', `HAProxy at ${where} refused "${command ?? 'the command'}": permission denied`, {
        hint: 'the stats socket needs "level admin" to change servers, e.g. "stats socket ipv4@127.0.0.1:9999 level admin"; nothing was changed',
        details: { address: where, answer: printable(first), applied: false },
      });
    }
    if (command === undefined) return notHaproxy(where, answer);
    if (/^Unknown command/.test(first)) {
      return new DrainctlError('provider', `HAProxy at ${where} does not know "${command}"`, { hint: 'drainctl is tested with HAProxy 2.6; upgrade HAProxy', details: { address: where } });
    }
    return new DrainctlError('provider', `HAProxy at ${where} answered "${command}" with: ${quote(first)}`, { details: { address: where, answer: printable(first) } });
  }

  private async missingServer(g: HaproxyGroup, server: string, known: readonly ServerStateRow[] | undefined, ctx: CallContext): Promise<DrainctlError> {
    const rows = known ?? (await this.serversState(g, ctx).catch(() => []));
    const names = printable(rows.map((r) => r.server).join(', ') || 'none', 400);
    return notFoundError(`backend ${g.backend} on HAProxy at ${formatHaproxyAddress(g.address)} has no server ${server} (servers: ${names})`, `check the reference with: drainctl status haproxy:${printable(g.addressText, 400)}/${g.backend}`);
  }

  /** " (backends: a, b)" when HAProxy will list them, for not-found messages. */
  private async knownBackends(g: HaproxyGroup, ctx: CallContext): Promise<string> {
    try {
      const text = await this.command(g, 'show backend', ctx);
      const names = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      if (names.length === 0) return '';
      return ` (backends: ${printable(names.length > 10 ? `${names.slice(0, 10).join(', ')} and ${names.length - 10} more` : names.join(', '), 400)})`;
    } catch {
      return '';
    }
  }
}

function toStatus(group: GroupRef, server: ServerView): TargetStatus {
  const mapped = mapServer(server.stat, server.state);
  const ref: TargetRef = { kind: 'target', provider: 'haproxy', group: group.group, target: server.name };
  const address = server.stat?.address ?? (server.state ? `${server.state.address}${server.state.port ? `:${server.state.port}` : ''}` : undefined);
  // Only a server in rotation carries a registration: for one out of rotation, restore then uses
  // what drainctl recorded before draining it (or ready at its initial weight), not its current state.
  const registration: Registration | undefined =
    mapped.state === 'active' ? { address, weight: server.state?.userWeight ?? server.stat?.weight, adminState: mapped.admin } : undefined;
  return { ref, state: mapped.state, health: mapped.health, raw: mapped.raw, inFlight: mapped.inFlight, ...(registration && { registration }) };
}

function absent(ref: TargetRef, g: HaproxyGroup): TargetStatus {
  return { ref, state: 'absent', health: 'unknown', raw: { state: 'not listed', description: `backend ${g.backend} has no server ${ref.target}` } };
}

function recordedAdmin(registration: Registration | undefined): AdminState | undefined {
  const value = registration?.adminState;
  return ADMIN_STATES.find((s) => s === value);
}
