import { defaultLedgerPath } from '../../ledger/path.js';
import { PROVIDERS } from '../../providers/registry.js';
import { discoverConfigFiles, userConfigPath } from '../config/discover.js';
import { type Configuration, describeSource, type Resolved } from '../config/resolve.js';
import { RUN_KEYS, SCOPED_KEYS, TIMEOUT_KEY } from '../config/schema.js';
import type { CommandContext } from '../context.js';
import type { CommandResult } from '../render/output.js';
import { table } from '../render/table.js';

/** One value as `config show` reports it. */
interface ShownValue {
  readonly scope: string;
  readonly key: string;
  readonly value: string | null;
  readonly source: string;
  readonly overridden: readonly { readonly value: string; readonly source: string }[];
}

/** `drainctl config show`: every value in force and where it came from. */
export async function configShowCommand(ctx: CommandContext): Promise<CommandResult> {
  const config = configurationOf(ctx);
  const values = [...runValues(ctx, config), ...providerValues(config), ...groupValues(config)];
  const aliases = [...config.aliases()].map(([name, a]) => ({ name, reference: a.value, source: describeSource(a.source) }));
  const files = config.files.map((f) => ({ path: f.path, origin: f.origin }));
  const rows = values.flatMap((v) => [
    [v.scope, v.key, v.value ?? '-', v.source],
    ...v.overridden.map((o) => ['', '', o.value, `overridden: ${o.source}`]),
  ]);
  const aliasRows = aliases.map((a) => [`alias ${a.name}`, '', a.reference, a.source]);
  const fileLine = files.length === 0 ? `files: none (looked for ./drainctl.yaml upward and ${userConfigPath(ctx.env) ?? 'no user file: HOME is not set'})` : `files: ${files.map((f) => `${f.path} (${f.origin})`).join(', ')}`;
  return {
    kind: 'config',
    data: { files, values, aliases },
    text: `${fileLine}\n\n${table(['SCOPE', 'KEY', 'VALUE', 'SOURCE'], [...rows, ...aliasRows])}`,
    exitCode: 0,
  };
}

/** `drainctl config path`: the files that would be read, strongest first. */
export async function configPathCommand(ctx: CommandContext, explicit: string | undefined): Promise<CommandResult> {
  // From the flag itself, not ctx.options: this command must work while the file it finds is broken.
  const files = discoverConfigFiles({ explicit, env: ctx.env, cwd: process.cwd() });
  return {
    kind: 'config_path',
    data: { files: files.map((f) => ({ path: f.path, origin: f.origin })), user_file: userConfigPath(ctx.env) ?? null },
    text: files.length > 0 ? files.map((f) => `${f.path} (${f.origin})`).join('\n') : `no configuration file (looked for ./drainctl.yaml upward and ${userConfigPath(ctx.env) ?? 'no user file: HOME is not set'})`,
    exitCode: 0,
  };
}

function configurationOf(ctx: CommandContext): Configuration {
  if (!ctx.configuration) throw new Error('config show needs a context built by createContext');
  return ctx.configuration();
}

function shown(scope: string, r: Resolved, fallback?: { value: string; source: string }): ShownValue {
  const source = r.source ? describeSource(r.source) : (fallback?.source ?? 'not set');
  // A built-in default that a setting overrides is no news; a weaker setting that lost is.
  const overridden = r.overridden.filter((o) => o.source.kind !== 'default').map((o) => ({ value: o.value, source: describeSource(o.source) }));
  return { scope, key: r.key, value: r.value ?? fallback?.value ?? null, source, overridden };
}

/** The values that hold for the whole run; the ledger falls back to its platform default. */
function runValues(ctx: CommandContext, config: Configuration): ShownValue[] {
  return [...SCOPED_KEYS, ...RUN_KEYS].map((k) => {
    const fallback = k.key === 'ledger' ? { value: defaultLedgerPath(ctx.env), source: 'default' } : undefined;
    return shown('run', config.run(k.key), fallback);
  });
}

/** Each provider's own options (set or defaulted), and any common key its section sets. */
function providerValues(config: Configuration): ShownValue[] {
  return PROVIDERS.flatMap((descriptor) => {
    const inSection = new Set(config.files.flatMap((f) => [...(f.providers.get(descriptor.name)?.keys() ?? [])]));
    const keys = [...SCOPED_KEYS.map((k) => k.key), TIMEOUT_KEY].filter((k) => inSection.has(k)).concat(descriptor.options.map((o) => o.key));
    return keys.map((key) => shown(descriptor.name, config.scoped(key, descriptor, undefined)));
  });
}

/** Each group a file has a section for: what its section sets, and its provider's options, as that group gets them. */
function groupValues(config: Configuration): ShownValue[] {
  return config.groupKeys().flatMap((key) => {
    const group = config.groupRef(key);
    const descriptor = PROVIDERS.find((p) => p.name === group.provider)!;
    const keys = new Set([...config.groupSectionKeys(key), ...descriptor.options.map((o) => o.key)]);
    return [...keys].map((k) => shown(`group ${key}`, config.scoped(k, descriptor, group)));
  });
}
