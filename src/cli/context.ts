import { DrainctlError } from '../core/errors.js';
import type { Ledger } from '../core/ledger.js';
import type { ProviderResolver } from '../core/provider.js';
import { type Expect, parseRef, type Ref, type RefDefaults, type TargetRef, type GroupRef } from '../core/refs.js';
import { refSyntaxes, createProviderResolver } from '../providers/registry.js';
import type { ProviderOptions } from '../providers/options.js';
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
  readonly mode?: 'drain' | 'maint';
  readonly nginxConf?: string;
  readonly reloadCommand?: string;
  readonly statusUrl?: string;
}

/** What a command gets to do its work: parsed options, output, providers, the ledger and the interrupt signal. */
export interface CommandContext {
  readonly options: GlobalOptions;
  readonly output: Output;
  readonly providers: ProviderResolver;
  /** What providers were created with, for the provider-specific readers a command calls directly (CloudWatch). */
  readonly providerOptions: ProviderOptions;
  readonly signal: AbortSignal;
  readonly env: NodeJS.ProcessEnv;
  /** What references may leave out: the Google Cloud project, the Azure subscription. */
  readonly defaults: RefDefaults;
  /** Opens the ledger on first use. */
  ledger(): Promise<Ledger>;
}

/** Builds the context; nothing is opened or loaded until a command asks for it. Bad endpoints and regions are refused here (exit 2). */
export function createContext(options: GlobalOptions, output: Output, signal: AbortSignal, env: NodeJS.ProcessEnv, redact?: Redactor): CommandContext & { dispose(): void } {
  validateGlobalOptions(options, env);
  const providerOptions: ProviderOptions = {
    region: options.region,
    profile: options.profile,
    project: refDefaults(options, env).project,
    subscription: refDefaults(options, env).subscription,
    endpointUrl: options.endpointUrl,
    debug: options.debug ? (line) => output.debug(line) : undefined,
    env,
    options: providerOptionValues(options),
    registerSecret: redact?.add,
  };
  const providers = createProviderResolver(providerOptions);
  let opened: Ledger | undefined;
  return {
    options,
    output,
    providers,
    providerOptions,
    signal,
    env,
    defaults: refDefaults(options, env),
    async ledger() {
      if (!opened) {
        const { openSqliteLedger, defaultLedgerPath, LedgerError } = await import('../ledger/index.js');
        try {
          const ledger = openSqliteLedger(options.ledger ?? defaultLedgerPath(env));
          // What is recorded is masked like what is printed: a failure message can carry an echoed header.
          opened = redact ? redactingLedger(ledger, redact) : ledger;
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

/** Flags first, then the environment each cloud's own tools read. */
export function refDefaults(options: GlobalOptions, env: NodeJS.ProcessEnv): RefDefaults {
  return {
    project: options.project ?? (env.GOOGLE_CLOUD_PROJECT || env.CLOUDSDK_CORE_PROJECT || undefined),
    subscription: options.subscription ?? (env.AZURE_SUBSCRIPTION_ID || undefined),
  };
}

/** Parses every reference before anything runs, so one bad reference changes nothing. */
export function parseRefs(ctx: Pick<CommandContext, 'defaults'>, texts: readonly string[], expect: Expect): Ref[] {
  return texts.map((t) => parseRef(t, refSyntaxes, expect, ctx.defaults));
}

export function parseTargetRefs(ctx: Pick<CommandContext, 'defaults'>, texts: readonly string[]): TargetRef[] {
  return parseRefs(ctx, texts, 'target') as TargetRef[];
}

export function parseGroupRef(ctx: Pick<CommandContext, 'defaults'>, text: string): GroupRef {
  return parseRef(text, refSyntaxes, 'group', ctx.defaults) as GroupRef;
}

/** The provider options given on the command line, by their descriptor keys. */
function providerOptionValues(options: GlobalOptions): Record<string, string> {
  const given: Record<string, string | undefined> = { mode: options.mode, 'nginx-conf': options.nginxConf, 'reload-command': options.reloadCommand, 'status-url': options.statusUrl };
  return Object.fromEntries(Object.entries(given).filter((e): e is [string, string] => e[1] !== undefined));
}
