import { usageError } from '../core/errors.js';
import type { DrainProvider, ProviderDescriptor, ProviderResolver, ProviderSettings } from '../core/provider.js';
import type { GroupRef, RefSyntax } from '../core/refs.js';
import { elbDescriptor } from './aws-elb/descriptor.js';
import { elbv2Descriptor } from './aws-elbv2/descriptor.js';
import { azureAgwDescriptor, azureLbDescriptor } from './azure/descriptors.js';
import { gcpBsDescriptor, gcpIgDescriptor, gcpNegDescriptor } from './gcp/descriptors.js';
import { haproxyDescriptor } from './haproxy/descriptor.js';
import { nginxDescriptor } from './nginx/descriptor.js';

/**
 * Every provider drainctl knows, one descriptor each, declared in the provider's own folder.
 * Descriptors are plain data and load at once; a provider's SDK loads only when a command uses it.
 * Adding a provider is one folder and one line here.
 */
export const PROVIDERS: readonly ProviderDescriptor[] = [
  elbv2Descriptor,
  elbDescriptor,
  gcpIgDescriptor,
  gcpNegDescriptor,
  gcpBsDescriptor,
  azureAgwDescriptor,
  azureLbDescriptor,
  haproxyDescriptor,
  nginxDescriptor,
];

/** The reference syntaxes of every provider, for parsing. */
export const refSyntaxes: readonly RefSyntax[] = PROVIDERS.map((p) => p.syntax);

/** The descriptor of a provider name, or a usage error listing the known ones. */
export function descriptorOf(name: string): ProviderDescriptor {
  const found = PROVIDERS.find((p) => p.name === name);
  if (!found) throw usageError(`unknown provider "${name}"`, `known providers: ${PROVIDERS.map((p) => p.name).join(', ')}`);
  return found;
}

/** The settings a provider gets for one group (they may differ per group, from the configuration file). */
export type SettingsFor = (descriptor: ProviderDescriptor, group: GroupRef | undefined) => ProviderSettings;

/**
 * A resolver that creates each provider once per distinct settings, on first use, and can
 * close them all. Groups with the same settings share one provider (and one client).
 */
export function createProviderResolver(
  settingsFor: SettingsFor | ProviderSettings,
  hooks: { readonly onLoading?: (descriptor: ProviderDescriptor, loaded: Promise<unknown>) => void } = {},
): ProviderResolver & { closeAll(): void } {
  const lookUp: SettingsFor = typeof settingsFor === 'function' ? settingsFor : () => settingsFor;
  const created = new Map<string, Promise<DrainProvider>>();
  const resolve = async (name: string, group?: GroupRef): Promise<DrainProvider> => {
    const descriptor = descriptorOf(name);
    const settings = lookUp(descriptor, group);
    const key = `${name}\n${settingsKey(settings)}`;
    let provider = created.get(key);
    if (!provider) {
      provider = descriptor.load(settings);
      created.set(key, provider);
      hooks.onLoading?.(descriptor, provider);
    }
    return provider;
  };
  return Object.assign(resolve, {
    closeAll: () => {
      for (const p of created.values()) p.then((provider) => provider.close?.(), () => {});
    },
  });
}

/** Settings that tell two providers apart (functions and the environment are the same for the whole run). */
function settingsKey(settings: ProviderSettings): string {
  const { debug: _debug, env: _env, ...plain } = settings;
  return JSON.stringify(plain);
}
