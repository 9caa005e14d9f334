import { DrainctlError } from '../../core/errors.js';

/**
 * The most pages drainctl reads of one listing. Far above any real account (3000 target groups a
 * region by default, 400 a page), it only stops an endpoint that keeps handing out tokens forever.
 */
export const MAX_PAGES = 100;

/**
 * Reads every page of a NextToken/Marker listing. `readPage` gets the token of the page to read
 * (undefined for the first) and returns that page's items and the next token.
 */
export async function readAllPages<T>(what: string, readPage: (token: string | undefined) => Promise<{ items: readonly T[]; next: string | undefined }>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, next } = await readPage(token);
    all.push(...items);
    if (!next) return all;
    token = next;
  }
  throw new DrainctlError('provider', `${what}: still more pages after ${MAX_PAGES}`, { hint: 'the endpoint keeps returning a next-page token; check --endpoint-url' });
}
