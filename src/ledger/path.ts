import os from 'node:os';
import nodePath from 'node:path';

/** Where the ledger lives when the CLI is given no `--ledger`. */
export function defaultLedgerPath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  // Pick the path flavour from `platform`, not the host, so the table tests hold everywhere.
  const p = platform === 'win32' ? nodePath.win32 : nodePath.posix;
  const explicit = env.DRAINCTL_LEDGER;
  if (explicit) return explicit;
  const xdg = env.XDG_STATE_HOME;
  // The XDG spec says relative values are invalid and must be ignored.
  if (xdg && p.isAbsolute(xdg)) return p.join(xdg, 'drainctl', 'ledger.db');
  if (platform === 'darwin') return p.join(home, 'Library', 'Application Support', 'drainctl', 'ledger.db');
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA || p.join(home, 'AppData', 'Local');
    return p.join(local, 'drainctl', 'ledger.db');
  }
  return p.join(home, '.local', 'state', 'drainctl', 'ledger.db');
}
