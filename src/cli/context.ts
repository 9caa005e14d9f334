import type { Ledger } from '../core/ledger.js';
import type { ProviderDescriptor, ProviderResolver, ProviderSettings } from '../core/provider.js';
import type { CommandLedger, LedgerAccess } from '../ledger/index.js';
import { parseDuration } from '../core/duration.js';
import { type Expect, groupOf, parseRef, type Ref, type RefDefaults, type TargetRef, type GroupRef } from '../core/refs.js';
import { refSyntaxes, createProviderResolver, descriptorOf } from '../providers/registry.js';
import { expandAlias } from './config/aliases.js';
import { type Configuration, describeSource, type FlagValues, loadConfiguration, type Source, type Sourced } from './config/resolve.js';
import { type Redactor, redactingLedger } from './redact.js';
import type { Output } from './render/output.js';
import { validateGlobalOptions } from './validate.js';

/** Options every command accepts (see `drainctl --help`). */
export interface GlobalOptions {
  readonly output: 'text' | 'json' | 'ndjson';
  readonly region?: string;
  readonly profile?: string;
  readonly project?: string;
  readonly subscription?: string;
  readonly endpointUrl?: string;
  readonly ledger?: string;
  readonly debug?: boolean;
  /** The configuration file to read instead of looking for drainctl.yaml. */
  readonly config?: string;
}

/** What a command gets to do its work: parsed options, output, providers, the ledger and the interrupt signal. */
export interface CommandContext {
  /** The options in force: flags, then the environment, then the configuration files (docs/configuration.md). */
  readonly options: GlobalOptions;
  readonly output: Output;
  readonly providers: ProviderResolver;
  /** What a group's provider is created with, for the provider-specific readers a command calls directly (CloudWatch). */
  providerSettings(group: GroupRef): ProviderSettings;
  readonly signal: AbortSignal;
  readonly env: NodeJS.ProcessEnv;
  /** What references may leave out: the Google Cloud project, the Azure subscription. */
  readonly defaults: RefDefaults;
  /** Names that stand for references (`aliases:` in drainctl.yaml), expanded before parsing. */
  readonly aliases?: ReadonlyMap<string, Sourced>;
  /** The configuration files and every value's source, read on first use. */
  readonly configuration?: () => Configuration;
  /** Opens the ledger on first use; `read` for commands that only read it (never created, migrated or written). */
  ledger(access?: LedgerAccess): Promise<Ledger>;
}

/**
 * Builds the context; nothing is opened or loaded until a command asks for it. The
 * configuration files are read on first use too, so a bad file is reported by the command
 * (exit 2, in its output format) rather than while the context is built.
 */
export function createContext(
  flags: GlobalOptions,
  output: Output,
  signal: AbortSignal,
  env: NodeJS.ProcessEnv,
  options: { readonly redact?: Redactor; readonly cwd?: string } = {},
): CommandContext & { dispose(): Promise<void> } {
  const { redact, cwd = process.cwd() } = options;
  let loaded: Configuration | undefined;
  const configuration = (): Configuration => {
    if (loaded) return loaded;
    const config = loadConfiguration({ flags: flags as GlobalOptions & FlagValues, env, cwd });
    // Where API calls go is checked once, whichever layer named it: a bad endpoint or region is exit 2 before any call.
    validateGlobalOptions(effectiveOptions(flags, config), env, { endpointUrl: fileOf(config.run('endpoint-url')), region: fileOf(config.run('region')) });
    return (loaded = config);
  };
  const effective = (): GlobalOptions => effectiveOptions(flags, configuration());
  const debug = flags.debug ? (line: string) => output.debug(line) : undefined;
  // Each group gets the settings its own sections give it: two NGINX groups may reload differently.
  const settingsOf = (descriptor: ProviderDescriptor, group: GroupRef | undefined): ProviderSettings => ({ ...configuration().settingsFor(descriptor, group), debug, env, registerSecret: redact?.add });
  const settingsFor = (group: GroupRef): ProviderSettings => settingsOf(descriptorOf(group.provider), group);
  const providers = createProviderResolver(settingsOf, {
    // A cloud's client can take a moment to load: say so at once rather than sit silent.
    onLoading: (descriptor, loaded) => {
      output.progress(`loading the client for ${descriptor.title}`);
      loaded.then(() => output.progress(undefined), () => output.progress(undefined));
    },
  });
  let opened: CommandLedger | undefined;
  let masked: { readonly of: CommandLedger; readonly ledger: Ledger } | undefined;
  return {
    get options() {
      return effective();
    },
    output,
    providers,
    providerSettings: settingsFor,
    signal,
    env,
    get defaults() {
      return configuration().refDefaults;
    },
    get aliases() {
      return configuration().aliases();
    },
    configuration,
    async ledger(access = 'write') {
      const { openCommandLedger, defaultLedgerPath } = await import('../ledger/index.js');
      const ledger = await openCommandLedger(effective().ledger ?? defaultLedgerPath(env), access, opened, env);
      opened = ledger;
      // What is recorded is masked like what is printed: a failure message can carry an echoed header.
      if (masked?.of !== ledger) masked = { of: ledger, ledger: redact ? redactingLedger(ledger, redact) : ledger };
      return masked.ledger;
    },
    async dispose() {
      providers.closeAll();
      await opened?.close();
    },
  };
}

/** What the parse helpers read from a context: defaults, and aliases when there are any. */
type ParseContext = Pick<CommandContext, 'defaults' | 'aliases'>;

/** A reference as written, or the reference an alias stands for. */
export function expandReference(ctx: Pick<CommandContext, 'aliases'>, text: string): string {
  return ctx.aliases ? expandAlias(text, ctx.aliases) : text;
}

/** Parses every reference before anything runs, so one bad reference changes nothing. */
export function parseRefs(ctx: ParseContext, texts: readonly string[], expect: Expect): Ref[] {
  return texts.map((t) => parseRef(expandReference(ctx, t), refSyntaxes, expect, ctx.defaults));
}

export function parseTargetRefs(ctx: ParseContext, texts: readonly string[]): TargetRef[] {
  return parseRefs(ctx, texts, 'target') as TargetRef[];
}

export function parseGroupRef(ctx: ParseContext, text: string): GroupRef {
  return parseRef(expandReference(ctx, text), refSyntaxes, 'group', ctx.defaults) as GroupRef;
}

/** The flags with what the environment and the configuration files fill in where a flag was not given. */
function effectiveOptions(flags: GlobalOptions, config: Configuration): GlobalOptions {
  return {
    ...flags,
    // Region and profile from the environment stay with the environment: the AWS SDK reads them, and the checks name the variable.
    region: notFromEnv(config.run('region')),
    profile: notFromEnv(config.run('profile')),
    project: config.refDefaults.project,
    subscription: config.refDefaults.subscription,
    endpointUrl: config.run('endpoint-url').value,
    ledger: config.run('ledger').value,
  };
}

/**
 * A waiting command's flags with the configured `timeout` of its groups filled in when
 * --timeout was not given. The core takes one bound per command, so when the named groups
 * have different timeouts the longest holds, and no group is cut short of its own; when one
 * of them has none, the core's own bound per group (its drain timeout plus a margin) holds.
 */
export function withConfiguredTimeout<F extends { readonly timeout?: string; readonly wait?: boolean }>(ctx: CommandContext, texts: readonly string[], flags: F): F {
  if (flags.timeout !== undefined || flags.wait === false || !ctx.configuration) return flags;
  const config = ctx.configuration();
  const configured = parseRefs(ctx, texts, 'any').map((ref) => config.timeoutFor(groupOf(ref)).value);
  if (configured.length === 0 || configured.some((v) => v === undefined)) return flags;
  const longest = configured.map((value) => ({ value: value!, ms: parseDuration(value!, 'timeout') })).reduce((a, b) => (b.ms > a.ms ? b : a));
  return { ...flags, timeout: longest.value };
}

/** Flags first, then the environment each cloud's own tools read (text output shortens references by these). */
export function refDefaults(options: GlobalOptions, env: NodeJS.ProcessEnv): RefDefaults {
  return {
    project: options.project ?? (env.GOOGLE_CLOUD_PROJECT || env.CLOUDSDK_CORE_PROJECT || undefined),
    subscription: options.subscription ?? (env.AZURE_SUBSCRIPTION_ID || undefined),
  };
}

function notFromEnv(resolved: { readonly value: string | undefined; readonly source?: { readonly kind: string } }): string | undefined {
  return resolved.source?.kind === 'env' ? undefined : resolved.value;
}

/** Where a value came from when a configuration file gave it, for messages that must name the file to fix. */
function fileOf(resolved: { readonly source?: Source }): string | undefined {
  return resolved.source?.kind === 'file' ? describeSource(resolved.source) : undefined;
}
