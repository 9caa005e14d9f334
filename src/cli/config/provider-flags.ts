import { type Command, Option } from 'commander';
import { usageError } from '../../core/errors.js';
import type { ProviderDescriptor, ProviderOptionSpec } from '../../core/provider.js';
import { PROVIDERS } from '../../providers/registry.js';
import { attributeOf, type FlagValues } from './resolve.js';

/** One provider option as a command-line flag. */
export interface ProviderFlag {
  readonly descriptor: ProviderDescriptor;
  readonly spec: ProviderOptionSpec;
  /** `--mode` */
  readonly long: string;
  /** Where commander stores its value: `nginxConf`. */
  readonly attribute: string;
}

/** Every provider option's flag, in registry order. */
export function providerFlags(): ProviderFlag[] {
  return PROVIDERS.flatMap((descriptor) =>
    descriptor.options.map((spec) => ({ descriptor, spec, long: new Option(spec.flag).long!, attribute: attributeOf(spec.flag) })),
  );
}

/**
 * Adds every provider's options to the program, each under a help section titled with its
 * provider. No commander default is set: a value present means the user gave the flag, which
 * is what the refusal below and the precedence over the configuration file rely on.
 */
export function addProviderFlags(program: Command): void {
  const taken = new Set(program.options.map((o) => o.long));
  for (const flag of providerFlags()) {
    // Two providers (or a provider and drainctl) sharing a flag would make one of them silently win.
    if (taken.has(flag.long)) throw new Error(`provider ${flag.descriptor.name} declares ${flag.long}, which is already a flag`);
    taken.add(flag.long);
    const defaultText = flag.spec.defaultValue === undefined ? '' : ` (default: ${flag.spec.defaultValue})`;
    const option = new Option(flag.spec.flag, `${flag.spec.description}${defaultText}`).helpGroup(`${flag.descriptor.title}:`);
    program.addOption(flag.spec.choices ? option.choices(flag.spec.choices) : option);
  }
}

/** The provider flags given on this command line. */
export function givenProviderFlags(flags: FlagValues): ProviderFlag[] {
  return providerFlags().filter((f) => flags[f.attribute] !== undefined);
}

/**
 * Refuses a provider's flag when none of the command's references uses that provider, before
 * anything is loaded or called: `--mode` on an ELBv2 drain would otherwise be silently ignored.
 * `references` are as the command will parse them (aliases expanded).
 */
export function refuseMisappliedProviderFlags(flags: FlagValues, references: readonly string[]): void {
  const used = new Set(references.map((r) => (r.includes(':') ? r.slice(0, r.indexOf(':')) : r)));
  for (const flag of givenProviderFlags(flags)) {
    if (used.has(flag.descriptor.name)) continue;
    const named = references.length === 0 ? 'this command names no reference' : `this command names ${references.join(' ')}`;
    throw usageError(`${flag.long} applies only to ${flag.descriptor.name} references`, named);
  }
}
