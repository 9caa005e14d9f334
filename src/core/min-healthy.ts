import { usageError } from './errors.js';

/** `--min-healthy`: a count, or a percentage of the group's registered targets (rounded up). */
export type MinHealthy = { readonly kind: 'count'; readonly value: number } | { readonly kind: 'percent'; readonly value: number };

/** Parses `3` or `50%`; zero is allowed (no guard beyond the default rule's absence). */
export function parseMinHealthy(text: string, source = '--min-healthy'): MinHealthy {
  const match = /^(\d{1,6})(%?)$/.exec(text.trim());
  if (!match) throw usageError(`invalid ${source} "${text}": expected a number of targets (3) or a percentage of the group (50%)`);
  const value = Number(match[1]);
  if (match[2] === '%') {
    if (value > 100) throw usageError(`invalid ${source} "${text}": a percentage is at most 100%`);
    return { kind: 'percent', value };
  }
  return { kind: 'count', value };
}

/** How the minimum is written in messages. */
export function formatMinHealthy(min: MinHealthy | undefined): string {
  if (!min) return 'the default (never the last target in service)';
  return min.kind === 'count' ? String(min.value) : `${min.value}%`;
}
