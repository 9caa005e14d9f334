import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionSettings } from './settings.js';

/**
 * The password for these settings from the password file (PGPASSFILE, else ~/.pgpass), as libpq
 * reads it: lines `host:port:database:user:password`, `*` matching anything, `\` escaping `:` and
 * `\`, the first matching line winning. Like libpq, a file that others can read is ignored.
 */
export function passwordFromFile(settings: ConnectionSettings, env: NodeJS.ProcessEnv): string | undefined {
  const file = env.PGPASSFILE || path.join(env.HOME || os.homedir(), '.pgpass');
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile() || (process.platform !== 'win32' && (stat.mode & 0o077) !== 0)) return undefined;
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  // A Unix socket is matched as `localhost`, as libpq does.
  const host = settings.host.startsWith('/') ? 'localhost' : settings.host;
  const wanted = [host, String(settings.port), settings.database, settings.user];
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const fields = splitFields(line);
    if (fields.length < 5) continue;
    if (wanted.every((value, i) => fields[i] === '*' || fields[i] === value)) return fields[4];
  }
  return undefined;
}

function splitFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) field += line[++i];
    else if (c === ':' && fields.length < 4) {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}
