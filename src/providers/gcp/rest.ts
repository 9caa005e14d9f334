/**
 * Compute Engine's REST API over Node's own fetch. @google-cloud/compute takes seconds to load
 * (it brings every Compute client and its protobuf descriptors, hundreds of them) for the dozen
 * JSON calls drainctl makes, so drainctl speaks the REST wire protocol itself: the same requests
 * the library's REST transport sends, with a bearer token from google-auth-library (loaded only
 * when a token is needed, never for a plain http:// emulator).
 */

/** Where the API lives and how requests are authorised. */
export interface RestTarget {
  /** `https://compute.googleapis.com` or an emulator's origin; the `/compute/v1/` path is added here. */
  readonly origin: string;
  /** An access token for each request, or undefined to send none (a plain http:// emulator). */
  readonly token: (() => Promise<string | undefined>) | undefined;
}

/** One request: a path under `/compute/v1/`, query parameters (undefined ones left out) and a JSON body. */
export interface RestRequest {
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
}

/**
 * A non-2xx answer. Shaped like the library's GaxiosError (numeric `status`, the parsed error
 * body as `response.data`), which is what errors.ts reads.
 */
export class ComputeHttpError extends Error {
  readonly status: number;
  readonly response: { readonly status: number; readonly data: unknown };

  constructor(status: number, data: unknown, text: string) {
    const message = (data as { error?: { message?: unknown } } | undefined)?.error?.message;
    super(typeof message === 'string' ? message : text.slice(0, 500) || `HTTP ${status}`);
    this.name = 'ComputeHttpError';
    this.status = status;
    this.response = { status, data };
  }
}

/** Sends one request and returns the parsed JSON body; throws ComputeHttpError for a non-2xx status, fetch's own error for a network failure. */
export async function restCall<T>(target: RestTarget, request: RestRequest): Promise<T> {
  const url = new URL(`/compute/v1/${request.path}`, target.origin);
  for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'drainctl' };
  const token = await target.token?.();
  if (token) headers.authorization = `Bearer ${token}`;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method: request.method, headers, body: request.body === undefined ? undefined : JSON.stringify(request.body), signal: request.signal });
  const text = await response.text();
  let data: unknown;
  try {
    data = text === '' ? {} : JSON.parse(text);
  } catch {
    data = undefined;
  }
  if (!response.ok) throw new ComputeHttpError(response.status, data, text);
  if (data === undefined) throw new Error(`Compute Engine answered ${request.method} ${request.path} with a body that is not JSON`);
  return data as T;
}

/** Every page of a list call (`nextPageToken`), each page's body in order; bounded so a server that repeats a token cannot loop forever. */
export async function restPages<T extends { nextPageToken?: string }>(target: RestTarget, request: RestRequest, maxPages = 1000): Promise<T[]> {
  const pages: T[] = [];
  let pageToken: string | undefined;
  do {
    const page = await restCall<T>(target, { ...request, query: { ...request.query, pageToken } });
    pages.push(page);
    pageToken = page.nextPageToken || undefined;
  } while (pageToken !== undefined && pages.length < maxPages);
  return pages;
}
