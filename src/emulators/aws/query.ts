/**
 * Reading awsQuery request parameters: a flat form where lists are `Name.member.N[.Field]`
 * (1-based) and structures are `Parent.Field`.
 */
import { missingParameter, memberPath, validationError } from './errors.js';

/** The decoded form of one request. */
export type QueryParams = Readonly<Record<string, string>>;

/** Decodes an application/x-www-form-urlencoded body (or URL query); a repeated key keeps its last value. */
export function parseQuery(encoded: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(encoded)) params[key] = value;
  return params;
}

/**
 * The items of list `prefix`, ordered by their index. A structure member becomes
 * `{Field: value}`; a scalar member becomes `{'': value}`.
 */
export function readMembers(params: QueryParams, prefix: string): Record<string, string>[] {
  const head = `${prefix}.member.`;
  const byIndex = new Map<number, Record<string, string>>();
  for (const [key, value] of Object.entries(params)) {
    if (!key.startsWith(head)) continue;
    const match = /^(\d+)(?:\.(.+))?$/.exec(key.slice(head.length));
    if (!match) continue;
    const index = Number(match[1]);
    const item = byIndex.get(index) ?? {};
    item[match[2] ?? ''] = value;
    byIndex.set(index, item);
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, item]) => item);
}

/** The values of a list of strings such as `Names.member.N`. */
export function readStringMembers(params: QueryParams, prefix: string): string[] {
  return readMembers(params, prefix).flatMap((item) => (item[''] === undefined ? [] : [item['']]));
}

/** True when the request carries list `prefix` at all, including the empty form `Prefix=`. */
export function hasList(params: QueryParams, prefix: string): boolean {
  return params[prefix] !== undefined || Object.keys(params).some((k) => k.startsWith(`${prefix}.member.`));
}

/** A required scalar parameter; absent or empty is a `ValidationError`. */
export function requireParam(params: QueryParams, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw missingParameter(name);
  return value;
}

/** A required list parameter with at least one member. */
export function requireMembers(params: QueryParams, prefix: string): Record<string, string>[] {
  const items = readMembers(params, prefix);
  if (items.length === 0) {
    if (!hasList(params, prefix)) throw missingParameter(prefix);
    throw validationError(
      `1 validation error detected: Value '[]' at '${memberPath(prefix)}' failed to satisfy constraint: Member must have length greater than or equal to 1`,
    );
  }
  return items;
}

/** Parses an integer parameter and checks it against the model's range. */
export function parseIntParam(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const at = `at '${memberPath(name)}' failed to satisfy constraint`;
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw validationError(`1 validation error detected: Value '${value}' ${at}: Member must be an integer`);
  }
  if (n < min) throw validationError(`1 validation error detected: Value '${value}' ${at}: Member must have value greater than or equal to ${min}`);
  if (n > max) throw validationError(`1 validation error detected: Value '${value}' ${at}: Member must have value less than or equal to ${max}`);
  return n;
}

/** Parses an awsQuery boolean (`true`/`false`). */
export function parseBoolParam(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw validationError(`1 validation error detected: Value '${value}' at '${memberPath(name)}' failed to satisfy constraint: Member must be true or false`);
}
