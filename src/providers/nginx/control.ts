import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { type CallContext, deadlineError, standaloneCall } from '../../core/call.js';
import { systemClock } from '../../core/clock.js';
import { DrainctlError, throwIfAborted } from '../../core/errors.js';
import { printable } from '../../core/quote.js';
import { type CommandResult, runCommand } from './command.js';
import { isMaster, workersOf } from './processes.js';
import { mainDirective } from './upstream.js';

export type { CommandResult } from './command.js';

export interface ControlOptions {
  readonly mainConfig: string;
  /** Replaces `nginx -c <main> -s reload`; runs through /bin/sh -c, in its own process group. */
  readonly reloadCommand?: string;
  /** The nginx binary (default `nginx` from PATH). */
  readonly nginxBinary?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly debug?: (line: string) => void;
  /** Bound on each command, the reload command included, with everything it starts (default 15 s). */
  readonly commandTimeoutMs?: number;
  /** How long a reload may take to start new workers (default 10 s); the caller's deadline may end the wait sooner. */
  readonly reloadWaitMs?: number;
}

/** The master and the workers serving before a reload. */
export interface WorkerSnapshot {
  readonly master: number;
  readonly workers: readonly number[];
}

const DEFAULT_COMMAND_TIMEOUT_MS = 15_000;
const DEFAULT_RELOAD_WAIT_MS = 10_000;
/** How often the wait for new workers looks at the master's children. */
const RELOAD_POLL_MS = 20;

/** Runs nginx (test, dump, reload) and watches its processes. */
export class NginxControl {
  private defaults: Promise<{ prefix: string; pidPath: string }> | undefined;

  constructor(readonly options: ControlOptions) {}

  get binary(): string {
    return this.options.nginxBinary ?? 'nginx';
  }

  /** `nginx -t -c <main>`. */
  test(call: CallContext): Promise<CommandResult> {
    return this.run(this.binary, ['-t', '-q', '-c', this.options.mainConfig], call);
  }

  /** `nginx -T -c <main>`: tests, and lists every file the configuration reads. */
  dump(call: CallContext): Promise<CommandResult> {
    return this.run(this.binary, ['-T', '-q', '-c', this.options.mainConfig], call);
  }

  /** The reload command, or `nginx -c <main> -s reload`; the call's signal or deadline stops it. */
  reload(call: CallContext): Promise<CommandResult> {
    if (this.options.reloadCommand) return this.run('/bin/sh', ['-c', this.options.reloadCommand], call);
    return this.run(this.binary, ['-c', this.options.mainConfig, '-s', 'reload'], call);
  }

  /** Where the master writes its PID: the main config's `pid`, else nginx's compiled-in default. */
  async pidFile(): Promise<string> {
    const text = await readFile(this.options.mainConfig, 'latin1');
    let configured: string | undefined;
    try {
      configured = mainDirective(text, 'pid');
    } catch {
      configured = undefined; // not parseable: nginx -t reports the real problem
    }
    const defaults = await this.compiledDefaults();
    if (configured === undefined) return defaults.pidPath;
    return isAbsolute(configured) ? configured : resolve(defaults.prefix, configured);
  }

  /** The running master's PID, or undefined when there is none (no pid file, or a stale one). */
  async masterPid(): Promise<number | undefined> {
    let text: string;
    try {
      text = await readFile(await this.pidFile(), 'latin1');
    } catch {
      return undefined;
    }
    const pid = Number(text.trim());
    return Number.isSafeInteger(pid) && pid > 0 && (await isMaster(pid)) ? pid : undefined;
  }

  /** The master and its current (not shutting down) workers. */
  async snapshot(): Promise<WorkerSnapshot | undefined> {
    const master = await this.masterPid();
    if (master === undefined) return undefined;
    const workers = (await workersOf(master)).filter((w) => !w.shuttingDown).map((w) => w.pid);
    return { master, workers };
  }

  /**
   * Waits until the master has acted on the reload: every worker from before is gone or
   * shutting down, and a new one runs (or a new master took over). A master that rejects the
   * new configuration keeps its old workers, so this runs out; it also runs out when the
   * master was never signalled. Bounded by reloadWaitMs or the call's deadline, whichever
   * comes first, on the call's clock.
   */
  async waitForReload(before: WorkerSnapshot, call: CallContext): Promise<void> {
    const bound = this.options.reloadWaitMs ?? DEFAULT_RELOAD_WAIT_MS;
    const startedAt = call.clock.now();
    const ownEnd = startedAt + bound;
    const end = Math.min(ownEnd, call.deadline);
    for (let i = 0; i < 100_000; i++) {
      throwIfAborted(call.signal);
      const master = await this.masterPid();
      if (master !== undefined && master !== before.master) return;
      if (master === undefined) throw new DrainctlError('provider', `the nginx master (pid ${before.master}) exited during the reload`, { hint: 'see its error log' });
      const now = await workersOf(master);
      const oldServing = now.filter((w) => !w.shuttingDown && before.workers.includes(w.pid));
      const fresh = now.filter((w) => !w.shuttingDown && !before.workers.includes(w.pid));
      if (before.workers.length === 0 || (oldServing.length === 0 && fresh.length > 0)) return;
      const left = end - call.clock.now();
      if (left <= 0) break;
      await call.clock.sleep(Math.min(RELOAD_POLL_MS, left), call.signal);
    }
    if (call.deadline < ownEnd) throw deadlineError('waiting for nginx to start new workers after the reload', call, startedAt);
    throw new DrainctlError('provider', `nginx did not apply the new configuration within ${Math.round(bound / 1000)}s (its workers from before the reload still serve)`, {
      hint: 'check the reload command and the nginx error log',
    });
  }

  /**
   * Whether NGINX runs what the file holds now: its serving workers started after the file last
   * changed. The master reads its configuration only when it starts or reloads, so a file changed
   * since (a drain killed between its edit and its reload, or an edit by hand) is on disk but not
   * in force. Undefined when no master or worker runs to tell by.
   */
  async fileInForce(file: string): Promise<boolean | undefined> {
    const master = await this.masterPid();
    if (master === undefined) return undefined;
    const serving = (await workersOf(master)).filter((w) => !w.shuttingDown);
    if (serving.length === 0) return undefined;
    // The oldest serving worker: one respawned after a crash is newer than the configuration it runs.
    const startedAt = Math.min(...serving.map((w) => w.startedAt));
    const { mtimeMs } = await stat(file);
    // A modification time in the future (copied with its times from a skewed clock) tells nothing.
    if (mtimeMs > Date.now()) return undefined;
    return startedAt >= mtimeMs;
  }

  /**
   * Prefix and PID path nginx was built with (`nginx -V`), read once. The answer is kept for
   * every later call, so no one caller's deadline or Ctrl-C may cut it: it runs on its own bound.
   */
  private compiledDefaults(): Promise<{ prefix: string; pidPath: string }> {
    this.defaults ??= this.run(this.binary, ['-V'], standaloneCall({ clock: systemClock, timeoutMs: this.commandTimeoutMs })).then(
      (r) => {
        const text = `${r.stdout}\n${r.stderr}`;
        const prefix = /--prefix=(\S+)/.exec(text)?.[1] ?? '/usr/share/nginx';
        const pid = /--pid-path=(\S+)/.exec(text)?.[1] ?? 'logs/nginx.pid';
        return { prefix, pidPath: isAbsolute(pid) ? pid : resolve(prefix, pid) };
      },
      () => ({ prefix: '/usr/share/nginx', pidPath: '/run/nginx.pid' }),
    );
    return this.defaults;
  }

  /** Each command's own bound (default 15 s). */
  get commandTimeoutMs(): number {
    return this.options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  }

  /**
   * A context for putting things back after a failure: the call's clock, no signal, and the
   * command's own bound rather than the caller's deadline, which has often passed by then.
   */
  cleanupCall(call: CallContext): CallContext {
    return { signal: undefined, clock: call.clock, deadline: call.clock.now() + this.commandTimeoutMs };
  }

  /** Runs a command in its own process group, bounded by commandTimeoutMs (default 15 s) and the call's deadline. */
  run(command: string, args: readonly string[], call: CallContext): Promise<CommandResult> {
    const reload = command === '/bin/sh';
    return runCommand(command, args, {
      call,
      env: this.options.env,
      debug: this.options.debug,
      timeoutMs: this.commandTimeoutMs,
      timeoutHint: reload ? 'the reload command runs through /bin/sh -c and must finish within the bound: run it by hand to see why it hangs' : 'check that nginx runs normally (nginx -t by hand)',
      missingHint: command === this.binary ? 'install nginx or put it on PATH' : undefined,
    });
  }
}

/**
 * NGINX's own complaint from a command's output: the first [emerg]/[alert]/[crit]/[error]
 * line without its timestamp and PID ("unknown directive "foo" in /etc/nginx/x.conf:3"),
 * control characters escaped (a reload command may print anything).
 */
export function nginxMessage(result: CommandResult): string {
  const lines = `${result.stderr}\n${result.stdout}`.split(/\r?\n/);
  for (const line of lines) {
    const m = /\[(emerg|alert|crit|error)\]\s+(?:\d+#\d+:\s+(?:\*\d+\s+)?)?(.*)$/.exec(line);
    if (m) return printable(m[2]!.trim());
  }
  const last = lines.map((l) => l.trim()).filter((l) => l !== '').pop();
  return last === undefined ? `exit code ${result.code}` : printable(last);
}
