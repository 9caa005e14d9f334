import { randomBytes } from 'node:crypto';
import { type FileHandle, chown, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DrainctlError, notFoundError, usageError } from '../../core/errors.js';
import { type NginxControl, nginxMessage, type WorkerSnapshot } from './control.js';

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
 *      go back (and NGINX is asked to reload them, in case it took the candidate).
 *
 * Changes to one file are serialised: in this process by a queue, across processes by a
 * lock file next to it (a dot file, which `include *.conf` globs do not match).
 */

/** What a change did. */
export type ApplyResult = { readonly changed: false } | { readonly changed: true; readonly before: WorkerSnapshot };

const queues = new Map<string, Promise<unknown>>();
const LOCK_WAIT_MS = 15_000;
const STALE_LOCK_MS = 120_000;

/** Applies `edit` to the file; `edit` returns the text unchanged when there is nothing to do. */
export async function applyChange(file: string, edit: (text: string) => string, control: NginxControl): Promise<ApplyResult> {
  const real = await realpath(file).catch((error: NodeJS.ErrnoException) => {
    throw fileError(file, error);
  });
  // Nothing to do needs no lock (and works on a read-only file).
  const first = await readText(real);
  if (edit(first) === first) return { changed: false };
  return serialised(real, () => withLockFile(real, () => applyLocked(real, edit, control)));
}

async function applyLocked(real: string, edit: (text: string) => string, control: NginxControl): Promise<ApplyResult> {
  const originalBytes = await readFile(real).catch((error: NodeJS.ErrnoException) => {
    throw fileError(real, error);
  });
  const original = originalBytes.toString('latin1');
  const candidate = edit(original);
  if (candidate === original) return { changed: false };
  await checkCurrent(real, control);
  const before = await control.snapshot();
  if (!before) {
    throw new DrainctlError('provider', `nginx is not running: no master process found from the pid file ${await control.pidFile()}`, {
      hint: `start nginx with this configuration (nginx -c ${control.options.mainConfig}), or pass --nginx-conf for the one that runs`,
    });
  }
  await replaceFile(real, Buffer.from(candidate, 'latin1'));
  let reloaded = false;
  try {
    const tested = await control.test();
    if (tested.code !== 0) {
      throw new DrainctlError('usage', `nginx -t rejected the change to ${real}: ${nginxMessage(tested)}`, {
        hint: 'the file was put back as it was; nothing was reloaded',
        details: { file: real, nginx: nginxMessage(tested) },
      });
    }
    reloaded = true;
    const result = await control.reload();
    if (result.code !== 0) {
      reloaded = false;
      throw new DrainctlError('provider', `reloading nginx failed: ${nginxMessage(result)}`, {
        hint: 'the file was put back as it was; check the reload command and that nginx runs with this configuration',
        details: { file: real, nginx: nginxMessage(result) },
      });
    }
    await control.waitForReload(before);
    return { changed: true, before };
  } catch (error) {
    try {
      await replaceFile(real, originalBytes);
    } catch (restoreError) {
      const why = restoreError instanceof Error ? restoreError.message : String(restoreError);
      throw new DrainctlError('provider', `${error instanceof Error ? error.message : String(error)}; putting the original ${real} back failed too: ${why}`, {
        hint: `${real} now holds drainctl's candidate: check it before nginx reloads again`,
        cause: error,
      });
    }
    if (reloaded) await control.reload().catch(() => undefined);
    throw error;
  }
}

/** The configuration must pass as it is and must read this file; otherwise nothing is changed. */
async function checkCurrent(real: string, control: NginxControl): Promise<void> {
  const main = control.options.mainConfig;
  const dumped = await control.dump();
  if (dumped.code !== 0) {
    throw new DrainctlError('usage', `nginx rejects ${main} as it is, before any change: ${nginxMessage(dumped)}`, {
      hint: 'point --nginx-conf at the main configuration nginx runs, and fix what nginx -t reports',
      details: { mainConfig: main, nginx: nginxMessage(dumped) },
    });
  }
  const files = [...dumped.stdout.matchAll(/^# configuration file (.+):$/gm)].map((m) => m[1]!);
  const reals = await Promise.all(files.map((f) => realpath(f).catch(() => f)));
  if (!reals.includes(real)) {
    throw usageError(`${real} is not part of the configuration ${main} (nginx -T does not read it)`, 'pass --nginx-conf with the main configuration that includes this upstream file');
  }
}

/** Writes the bytes to a temp file beside the target (same mode and owner), then renames it over the target. */
async function replaceFile(real: string, bytes: Buffer): Promise<void> {
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

/** Holds `.<file>.drainctl.lock` beside the file while `task` runs; waits (bounded) for another holder. */
async function withLockFile<T>(real: string, task: () => Promise<T>): Promise<T> {
  const lock = join(dirname(real), `.${basename(real)}.drainctl.lock`);
  const deadline = Date.now() + LOCK_WAIT_MS;
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
      if (Date.now() > deadline || i > 1000) {
        throw new DrainctlError('provider', `another drainctl is changing ${real} (lock file ${lock})`, { retryable: 'transient', hint: 'try again, or remove the lock file if no drainctl runs' });
      }
      await new Promise((r) => setTimeout(r, 50));
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
  if (code === 'ENOENT') return notFoundError(`upstream file ${file} does not exist`, 'check the path in the reference (it must be absolute)');
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    const why = code === 'EROFS' ? 'read-only file system' : 'permission denied';
    return new DrainctlError('provider', `cannot change ${file}: ${why}`, {
      hint: `drainctl writes a temp file in ${dirname(file)} and renames it over ${basename(file)}: it needs write access to that directory`,
      cause: error,
      details: { file, code },
    });
  }
  if (code === 'EISDIR') return usageError(`${file} is a directory, not an upstream file`, 'name the file that holds the upstream block');
  return new DrainctlError('provider', `cannot change ${file}: ${code}: ${error.message}`, { cause: error, details: { file, code } });
}
