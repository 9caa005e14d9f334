import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { usageError } from '../../core/errors.js';

/**
 * The named profiles of the shared AWS config and credentials files, read the way the SDK and the
 * AWS CLI find them (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/), so a profile that
 * is in neither can be refused by name before the credential chain hides it behind "no credentials".
 */

/** Where the two files are. */
export function sharedFilePaths(env: NodeJS.ProcessEnv): { config: string; credentials: string } {
  const home = env.HOME || homedir();
  const expand = (path: string) => (path.startsWith('~/') ? join(home, path.slice(2)) : path);
  return {
    config: expand(env.AWS_CONFIG_FILE || join(home, '.aws', 'config')),
    credentials: expand(env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials')),
  };
}

/** Profile names in both files: `[default]` and `[profile name]` in config, `[name]` in credentials. */
export function profileNames(env: NodeJS.ProcessEnv): Set<string> {
  const paths = sharedFilePaths(env);
  const names = new Set<string>();
  for (const section of sections(paths.config)) {
    if (section === 'default') names.add(section);
    const named = /^profile\s+(["']?)(.+)\1$/.exec(section);
    if (named) names.add(named[2]!);
  }
  for (const section of sections(paths.credentials)) names.add(section);
  return names;
}

/** Refuses a profile that neither file defines, as the AWS CLI does; `source` is `--profile` or `AWS_PROFILE`. */
export function checkProfileExists(profile: string, source: string, env: NodeJS.ProcessEnv): void {
  const names = profileNames(env);
  if (names.has(profile)) return;
  const paths = sharedFilePaths(env);
  const known = names.size > 0 ? `profiles found: ${[...names].sort().join(', ')}` : 'no profile is defined';
  throw usageError(
    `the config profile (${printable(profile)}) could not be found in ${paths.config} or ${paths.credentials}`,
    `${known}; fix ${source}, or add it with: aws configure --profile ${printable(profile)}`,
  );
}

/** A name as typed, with control characters shown escaped rather than sent to the terminal. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function sections(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return []; // a missing or unreadable file defines no profile
  }
  return text.split(/\r?\n/).flatMap((line) => {
    const match = /^\s*\[([^\]]+)\]/.exec(line);
    return match ? [match[1]!.trim()] : [];
  });
}
