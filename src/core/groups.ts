import type { DrainProvider, ProviderResolver } from './provider.js';
import { type GroupRef, type TargetRef, formatRef, groupOf } from './refs.js';

/** Targets of one group, with the provider that serves them. */
export interface GroupWork {
  readonly group: GroupRef;
  readonly groupText: string;
  readonly provider: DrainProvider;
  readonly targets: readonly TargetRef[];
}

/** Splits references by group (keeping first-seen order, dropping repeats) and loads each provider once. */
export async function groupTargets(targets: readonly TargetRef[], providers: ProviderResolver): Promise<GroupWork[]> {
  const byGroup = new Map<string, { group: GroupRef; targets: Map<string, TargetRef> }>();
  for (const target of targets) {
    const group = groupOf(target);
    const key = formatRef(group);
    const entry = byGroup.get(key) ?? { group, targets: new Map() };
    entry.targets.set(formatRef(target), target);
    byGroup.set(key, entry);
  }
  const work: GroupWork[] = [];
  for (const [groupText, entry] of byGroup) {
    // Settings may differ per group (the configuration file): the resolver shares a provider where they do not.
    const provider = await providers(entry.group.provider, entry.group);
    work.push({ group: entry.group, groupText, provider, targets: [...entry.targets.values()] });
  }
  return work;
}

/** Runs one task per group concurrently; if any fails, the first error (in group order) is thrown after all settle. */
export async function forEachGroup<G, T>(work: readonly G[], task: (group: G) => Promise<T>): Promise<T[]> {
  const settled = await Promise.allSettled(work.map(task));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
