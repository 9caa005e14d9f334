import { usageError } from '../../core/errors.js';
import type { Sourced } from './resolve.js';

/**
 * Replaces a reference that is an alias name with the reference it stands for. A text with a
 * `:` is a reference already; a text without one that names no alias is refused here, where
 * the aliases can be listed.
 */
export function expandAlias(text: string, aliases: ReadonlyMap<string, Sourced>): string {
  if (text.includes(':')) return text;
  const alias = aliases.get(text);
  if (alias) return alias.value;
  if (aliases.size === 0) return text;
  throw usageError(`invalid reference "${text}": not <provider>:<group>/<target>, nor an alias`, `aliases: ${[...aliases.keys()].join(', ')} (drainctl config show lists them)`);
}
