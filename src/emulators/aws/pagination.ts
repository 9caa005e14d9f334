/** Marker/PageSize paging shared by the Describe* actions that the model marks as paginated. */
import { validationError } from './errors.js';
import { parseIntParam, type QueryParams } from './query.js';

/** The model's PageSize maximum, which AWS also uses when PageSize is omitted. */
export const MAX_PAGE_SIZE = 400;

/** One page of `items` and the marker for the next page, if there is one. */
export interface Page<T> {
  readonly items: T[];
  readonly nextMarker?: string;
}

// Markers are opaque to clients; base64 keeps them from looking like something to construct by hand.
function encodeMarker(offset: number): string {
  return Buffer.from(`offset:${offset}`, 'utf8').toString('base64');
}

function decodeMarker(marker: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(marker, 'base64').toString('utf8'));
  if (!match) throw validationError(`Invalid Marker '${marker}'`);
  return Number(match[1]);
}

/** Applies the request's `Marker` and `PageSize` to an already filtered, stably ordered list. */
export function paginate<T>(items: readonly T[], params: QueryParams): Page<T> {
  const pageSize = parseIntParam(params.PageSize, 'PageSize', 1, MAX_PAGE_SIZE) ?? MAX_PAGE_SIZE;
  const offset = params.Marker === undefined || params.Marker === '' ? 0 : decodeMarker(params.Marker);
  const end = offset + pageSize;
  return {
    items: items.slice(offset, end),
    ...(end < items.length ? { nextMarker: encodeMarker(end) } : {}),
  };
}
