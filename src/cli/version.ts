import { readFileSync } from 'node:fs';

/** drainctl's version, read from package.json beside dist/. */
export function drainctlVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Schema version of json and ndjson output (docs/output.md). Minor = additive, major = breaking. */
export const OUTPUT_SCHEMA = '1.0';
