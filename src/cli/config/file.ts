import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type { Node, Pair } from 'yaml';
import { parseDuration } from '../../core/duration.js';
import { usageError } from '../../core/errors.js';
import type { ProviderDescriptor } from '../../core/provider.js';
import { isPostgresUrl } from '../../ledger/postgres/url.js';
import { PROVIDERS } from '../../providers/registry.js';
import type { ConfigLocation } from './discover.js';
import { ALIAS_NAME, ALIASES_KEY, APP_STATUS_URL_KEY, GROUPS_KEY, HOOK_KEY, HOOK_KEYS, MIN_HEALTHY_KEY, RESERVED_KEYS, RUN_KEYS, SCOPED_KEYS, TIMEOUT_KEY } from './schema.js';
import { checkHookEntry, type HookSection } from './hook-section.js';
import { checkAppStatusTemplate } from '../../core/app-status-url.js';
import { parseMinHealthy } from '../../core/min-healthy.js';

/**
 * The YAML parser, loaded only when there is a file to read: it costs a tenth of a second at start,
 * which every command would pay for the files most runs do not have. (Synchronous, because reading
 * the configuration is.)
 */
let yamlModule: typeof import('yaml') | undefined;
function yaml(): typeof import('yaml') {
  yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yamlModule;
}
const isMap = (node: unknown): node is import('yaml').YAMLMap => yaml().isMap(node);
const isScalar = (node: unknown): node is import('yaml').Scalar => yaml().isScalar(node);
const isSeq = (node: unknown): node is import('yaml').YAMLSeq => yaml().isSeq(node);

/** One value as the file holds it, with its line for messages and `config show`. */
export interface Entry {
  readonly value: string;
  readonly line: number | undefined;
}

/** A group's section, keyed by the reference as written (parsed later, with the run's defaults). */
export interface GroupSection {
  readonly written: string;
  readonly provider: ProviderDescriptor;
  readonly line: number | undefined;
  readonly entries: ReadonlyMap<string, Entry>;
}

/** One configuration file, checked key by key. */
export interface ConfigFile extends ConfigLocation {
  /** Top-level settings (region, ledger…). */
  readonly top: ReadonlyMap<string, Entry>;
  /** Provider sections by provider name. */
  readonly providers: ReadonlyMap<string, ReadonlyMap<string, Entry>>;
  readonly groups: readonly GroupSection[];
  readonly aliases: ReadonlyMap<string, Entry>;
  /** The lifecycle hook's section, when the file has one. */
  readonly hook: HookSection | undefined;
}

/** Where in the file a value sits, for messages: `/x/drainctl.yaml:3`. */
export function at(path: string, line: number | undefined): string {
  return line === undefined ? path : `${path}:${line}`;
}

/** Reads and checks one file; every problem is a usage error naming the key, the file and the line. */
export function readConfigFile(location: ConfigLocation, env: NodeJS.ProcessEnv): ConfigFile {
  let text: string;
  try {
    text = readFileSync(location.path, 'utf8');
  } catch (error) {
    throw usageError(`cannot read configuration file ${location.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'check its permissions, or name another with --config');
  }
  return parseConfigText(text, location, env);
}

/** Parses a file's text (exported for tests that need no file on disk). */
export function parseConfigText(text: string, location: ConfigLocation, env: NodeJS.ProcessEnv): ConfigFile {
  const lines = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const lineOf = (node: unknown): number | undefined => {
    const range = (node as Node | null)?.range;
    return range ? lines.linePos(range[0]).line : undefined;
  };
  const firstError = doc.errors[0];
  if (firstError) {
    const line = lines.linePos(firstError.pos[0]).line;
    throw usageError(`${at(location.path, line)} is not valid YAML: ${firstError.message.split('\n')[0]}`, 'fix the file (docs/configuration.md shows its layout)');
  }
  const reader = new SectionReader(location.path, lineOf);
  const top = new Map<string, Entry>();
  const providers = new Map<string, Map<string, Entry>>();
  const groups: GroupSection[] = [];
  const aliases = new Map<string, Entry>();
  let hook: HookSection | undefined;
  for (const pair of reader.pairs(doc.contents, 'the file')) {
    const key = reader.key(pair);
    const descriptor = PROVIDERS.find((p) => p.name === key);
    if (key === GROUPS_KEY) groups.push(...readGroups(reader, pair));
    else if (key === ALIASES_KEY) readAliases(reader, pair, aliases);
    else if (key === HOOK_KEY) hook = readHook(reader, pair);
    else if (descriptor) providers.set(key, readSettings(reader, pair.value, descriptor, `the ${key} section`));
    else if ([...RUN_KEYS, ...SCOPED_KEYS].some((k) => k.key === key)) top.set(key, topValue(reader, pair, key, location.path, env));
    else reader.refuse(pair, 'the top level', [...RUN_KEYS, ...SCOPED_KEYS].map((k) => k.key).concat(GROUPS_KEY, ALIASES_KEY, HOOK_KEY, '<provider>'));
  }
  return { ...location, top, providers, groups, aliases, hook };
}

/** A top-level value; the ledger path is taken relative to the file, so a project file works from any subdirectory (a PostgreSQL URL is no path). */
function topValue(reader: SectionReader, pair: Pair, key: string, path: string, env: NodeJS.ProcessEnv): Entry {
  const entry = reader.entry(pair, 'the top level');
  if (key !== 'ledger' || isPostgresUrl(entry.value)) return entry;
  const value = entry.value.startsWith('~/') && env.HOME ? join(env.HOME, entry.value.slice(2)) : entry.value;
  return { ...entry, value: isAbsolute(value) ? value : resolve(dirname(path), value) };
}

/** A provider's or a group's settings: the scoped keys, the timeout, and the provider's own options. */
function readSettings(reader: SectionReader, node: unknown, descriptor: ProviderDescriptor, section: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  const known = [...SCOPED_KEYS.map((k) => k.key), TIMEOUT_KEY, MIN_HEALTHY_KEY, APP_STATUS_URL_KEY, ...descriptor.options.map((o) => o.key)];
  for (const pair of reader.pairs(node, section)) {
    const key = reader.key(pair);
    if (!known.includes(key)) {
      const owner = PROVIDERS.find((p) => p.options.some((o) => o.key === key));
      if (owner) {
        throw usageError(`"${key}" in ${at(reader.path, reader.lineOf(pair.key))} (${section}) is an option of ${owner.name}, not ${descriptor.name}`, `move it under ${owner.name}: or a ${owner.name} group`);
      }
      if (RUN_KEYS.some((k) => k.key === key)) {
        throw usageError(`"${key}" in ${at(reader.path, reader.lineOf(pair.key))} (${section}) holds for the whole run, not per provider or group`, 'move it to the top level');
      }
      reader.refuse(pair, section, known);
    }
    const entry = reader.entry(pair, section);
    checkValue(descriptor, key, entry, `${at(reader.path, entry.line)} (${section})`);
    entries.set(key, entry);
  }
  return entries;
}

/** Values with a shape of their own are checked now, so a bad one fails every command the same way. */
function checkValue(descriptor: ProviderDescriptor, key: string, entry: Entry, where: string): void {
  if (key === TIMEOUT_KEY) {
    let ms: number;
    try {
      ms = parseDuration(entry.value, 'timeout');
    } catch {
      throw usageError(`invalid timeout "${entry.value}" in ${where}: expected a number with an optional unit ms, s, m or h`, 'e.g. timeout: 5m');
    }
    if (ms <= 0) throw usageError(`invalid timeout "${entry.value}" in ${where}: must be greater than zero`, 'e.g. timeout: 5m');
    return;
  }
  if (key === MIN_HEALTHY_KEY) {
    parseMinHealthy(entry.value, `min-healthy in ${where}`);
    return;
  }
  if (key === APP_STATUS_URL_KEY) {
    checkAppStatusTemplate(entry.value, `app-status-url in ${where}`);
    return;
  }
  const spec = descriptor.options.find((o) => o.key === key);
  if (spec?.choices && !spec.choices.includes(entry.value)) {
    throw usageError(`invalid ${key} "${entry.value}" in ${where}`, `expected one of: ${spec.choices.join(', ')}`);
  }
}

function readGroups(reader: SectionReader, pair: Pair): GroupSection[] {
  return reader.pairs(pair.value, GROUPS_KEY).map((groupPair) => {
    const written = reader.key(groupPair);
    const line = reader.lineOf(groupPair.key);
    const prefix = written.includes(':') ? written.slice(0, written.indexOf(':')) : '';
    const provider = PROVIDERS.find((p) => p.name === prefix);
    if (!provider) {
      throw usageError(`group "${written}" in ${at(reader.path, line)} is not a group reference with a known provider`, `write it as <provider>:<group>, e.g. ${PROVIDERS[0]!.syntax.groupExample}; providers: ${PROVIDERS.map((p) => p.name).join(', ')}`);
    }
    return { written, provider, line, entries: readSettings(reader, groupPair.value, provider, `group "${written}"`) };
  });
}

function readAliases(reader: SectionReader, pair: Pair, into: Map<string, Entry>): void {
  for (const aliasPair of reader.pairs(pair.value, ALIASES_KEY)) {
    const name = reader.key(aliasPair);
    if (!ALIAS_NAME.test(name)) {
      throw usageError(`alias "${name}" in ${at(reader.path, reader.lineOf(aliasPair.key))} is not a valid name`, 'use letters, digits, ".", "_" and "-" (no ":" or "/", so it cannot be read as a reference)');
    }
    into.set(name, reader.entry(aliasPair, ALIASES_KEY));
  }
}

/** The hook section: scalar settings, and `targets`, a list of reference templates. */
function readHook(reader: SectionReader, pair: Pair): HookSection {
  const entries = new Map<string, Entry>();
  const targets: Entry[] = [];
  const section = 'the hook section';
  for (const item of reader.pairs(pair.value, section)) {
    const key = reader.key(item);
    if (!Object.hasOwn(HOOK_KEYS, key)) reader.refuse(item, section, Object.keys(HOOK_KEYS));
    if (key === 'targets') {
      targets.push(...reader.list(item, section));
      for (const t of targets) checkHookEntry(key, t, `${at(reader.path, t.line)} (${section})`);
      continue;
    }
    const entry = reader.entry(item, section);
    checkHookEntry(key, entry, `${at(reader.path, entry.line)} (${section})`, () => reader.refuse(item, section, Object.keys(HOOK_KEYS)));
    entries.set(key, entry);
  }
  return { line: reader.lineOf(pair.key), entries, targets };
}

/** Walks maps and scalars with the file's path and lines at hand for every message. */
class SectionReader {
  constructor(
    readonly path: string,
    readonly lineOf: (node: unknown) => number | undefined,
  ) {}

  /** The pairs of a map; an empty section (`nginx:` with nothing under it) has none. */
  pairs(node: unknown, section: string): Pair[] {
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return [];
    if (!isMap(node)) throw usageError(`${section} in ${at(this.path, this.lineOf(node))} must be a mapping of keys to values`, 'see docs/configuration.md for the layout');
    return node.items as Pair[];
  }

  key(pair: Pair): string {
    if (!isScalar(pair.key) || pair.key.value === null || typeof pair.key.value === 'object') {
      throw usageError(`a key in ${at(this.path, this.lineOf(pair.key))} is not plain text`, 'keys are names such as region or a group reference in quotes');
    }
    return String(pair.key.value);
  }

  /** A list of scalars (`targets:`), each with its line. */
  list(pair: Pair, section: string): Entry[] {
    const key = this.key(pair);
    const node = pair.value;
    if (!isSeq(node)) throw usageError(`"${key}" in ${at(this.path, this.lineOf(pair.key))} (${section}) must be a list`, `write it as ${key}:\n  - <reference>`);
    return node.items.map((item) => {
      if (!isScalar(item) || item.value === null || item.value === '' || typeof item.value === 'object') {
        throw usageError(`an item of "${key}" in ${at(this.path, this.lineOf(item))} (${section}) is not a reference`, 'write each item as - <provider>:<group>/<target>');
      }
      return { value: String(item.value), line: this.lineOf(item) };
    });
  }

  /** A scalar value as text: `timeout: 600` and `timeout: "600"` mean the same. */
  entry(pair: Pair, section: string): Entry {
    const key = this.key(pair);
    const line = this.lineOf(pair.key);
    const value = pair.value;
    if (value !== null && !isScalar(value)) {
      throw usageError(`"${key}" in ${at(this.path, line)} (${section}) must be a single value, not a list or a mapping`, `write it as ${key}: <value>`);
    }
    if (!isScalar(value) || value.value === null || value.value === '') {
      throw usageError(`"${key}" in ${at(this.path, line)} (${section}) needs a value`, `write it as ${key}: <value>`);
    }
    if (typeof value.value !== 'string' && typeof value.value !== 'number') {
      throw usageError(`"${key}" in ${at(this.path, line)} (${section}) must be text or a number, not ${typeof value.value}`, 'quote it if it is meant as text');
    }
    return { value: String(value.value), line };
  }

  /** Refuses an unknown key, saying which keys this section takes (or that it is reserved). */
  refuse(pair: Pair, section: string, known: readonly string[]): never {
    const key = this.key(pair);
    const where = `${at(this.path, this.lineOf(pair.key))} (${section})`;
    const reserved = RESERVED_KEYS[key];
    if (reserved !== undefined) throw usageError(`"${key}" in ${where} is reserved for ${reserved} and not read yet`, 'remove it; a later drainctl will read it');
    throw usageError(`unknown key "${key}" in ${where}`, `known keys there: ${known.join(', ')} (docs/configuration.md)`);
  }
}
