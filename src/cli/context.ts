import { DrainctlError } from '../core/errors.js';
import type { Ledger } from '../core/ledger.js';
import type { ProviderResolver } from '../core/provider.js';
import { type Expect, parseRef, type Ref, type TargetRef, type GroupRef } from '../core/refs.js';
import { refSyntaxes, createProviderResolver } from '../providers/registry.js';
import type { Output } from './render/output.js';

/** Options every command accepts (see `drainctl --help`). */
export interface GlobalOptions {
  readonly output: 'text' | 'json' | 'ndjson';
  readonly region?: string;
  readonly profile?: string;
  readonly endpointUrl?: string;
  readonly ledger?: string;
  readonly debug?: boolean;
}

/** What a command gets to do its work: parsed options, output, providers, the ledger and the interrupt signal. */
export interface CommandContext {
  readonly options: GlobalOptions;
  readonly output: Output;
  readonly providers: ProviderResolver;
  readonly signal: AbortSignal;
  readonly env: NodeJS.ProcessEnv;
  /** Opens the ledger on first use. */
  ledger(): Promise<Ledger>;
}

/** Builds the context; nothing is opened or loaded until a command asks for it. */
export function createContext(options: GlobalOptions, output: Output, signal: AbortSignal, env: NodeJS.ProcessEnv): CommandContext & { dispose(): void } {
  const providers = createProviderResolver({
    region: options.region,
    profile: options.profile,
    endpointUrl: options.endpointUrl,
    debug: options.debug ? (line) => output.debug(line) : undefined,
    env,
  });
  let opened: Ledger | undefined;
  return {
    options,
    output,
    providers,
    signal,
    env,
    async ledger() {
      if (!opened) {
        const { openSqliteLedger, defaultLedgerPath, LedgerError } = await import('../ledger/index.js');
        try {
          opened = openSqliteLedger(options.ledger ?? defaultLedgerPath(env));
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

/** Parses every reference before anything runs, so one bad reference changes nothing. */
export function parseRefs(texts: readonly string[], expect: Expect): Ref[] {
  return texts.map((t) => parseRef(t, refSyntaxes, expect));
}

export function parseTargetRefs(texts: readonly string[]): TargetRef[] {
  return parseRefs(texts, 'target') as TargetRef[];
}

export function parseGroupRef(text: string): GroupRef {
  return parseRef(text, refSyntaxes, 'group') as GroupRef;
}
