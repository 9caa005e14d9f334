import { Option } from 'commander';
import type { ProviderDescriptor, ProviderOptionSpec, ProviderSettings } from '../../core/provider.js';
import { formatRef, type GroupRef, parseRef, type RefDefaults } from '../../core/refs.js';
import { DrainctlError, usageError } from '../../core/errors.js';
import { PROVIDERS, refSyntaxes } from '../../providers/registry.js';
import { type ConfigLocation, discoverConfigFiles } from './discover.js';
import { at, type ConfigFile, type Entry, readConfigFile } from './file.js';
import { APP_STATUS_URL_KEY, type CommonKey, MIN_HEALTHY_KEY, RUN_KEYS, SCOPED_KEYS, TIMEOUT_KEY } from './schema.js';

/** Where a value came from, for `config show` and messages. */
export type Source =
  | { readonly kind: 'flag'; readonly name: string }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'file'; readonly path: string; readonly line: number | undefined; readonly section: string }
  | { readonly kind: 'default' };

/** A value and where it came from. */
export interface Sourced {
  readonly value: string;
  readonly source: Source;
}

/** A value with the weaker ones it overrides, strongest first. */
export interface Resolved {
  readonly key: string;
  readonly value: string | undefined;
  readonly source: Source | undefined;
  readonly overridden: readonly Sourced[];
}

/** The command line's values by commander attribute name (`endpointUrl`, `nginxConf`). */
export type FlagValues = Readonly<Record<string, unknown>>;

/** Formats a source the way `config show` prints it: `flag --region`, `env AWS_REGION`, `/x/drainctl.yaml:3`, `default`. */
export function describeSource(source: Source): string {
  if (source.kind === 'flag') return `flag ${source.name}`;
  if (source.kind === 'env') return `env ${source.name}`;
  if (source.kind === 'file') return `${at(source.path, source.line)}${source.section ? ` (${source.section})` : ''}`;
  return 'default';
}

/** The commander attribute a flag's value is stored under: `--nginx-conf <file>` → `nginxConf`. */
export function attributeOf(flag: string): string {
  return new Option(flag).attributeName();
}

/** A group's section in one file, under its canonical reference. */
interface IndexedGroup {
  readonly file: ConfigFile;
  readonly entries: ReadonlyMap<string, Entry>;
  readonly written: string;
  readonly ref: GroupRef;
}

/** The configuration in force for one run: flags, then the environment, then the files, strongest first. */
export class Configuration {
  readonly files: readonly ConfigFile[];
  /** What references may leave out, resolved before group keys and aliases are parsed with them. */
  readonly refDefaults: RefDefaults;
  private readonly groupSections: ReadonlyMap<string, readonly IndexedGroup[]>;

  constructor(
    files: readonly ConfigFile[],
    private readonly flags: FlagValues,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.files = files;
    this.refDefaults = {
      project: this.run('project').value,
      subscription: this.run('subscription').value,
    };
    this.groupSections = this.indexGroups();
    this.checkAliases();
  }

  /** A key that holds for the whole run (ledger, project, subscription; region, profile and endpoint-url outside any group). */
  run(key: string): Resolved {
    const spec = commonKey(key);
    return resolved(key, [...this.fromFlagAndEnv(spec), ...this.files.flatMap((f) => fromEntries(f, f.top, key, ''))]);
  }

  /** A key for one provider's groups, or one group when given. */
  scoped(key: string, descriptor: ProviderDescriptor, group: GroupRef | undefined): Resolved {
    const option = descriptor.options.find((o) => o.key === key);
    const common = option ? undefined : commonKey(key);
    const layered = this.files.flatMap((f) => [
      ...this.groupEntries(f, group).flatMap((g) => fromEntries(f, g.entries, key, `group "${g.written}"`)),
      ...fromEntries(f, f.providers.get(descriptor.name), key, descriptor.name),
      ...(common && key !== TIMEOUT_KEY && key !== MIN_HEALTHY_KEY ? fromEntries(f, f.top, key, '') : []),
    ]);
    const first = option ? this.optionFlag(option) : common ? this.fromFlagAndEnv(common) : [];
    const fallback: Sourced[] = option?.defaultValue !== undefined ? [{ value: option.defaultValue, source: { kind: 'default' } }] : [];
    return resolved(key, [...first, ...layered, ...fallback]);
  }

  /** The settings a provider is created with for one group (or for all its groups). */
  settingsFor(descriptor: ProviderDescriptor, group: GroupRef | undefined): ProviderSettings {
    const value = (key: string) => this.scoped(key, descriptor, group).value;
    // What comes from the environment the provider's SDK reads itself, and names the variable when it is wrong.
    const notFromEnv = (key: string) => {
      const r = this.scoped(key, descriptor, group);
      return r.source?.kind === 'env' ? undefined : r.value;
    };
    const options = Object.fromEntries(descriptor.options.flatMap((o) => (value(o.key) === undefined ? [] : [[o.key, value(o.key)!]])));
    const region = this.scoped('region', descriptor, group).source;
    const regionSource = region?.kind === 'file' ? `region in ${describeSource(region)}` : undefined;
    return { regionSource, region: notFromEnv('region'), profile: notFromEnv('profile'), endpointUrl: value('endpoint-url'), project: this.refDefaults.project, subscription: this.refDefaults.subscription, options };
  }

  /** The configured wait bound for a group's targets, when there is one. */
  timeoutFor(group: GroupRef): Resolved {
    const descriptor = PROVIDERS.find((p) => p.name === group.provider);
    return descriptor ? this.scoped(TIMEOUT_KEY, descriptor, group) : resolved(TIMEOUT_KEY, []);
  }

  /** The configured `min-healthy` of a group, when there is one. */
  minHealthyFor(group: GroupRef): Resolved {
    const descriptor = PROVIDERS.find((p) => p.name === group.provider);
    return descriptor ? this.scoped(MIN_HEALTHY_KEY, descriptor, group) : resolved(MIN_HEALTHY_KEY, []);
  }

  /** The configured `app-status-url` of a group, when there is one. */
  appStatusUrlFor(group: GroupRef): Resolved {
    const descriptor = PROVIDERS.find((p) => p.name === group.provider);
    return descriptor ? this.scoped(APP_STATUS_URL_KEY, descriptor, group) : resolved(APP_STATUS_URL_KEY, []);
  }

  /** The hook section in force: each key from the strongest file that sets it; `targets` whole, from the strongest file that lists any. */
  hook(): { readonly values: ReadonlyMap<string, Sourced>; readonly targets: readonly Sourced[] } {
    const values = new Map<string, Sourced>();
    let targets: Sourced[] | undefined;
    for (const file of this.files) {
      if (!file.hook) continue;
      for (const [key, entry] of file.hook.entries) {
        if (!values.has(key)) values.set(key, { value: entry.value, source: { kind: 'file', path: file.path, line: entry.line, section: 'hook' } });
      }
      if (!targets && file.hook.targets.length > 0) targets = file.hook.targets.map((t) => ({ value: t.value, source: { kind: 'file', path: file.path, line: t.line, section: 'hook' } }));
    }
    return { values, targets: targets ?? [] };
  }

  /** Every alias, the stronger file's winning a name both define. */
  aliases(): ReadonlyMap<string, Sourced> {
    const all = new Map<string, Sourced>();
    for (const file of [...this.files].reverse()) {
      for (const [name, entry] of file.aliases) all.set(name, { value: entry.value, source: { kind: 'file', path: file.path, line: entry.line, section: 'aliases' } });
    }
    return all;
  }

  /** The groups some file has a section for, canonical. */
  groupKeys(): readonly string[] {
    return [...this.groupSections.keys()];
  }

  /** The parsed reference of a group key from groupKeys(). */
  groupRef(key: string): GroupRef {
    return this.groupSections.get(key)![0]!.ref;
  }

  /** The keys the sections of one group set, in any file. */
  groupSectionKeys(key: string): readonly string[] {
    return [...new Set((this.groupSections.get(key) ?? []).flatMap((g) => [...g.entries.keys()]))];
  }

  private fromFlagAndEnv(spec: CommonKey): Sourced[] {
    const out: Sourced[] = [];
    const flagValue = spec.flag === undefined ? undefined : this.flags[attributeOf(`${spec.flag} <v>`)];
    if (typeof flagValue === 'string') out.push({ value: flagValue, source: { kind: 'flag', name: spec.flag! } });
    const envName = spec.env.find((name) => this.env[name]);
    if (envName) out.push({ value: this.env[envName]!, source: { kind: 'env', name: envName } });
    return out;
  }

  private optionFlag(option: ProviderOptionSpec): Sourced[] {
    const given = this.flags[attributeOf(option.flag)];
    return typeof given === 'string' ? [{ value: given, source: { kind: 'flag', name: new Option(option.flag).long! } }] : [];
  }

  private groupEntries(file: ConfigFile, group: GroupRef | undefined) {
    if (!group) return [];
    return (this.groupSections.get(formatRef(group)) ?? []).filter((g) => g.file === file);
  }

  /** Parses every group key with the run's defaults, so `gcp-ig:us-central1-a/web` matches the reference the command parses. */
  private indexGroups() {
    const index = new Map<string, IndexedGroup[]>();
    for (const file of this.files) {
      for (const section of file.groups) {
        const ref = parseWithin(() => parseRef(section.written, refSyntaxes, 'group', this.refDefaults), `group "${section.written}" in ${at(file.path, section.line)}`) as GroupRef;
        const key = formatRef(ref);
        index.set(key, [...(index.get(key) ?? []), { file, entries: section.entries, written: section.written, ref }]);
      }
    }
    return index;
  }

  /** An alias that names no valid reference fails every command, not only the ones that use it. */
  private checkAliases(): void {
    for (const [name, alias] of this.aliases()) {
      parseWithin(() => parseRef(alias.value, refSyntaxes, 'any', this.refDefaults), `alias "${name}" in ${describeSource(alias.source)}`);
    }
  }
}

/** Reads the files for one run and resolves them against its flags and environment. */
export function loadConfiguration(input: { readonly flags: FlagValues; readonly env: NodeJS.ProcessEnv; readonly cwd: string }): Configuration {
  const explicit = typeof input.flags.config === 'string' ? input.flags.config : undefined;
  const locations: ConfigLocation[] = discoverConfigFiles({ explicit, env: input.env, cwd: input.cwd });
  return new Configuration(locations.map((l) => readConfigFile(l, input.env)), input.flags, input.env);
}

/** Every common key, by name. */
export function commonKey(key: string): CommonKey {
  const spec = [...RUN_KEYS, ...SCOPED_KEYS].find((k) => k.key === key);
  return spec ?? { key, env: [], description: '' };
}

function fromEntries(file: ConfigFile, entries: ReadonlyMap<string, Entry> | undefined, key: string, section: string): Sourced[] {
  const entry = entries?.get(key);
  return entry ? [{ value: entry.value, source: { kind: 'file', path: file.path, line: entry.line, section } }] : [];
}

function resolved(key: string, candidates: readonly Sourced[]): Resolved {
  const [first, ...rest] = candidates;
  return { key, value: first?.value, source: first?.source, overridden: rest };
}

/** Prefixes a reference error with the file entry it came from. */
function parseWithin<T>(parse: () => T, where: string): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof DrainctlError) throw usageError(`${where}: ${error.message}`, error.hint);
    throw error;
  }
}
