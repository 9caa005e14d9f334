import { statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { usageError } from '../../core/errors.js';
import { CONFIG_FILE_NAME } from './schema.js';

/** Where a configuration file was found, which decides its place in the precedence. */
export type ConfigOrigin = 'flag' | 'env' | 'project' | 'user';

/** One configuration file to read. */
export interface ConfigLocation {
  readonly path: string;
  readonly origin: ConfigOrigin;
}

/** What to look with: the --config flag, the environment and the directory drainctl runs in. */
export interface DiscoveryInput {
  readonly explicit?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/**
 * The files to read, strongest first. `--config` (or DRAINCTL_CONFIG) names the one file read;
 * otherwise the nearest drainctl.yaml from the current directory upward, then the user's.
 */
export function discoverConfigFiles(input: DiscoveryInput): ConfigLocation[] {
  const named = input.explicit ?? (input.env.DRAINCTL_CONFIG || undefined);
  if (named !== undefined) {
    const origin: ConfigOrigin = input.explicit !== undefined ? 'flag' : 'env';
    const path = resolve(input.cwd, named);
    if (!isFile(path)) {
      const from = origin === 'flag' ? '--config' : 'DRAINCTL_CONFIG';
      throw usageError(`configuration file ${JSON.stringify(path)} (from ${from}) does not exist or is not a file`, `name an existing file, or drop ${from} to use ./${CONFIG_FILE_NAME} and ${userConfigHint(input.env)}`);
    }
    return [{ path, origin }];
  }
  const found: ConfigLocation[] = [];
  const project = findUpward(input.cwd);
  if (project) found.push({ path: project, origin: 'project' });
  const user = userConfigPath(input.env);
  if (user && isFile(user) && user !== project) found.push({ path: user, origin: 'user' });
  return found;
}

/** The user's file: $XDG_CONFIG_HOME/drainctl/drainctl.yaml, else ~/.config/drainctl/drainctl.yaml; undefined without a home. */
export function userConfigPath(env: NodeJS.ProcessEnv): string | undefined {
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : undefined;
  const base = xdg ?? (env.HOME ? join(env.HOME, '.config') : undefined);
  return base === undefined ? undefined : join(base, 'drainctl', CONFIG_FILE_NAME);
}

function userConfigHint(env: NodeJS.ProcessEnv): string {
  return userConfigPath(env) ?? `$XDG_CONFIG_HOME/drainctl/${CONFIG_FILE_NAME}`;
}

/** The nearest drainctl.yaml in `start` or one of its parents. */
function findUpward(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (isFile(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
