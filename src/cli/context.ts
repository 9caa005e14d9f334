import { DrainctlError } from '../core/errors.js';
import type { Ledger } from '../core/ledger.js';
import type { ProviderResolver } from '../core/provider.js';
import { parseDuration } from '../core/duration.js';
import { type Expect, groupOf, parseRef, type Ref, type RefDefaults, type TargetRef, type GroupRef } from '../core/refs.js';
import { refSyntaxes, createProviderResolver } from '../providers/registry.js';
import { expandAlias } from './config/aliases.js';
import { type Configuration, type FlagValues, loadConfiguration, type Sourced } from './config/resolve.js';
import type { Output } from './render/output.js';

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
  readonly signal: AbortSignal;
  readonly env: NodeJS.ProcessEnv;
  /** What references may leave out: the Google Cloud project, the Azure subscription. */
  readonly defaults: RefDefaults;
  /** Names that stand for references (`aliases:` in drainctl.yaml), expanded before parsing. */
  readonly aliases?: ReadonlyMap<string, Sourced>;
  /** The configuration files and every value's source, read on first use. */
  readonly configuration?: () => Configuration;
  /** Opens the ledger on first use. */
  ledger(): Promise<Ledger>;
}

/**
 * Builds the context; nothing is opened or loaded until a command asks for it. The
 * configuration files are read on first use too, so a bad file is reported by the command
 * (exit 2, in its output format) rather than while the context is built.
 */
export function createContext(flags: GlobalOptions, output: Output, signal: AbortSignal, env: NodeJS.ProcessEnv, cwd = process.cwd()): CommandContext & { dispose(): void } {
  let loaded: Configuration | undefined;
  const configuration = (): Configuration => (loaded ??= loadConfiguration({ flags: flags as GlobalOptions & FlagValues, env, cwd }));
  const effective = (): GlobalOptions => effectiveOptions(flags, configuration());
  const debug = flags.debug ? (line: string) => output.debug(line) : undefined;
  // Each group gets the settings its own sections give it: two NGINX groups may reload differently.
  const providers = createProviderResolver((descriptor, group) => ({ ...configuration().settingsFor(descriptor, group), debug, env }));
  let opened: Ledger | undefined;
  return {
    get options() {
      return effective();
    },
    output,
    providers,
    signal,
    env,
    get defaults() {
      return configuration().refDefaults;
    },
    get aliases() {
      return configuration().aliases();
    },
    configuration,
    async ledger() {
      if (!opened) {
        const { openSqliteLedger, defaultLedgerPath, LedgerError } = await import('../ledger/index.js');
        try {
          opened = openSqliteLedger(effective().ledger ?? defaultLedgerPath(env));
        } catch (error) {
          // Opening fails because of the path the user gave or the environment picked: theirs to fix.
          if (error instanceof LedgerError) throw new DrainctlError('usage', error.message, { cause: error });
          throw error;
        }
      }
      return opened;
    },
    dispose() {
      providers.closeAll();
      opened?.close();
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
    region: config.run('region').value,
    profile: config.run('profile').value,
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
