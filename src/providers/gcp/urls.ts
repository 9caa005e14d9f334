/** Resource URLs and paths, as Compute Engine writes them in `group`, `instance` and `selfLink` fields. */

/** The last path segment: a resource name from its URL. */
export function lastSegment(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

/** `https://www.googleapis.com/compute/v1/projects/p/zones/z/instanceGroups/ig` → `projects/p/zones/z/instanceGroups/ig`. */
export function resourcePath(url: string): string {
  const at = url.indexOf('projects/');
  return at < 0 ? url : url.slice(at);
}

/** The full URL of a resource path, as the API itself writes it. */
export function resourceUrl(path: string): string {
  return `https://www.googleapis.com/compute/v1/${path}`;
}

/** `zones/<z>` for a zone, `regions/<r>` for a region, `global` for global. */
export function locationPath(location: string): string {
  if (location === 'global') return 'global';
  return /-[a-z]$/.test(location) ? `zones/${location}` : `regions/${location}`;
}
