/**
 * Seed validation helpers. Seeds are checked strictly (unknown fields are errors) so a typo in a
 * seed file fails loudly, in one line that names the file and the field's path, instead of
 * starting an emulator that differs from what the author meant.
 */
import { readFile } from 'node:fs/promises';

/** A seed problem; its message is one line, `<source>: <path> <problem>`. */
export class SeedError extends Error {}

export type JsonObject = Record<string, unknown>;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `path.key`, or `path["odd key"]` for a key that is not an identifier; a bare key at the top. */
export function fieldPath(path: string, key: string): string {
  if (path === '') return key;
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Options of a reader. */
export interface SeedReaderOptions {
  /** Name top-level keys that are not identifiers as `["odd key"]` (default: bare). */
  readonly quoteOddTopLevelKeys?: boolean;
}

/** Reads one seed document; every `fail` names the offending field by its path. */
export class SeedReader {
  constructor(
    readonly source: string,
    private readonly options: SeedReaderOptions = {},
  ) {}

  fail(path: string, problem: string): never {
    throw new SeedError(`${this.source}: ${path} ${problem}`);
  }

  /** The path of `key` inside `path`. */
  join(path: string, key: string): string {
    if (path === '' && this.options.quoteOddTopLevelKeys && !IDENTIFIER.test(key)) return `[${JSON.stringify(key)}]`;
    return fieldPath(path, key);
  }

  /** The whole document: an object with only `known` fields. */
  root(value: unknown, known: readonly string[]): JsonObject {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SeedError(`${this.source}: the seed must be a JSON object`);
    return this.object(value, '', known);
  }

  object(value: unknown, path: string, known: readonly string[], notObject = 'must be an object'): JsonObject {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, notObject);
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.fail(this.join(path, key), `is not a known field (known: ${known.join(', ')})`);
    }
    return value as JsonObject;
  }

  /** An object keyed by names that must match `pattern`. */
  map(value: unknown, path: string, pattern: RegExp, phrase: string): [string, unknown][] {
    if (value === undefined) return [];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'must be an object');
    const entries = Object.entries(value);
    for (const [key] of entries) if (!pattern.test(key)) this.fail(this.join(path, key), `${phrase} (got ${JSON.stringify(key)})`);
    return entries;
  }

  array(value: unknown, path: string): unknown[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) this.fail(path, 'must be an array');
    return value;
  }

  string(value: unknown, path: string, pattern?: RegExp, phrase?: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') this.fail(path, 'must be a non-empty string');
    if (pattern && !pattern.test(value)) this.fail(path, `${phrase ?? `must match ${pattern}`} (got ${JSON.stringify(value)})`);
    return value;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) this.fail(path, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
    return value as T;
  }

  integer(value: unknown, path: string, min: number, max: number): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(path, max === Number.MAX_SAFE_INTEGER ? `must be an integer of at least ${min}` : `must be an integer ${min}-${max}`);
    }
    return value;
  }

  number(value: unknown, path: string, min: number, max: number): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) this.fail(path, `must be a number ${min}-${max}`);
    return value;
  }

  boolean(value: unknown, path: string): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') this.fail(path, 'must be true or false');
    return value;
  }
}

/** The first key seen twice: where it repeats, and where it was first. */
export function findRepeat(keys: readonly string[]): { readonly key: string; readonly index: number; readonly first: number } | undefined {
  const seen = new Map<string, number>();
  for (const [index, key] of keys.entries()) {
    const first = seen.get(key);
    if (first !== undefined) return { key, index, first };
    seen.set(key, index);
  }
  return undefined;
}

/** Reads a seed file as JSON; errors name the file. The caller validates what it holds. */
export async function readSeedFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: cannot read the seed file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
}
