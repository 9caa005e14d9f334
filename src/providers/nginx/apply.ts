import { randomBytes } from 'node:crypto';
import { statSync, type Stats } from 'node:fs';
import { type FileHandle, chown, open, readFile, realpath, rename, stat, unlink, utimes } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type CallContext, deadlineError } from '../../core/call.js';
import { DrainctlError, notFoundError, usageError } from '../../core/errors.js';
import { printable } from '../../core/quote.js';
import { type NginxControl, nginxMessage, type WorkerSnapshot } from './control.js';
import { ConfigSyntaxError, parseConfig } from './tokenizer.js';

/**
 * One change to an upstream file, applied so that a bad candidate never takes effect and
 * the file ends byte-identical to before on any failure:
 *
 *   1. `nginx -T` on the current configuration: it must pass and must read this file
 *      (otherwise the edit would change nothing that runs);
 *   2. the candidate goes to a temp file in the same directory, renamed over the original
 *      (atomic: NGINX never reads a half-written file);
 *   3. `nginx -t` checks the candidate where NGINX will read it; on failure the original
 *      bytes go back, before any reload;
 *   4. reload, then wait until the master has new workers; on failure the original bytes
 *      go back with their modification time (and NGINX is asked to reload them, in case it
 *      took the candidate). When NGINX never acted, the error carries `applied: false`.
 *
 * A file that already says what is wanted is reloaded all the same when NGINX has not
 * reloaded since it changed (NginxControl.fileInForce): that finishes a run killed between
 * its edit and its reload.
 *
 * Changes to one file are serialised: in this process by a queue, across processes by a
 * lock file next to it (a dot file, which `include *.conf` globs do not match).
 *
 * Every wait (the lock, each command, the new workers) ends at its own bound or the call's
 * deadline, whichever comes first, on the call's clock. Putting the file back after a failure
 * runs on the command's own bound: the deadline has often passed by then.
 */

/** What a change did. */
export type ApplyResult = { readonly changed: false } | { readonly changed: true; readonly before: WorkerSnapshot };

const queues = new Map<string, Promise<unknown>>();
const LOCK_WAIT_MS = 15_000;
const LOCK_POLL_MS = 50;
const STALE_LOCK_MS = 120_000;

/**
 * Applies `edit` to the file; `edit` returns the text unchanged when there is nothing to do.
 * Nothing to do still reloads when NGINX has not reloaded since the file changed: a run killed
 * between its edit and its reload left the file as wanted but not in force.
 */
export async function applyChange(file: string, edit: (text: string) => string, control: NginxControl, call: CallContext): Promise<ApplyResult> {
  const real = await realpath(file).catch((error: NodeJS.ErrnoException) => {
    throw fileError(file, error);
  });
  // Nothing to do needs no lock (and works on a read-only file).
  const first = await readText(real);
  if (edit(first) === first && (await inForce(real, control)) !== false) return { changed: false };
  return serialised(real, () => withLockFile(real, call, () => applyLocked(real, edit, control, call)));
}

async function applyLocked(real: string, edit: (text: string) => string, control: NginxControl, call: CallContext): Promise<ApplyResult> {
  const originalBytes = await readFile(real).catch((error: NodeJS.ErrnoException) => {
    throw fileError(real, error);
  });
  const original = originalBytes.toString('latin1');
  const candidate = edit(original);
  if (candidate === original) {
    if ((await inForce(real, control)) !== false) return { changed: false };
    return finishReload(real, control, call);
  }
  await checkCurrent(real, control, call);
  const before = await runningSnapshot(control);
  const originalTimes = await stat(real).catch((error: NodeJS.ErrnoException) => {
    throw fileError(real, error);
  });
  await replaceFile(real, Buffer.from(candidate, 'latin1'));
  try {
    const tested = await control.test(call);
    if (tested.code !== 0) {
      throw new DrainctlError('usage', `nginx -t rejected the change to ${shownPath(real)}: ${nginxMessage(tested)}`, {
        hint: 'the file was put back as it was; nothing was reloaded',
        details: { file: real, nginx: nginxMessage(tested) },
      });
    }
    await reloadAndWait(real, control, before, call, 'the file was put back as it was; check the reload command and that nginx runs with this configuration');
    return { changed: true, before };
  } catch (error) {
    try {
      // The original bytes and modification time: the file is again exactly what NGINX runs.
      await replaceFile(real, originalBytes, originalTimes);
    } catch (restoreError) {
      const why = restoreError instanceof Error ? restoreError.message : String(restoreError);
      throw new DrainctlError('provider', `${error instanceof Error ? error.message : String(error)}; putting the original ${shownPath(real)} back failed too: ${printable(why)}`, {
        hint: `${shownPath(real)} now holds drainctl's candidate: check it before nginx reloads again`,
        cause: error,
      });
    }
    throw await settleFailure(error, control, before, true, call);
  }
}

/** Whether NGINX runs the file as it is; undefined (taken as yes) when that cannot be told, e.g. without /proc. */
function inForce(real: string, control: NginxControl): Promise<boolean | undefined> {
  return control.fileInForce(real).catch(() => undefined);
}

/** The file is already as wanted but NGINX has not reloaded since it changed: check it as it is, then reload. */
async function finishReload(real: string, control: NginxControl, call: CallContext): Promise<ApplyResult> {
  control.options.debug?.(`nginx: ${shownPath(real)} changed after the workers started; reloading to put it in force`);
  await checkCurrent(real, control, call);
  const before = await runningSnapshot(control);
  try {
    await reloadAndWait(real, control, before, call, 'nothing was changed; check the reload command and that nginx runs with this configuration');
  } catch (error) {
    throw await settleFailure(error, control, before, false, call);
  }
  return { changed: true, before };
}

/** Runs the reload command and waits until the master has acted on it; Ctrl-C or the deadline stops both. */
async function reloadAndWait(real: string, control: NginxControl, before: WorkerSnapshot, call: CallContext, hint: string): Promise<void> {
  const result = await control.reload(call);
  if (result.code !== 0) {
    throw new DrainctlError('provider', `reloading nginx failed: ${nginxMessage(result)}`, { hint, details: { file: real, nginx: nginxMessage(result) } });
  }
  await control.waitForReload(before, call);
}

/**
 * After a failure (and the file put back, when `putBack`): when NGINX never acted (the same
 * workers still serve), nothing took effect, which the error says with `applied: false` so the
 * ledger does not record a change. When it did act, it may run the candidate: it is asked to
 * reload the file as it now is.
 */
async function settleFailure(error: unknown, control: NginxControl, before: WorkerSnapshot, putBack: boolean, call: CallContext): Promise<unknown> {
  const now = await control.snapshot().catch(() => undefined);
  const untouched = now !== undefined && now.master === before.master && now.workers.every((pid) => before.workers.includes(pid));
  if (!untouched) {
    if (putBack) await control.reload(control.cleanupCall(call)).catch(() => undefined);
    return error;
  }
  if (error instanceof DrainctlError) error.details.applied = false;
  return error;
}

/** The running master and its workers; a change needs one to reload. */
async function runningSnapshot(control: NginxControl): Promise<WorkerSnapshot> {
  const before = await control.snapshot();
  if (before) return before;
  throw new DrainctlError('provider', `nginx is not running: no master process found from the pid file ${shownPath(await control.pidFile())}`, {
    hint: `start nginx with this configuration (nginx -c ${shownPath(control.options.mainConfig)}), or pass --nginx-conf for the one that runs`,
  });
}

/** The configuration must pass as it is and must read this file; otherwise nothing is changed. */
async function checkCurrent(real: string, control: NginxControl, call: CallContext): Promise<void> {
  const main = control.options.mainConfig;
  const dumped = await control.dump(call);
  if (dumped.code !== 0) {
    // NGINX quotes the words it rejects: of a file that is not NGINX's at all, say only that.
    if (!(await looksLikeNginx(main))) {
      throw usageError(`${shownPath(main)} does not look like an NGINX configuration file`, 'point --nginx-conf at the main configuration nginx runs');
    }
    throw new DrainctlError('usage', `nginx rejects ${shownPath(main)} as it is, before any change: ${nginxMessage(dumped)}`, {
      hint: 'point --nginx-conf at the main configuration nginx runs, and fix what nginx -t reports',
      details: { mainConfig: main, nginx: nginxMessage(dumped) },
    });
  }
  const files = [...dumped.stdout.matchAll(/^# configuration file (.+):$/gm)].map((m) => m[1]!);
  const reals = await Promise.all(files.map((f) => realpath(f).catch(() => f)));
  if (!reals.includes(real)) {
    throw usageError(`${shownPath(real)} is not part of the configuration ${shownPath(main)} (nginx -T does not read it)`, 'pass --nginx-conf with the main configuration that includes this upstream file');
  }
}

/** True when the file reads as NGINX configuration (balanced blocks, directives ended by ";"). */
async function looksLikeNginx(file: string): Promise<boolean> {
  try {
    parseConfig(await readFile(file, 'latin1'));
    return true;
  } catch (error) {
    if (error instanceof ConfigSyntaxError) return false;
    return true; // unreadable: NGINX's own message says so, and quotes nothing of it
  }
}

/** A path for a message: control characters escaped, bounded (a reference's path may hold anything). */
export function shownPath(path: string): string {
  return printable(path, 400);
}

/**
 * Writes the bytes to a temp file beside the target (same mode and owner), then renames it over
 * the target. With `times` (putting the original back), the file gets its modification time back
 * too, so it does not look changed since NGINX last read it.
 */
async function replaceFile(real: string, bytes: Buffer, times?: Stats): Promise<void> {
  const info = await stat(real);
  const temp = join(dirname(real), `.${basename(real)}.drainctl-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', info.mode & 0o7777);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await chown(temp, info.uid, info.gid).catch(() => undefined); // only root may; others keep their own
    if (times) await utimes(temp, times.atimeMs / 1000, times.mtimeMs / 1000);
    await rename(temp, real);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw fileError(real, error as NodeJS.ErrnoException);
  }
}

async function readText(real: string): Promise<string> {
  try {
    return await readFile(real, 'latin1');
  } catch (error) {
    throw fileError(real, error as NodeJS.ErrnoException);
  }
}

/** Runs changes to one file one at a time within this process. */
async function serialised<T>(real: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(real) ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(task);
  queues.set(real, mine);
  try {
    return await mine;
  } finally {
    if (queues.get(real) === mine) queues.delete(real);
  }
}

/**
 * Holds `.<file>.drainctl.lock` beside the file while `task` runs; waits for another holder at
 * most LOCK_WAIT_MS or until the call's deadline, on the call's clock.
 */
async function withLockFile<T>(real: string, call: CallContext, task: () => Promise<T>): Promise<T> {
  const lock = join(dirname(real), `.${basename(real)}.drainctl.lock`);
  const startedAt = call.clock.now();
  const ownEnd = startedAt + LOCK_WAIT_MS;
  const end = Math.min(ownEnd, call.deadline);
  for (let i = 0; ; i++) {
    try {
      const handle = await open(lock, 'wx', 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (e.code !== 'EEXIST') throw fileError(real, e);
      if (await staleLock(lock)) {
        await unlink(lock).catch(() => undefined);
        continue;
      }
      const left = end - call.clock.now();
      if (left <= 0 && call.deadline < ownEnd) throw deadlineError(`waiting for another drainctl to finish changing ${shownPath(real)} (lock file ${shownPath(lock)})`, call, startedAt);
      if (left <= 0 || i > 1000) {
        throw new DrainctlError('provider', `another drainctl is changing ${real} (lock file ${lock})`, { retryable: 'transient', hint: 'try again, or remove the lock file if no drainctl runs' });
      }
      await call.clock.sleep(Math.min(LOCK_POLL_MS, left), call.signal);
    }
  }
  try {
    return await task();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

/** A lock is stale when its holder no longer runs, or it is very old. */
async function staleLock(lock: string): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(lock, 'utf8'), stat(lock)]);
    if (Date.now() - info.mtimeMs > STALE_LOCK_MS) return true;
    const pid = Number(text.trim());
    if (!Number.isSafeInteger(pid) || pid <= 0) return Date.now() - info.mtimeMs > 5000;
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  } catch {
    return false; // vanished meanwhile: try again
  }
}

/** A file system error, said in terms of the upstream file. */
export function fileError(file: string, error: NodeJS.ErrnoException): DrainctlError {
  if (error instanceof DrainctlError) return error;
  const code = error.code ?? 'ERROR';
  const shown = shownPath(file);
  if (code === 'ENOENT') return notFoundError(`upstream file ${shown} does not exist`, 'check the path in the reference (it must be absolute)');
  if (code === 'ENOTDIR') {
    const through = fileAlongPath(file);
    return usageError(
      `upstream file ${shown} cannot exist: ${through === undefined ? 'part of its path is a file, not a directory' : `${shownPath(through)} is a file, not a directory`}`,
      'a reference is nginx:<upstream file>/<upstream>/<server>; end the file path with // when it is not named *.conf (servers on unix sockets cannot be named)',
    );
  }
  if (code === 'ENAMETOOLONG' || code === 'ELOOP') {
    return usageError(`upstream file ${shown} cannot be opened: ${code === 'ELOOP' ? 'too many symbolic links' : 'the path is too long'}`, 'check the path in the reference');
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    const why = code === 'EROFS' ? 'read-only file system' : 'permission denied';
    return new DrainctlError('provider', `cannot change ${shown}: ${why}`, {
      hint: `drainctl writes a temp file in ${shownPath(dirname(file))} and renames it over ${shownPath(basename(file))}: it needs write access to that directory`,
      cause: error,
      details: { file, code },
    });
  }
  if (code === 'EISDIR') return usageError(`${shown} is a directory, not an upstream file`, 'name the file that holds the upstream block');
  return new DrainctlError('provider', `cannot change ${shown}: ${code}: ${printable(error.message)}`, { cause: error, details: { file, code } });
}

/** The first ancestor of `path` that exists and is not a directory (what ENOTDIR is about). */
function fileAlongPath(path: string): string | undefined {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      if (!statSync(dir).isDirectory()) return fileAlongPath(dir) ?? dir;
    } catch {
      // not there, or not ours to see: look further up
    }
  }
  return undefined;
}
