import { readdir, readFile, readlink } from 'node:fs/promises';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * NGINX's processes as /proc shows them (Linux). A reload leaves the old workers running
 * until their in-flight requests are done; NGINX retitles them
 * "nginx: worker process is shutting down", so they can be told from the new ones.
 */

export interface WorkerProcess {
  readonly pid: number;
  readonly shuttingDown: boolean;
  /** When it started, in ms since the epoch (to about 10 ms). */
  readonly startedAt: number;
}

// /proc/<pid>/stat gives start times in clock ticks since boot; USER_HZ is 100 on every Linux architecture.
const TICKS_PER_SECOND = 100;

/** The process title NGINX set (its argv area), or undefined when the process is gone. */
export async function processTitle(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'latin1')).replace(/\0+/g, ' ').trim();
  } catch {
    return undefined;
  }
}

/** True when `pid` runs and is an NGINX worker (not a reused PID of something else). */
export async function isWorker(pid: number): Promise<boolean> {
  return /^nginx: worker process/.test((await processTitle(pid)) ?? '');
}

/** True when `pid` runs and is an NGINX master. */
export async function isMaster(pid: number): Promise<boolean> {
  return /^nginx: master process/.test((await processTitle(pid)) ?? '');
}

/** The worker processes whose parent is the master (cache manager and loader are left out). */
export async function workersOf(master: number): Promise<WorkerProcess[]> {
  const entries = await readdir('/proc');
  const bootedAt = await bootTime();
  const found = await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (entry): Promise<WorkerProcess | undefined> => {
        try {
          const stat = await readFile(`/proc/${entry}/stat`, 'latin1');
          // Fields after the command name: state, ppid, … starttime is field 22 of the whole line.
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          if (Number(fields[1]) !== master) return undefined;
          const title = (await processTitle(Number(entry))) ?? '';
          if (!/^nginx: worker process/.test(title)) return undefined;
          const startedAt = bootedAt + (Number(fields[19]) / TICKS_PER_SECOND) * 1000;
          return { pid: Number(entry), shuttingDown: /is shutting down/.test(title), startedAt };
        } catch {
          return undefined; // exited while listing
        }
      }),
  );
  return found.filter((w): w is WorkerProcess => w !== undefined).sort((a, b) => a.pid - b.pid);
}

/**
 * When the system booted, in ms since the epoch: now less /proc/uptime (to 10 ms), which is
 * finer than /proc/stat's btime (whole seconds) and follows time namespaces as /proc/<pid>/stat does.
 */
async function bootTime(): Promise<number> {
  const uptime = Number((await readFile('/proc/uptime', 'latin1')).split(' ')[0]);
  return Date.now() - uptime * 1000;
}

/** An address a server line resolves to, normalised for comparison with /proc/net/tcp. */
export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

/**
 * Established TCP connections held by these processes to each endpoint, read from
 * /proc/<pid>/fd and /proc/<pid>/net/tcp{,6}. Keys are `${ip}:${port}` as normaliseIp gives.
 */
export async function connectionsTo(pids: readonly number[], endpoints: readonly Endpoint[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>(endpoints.map((e) => [endpointKey(e), 0]));
  if (pids.length === 0 || endpoints.length === 0) return counts;
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m) inodes.add(m[1]!);
    }
  }
  const tables = await Promise.all(['tcp', 'tcp6'].map((t) => readFile(`/proc/${pids[0]}/net/${t}`, 'latin1').catch(() => '')));
  for (const table of tables) {
    for (const line of table.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '01' || !inodes.has(f[9]!)) continue; // 01 = ESTABLISHED
      const remote = decodeProcAddress(f[2]!);
      const key = remote && endpointKey(remote);
      if (key && counts.has(key)) counts.set(key, counts.get(key)! + 1);
    }
  }
  return counts;
}

export function endpointKey(e: Endpoint): string {
  return `${normaliseIp(e.ip)}:${e.port}`;
}

/** "0100007F:0BB9" → 127.0.0.1:3001; IPv6 as 32 hex digits in host-order 32-bit words. */
export function decodeProcAddress(text: string): Endpoint | undefined {
  const [hex, portHex] = text.split(':');
  if (!hex || !portHex) return undefined;
  const port = parseInt(portHex, 16);
  if (hex.length === 8) return { ip: wordBytes(hex).join('.'), port };
  if (hex.length !== 32) return undefined;
  const bytes = [0, 8, 16, 24].flatMap((i) => wordBytes(hex.slice(i, i + 8)));
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return { ip: groups.join(':'), port };
}

/** One little-endian 32-bit word of /proc/net/tcp as its four bytes in network order. */
function wordBytes(word: string): number[] {
  return [6, 4, 2, 0].map((i) => parseInt(word.slice(i, i + 2), 16));
}

/** Canonical text for an IP: dotted IPv4 (also for IPv4-mapped IPv6), else eight lowercase hex groups. */
export function normaliseIp(ip: string): string {
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip.toLowerCase();
  let text = ip.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -v4[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const parts = groups.map((g) => parseInt(g || '0', 16).toString(16));
  if (parts.slice(0, 5).every((p) => p === '0') && parts[5] === 'ffff') {
    const n = (i: number) => parseInt(parts[i]!, 16);
    return `${n(6) >> 8}.${n(6) & 255}.${n(7) >> 8}.${n(7) & 255}`;
  }
  return parts.join(':');
}
