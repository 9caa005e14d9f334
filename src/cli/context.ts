import type { Ledger } from '../core/ledger.js';
import type { CommandLedger, LedgerAccess } from '../ledger/index.js';
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
  /** Opens the ledger on first use; `read` for commands that only read it (never created, migrated or written). */
  ledger(access?: LedgerAccess): Promise<Ledger>;
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
  let opened: CommandLedger | undefined;
  let masked: { readonly of: CommandLedger; readonly ledger: Ledger } | undefined;
  return {
    options,
    output,
    providers,
    providerOptions,
    signal,
    env,
    defaults: refDefaults(options, env),
    async ledger(access = 'write') {
      const { openCommandLedger, defaultLedgerPath } = await import('../ledger/index.js');
      opened = openCommandLedger(options.ledger ?? defaultLedgerPath(env), access, opened);
      // What is recorded is masked like what is printed: a failure message can carry an echoed header.
      if (masked?.of !== opened) masked = { of: opened, ledger: redact ? redactingLedger(opened, redact) : opened };
      return masked.ledger;
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
