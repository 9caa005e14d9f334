/** Resource URLs as Compute Engine writes them in selfLink, group, targetLink and instance fields. */

/** The prefix Compute Engine uses in every resource URL it returns. */
export const COMPUTE_URL_PREFIX = 'https://www.googleapis.com/compute/v1/';

/** `projects/p/zones/z/instanceGroups/ig` → `https://www.googleapis.com/compute/v1/projects/…`. */
export function resourceUrl(path: string): string {
  return `${COMPUTE_URL_PREFIX}${path}`;
}

/** Where a zonal or regional resource lives: `zones/us-central1-a`, `regions/us-central1` or `global`. */
export type ScopePath = `zones/${string}` | `regions/${string}` | 'global';

/**
 * A reference as clients write it (full URL on either host, `projects/p/…`, or `zones/z/…`
 * relative to the project) → `projects/p/…`, or undefined when it is none of those.
 */
export function resourcePath(reference: string, project: string): string | undefined {
  const text = reference.trim();
  const match = /^https?:\/\/[^/]+\/compute\/(?:v1|beta|alpha)\/(projects\/.+)$/.exec(text);
  if (match) return match[1];
  if (text.startsWith('projects/')) return text;
  if (/^(zones|regions|global)\//.test(text) || text.startsWith('global/')) return `projects/${project}/${text}`;
  return undefined;
}

/** The last path segment. */
export function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
