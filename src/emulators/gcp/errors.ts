/**
 * Google's JSON error responses, as the Compute Engine API sends them:
 * `{"error":{"code":404,"message":"…","errors":[{"message":"…","domain":"global","reason":"notFound"}]}}`.
 */

/** An error the emulator answers with; `status` is the HTTP status and `error.code`. */
export class GcpApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly domain = 'global',
  ) {
    super(message);
    this.name = 'GcpApiError';
  }

  /** The response body. */
  toJson(): { error: { code: number; message: string; errors: { message: string; domain: string; reason: string }[] } } {
    return { error: { code: this.status, message: this.message, errors: [{ message: this.message, domain: this.domain, reason: this.reason }] } };
  }
}

/** 404 for a resource path such as `projects/p/zones/z/instanceGroups/ig`. */
export function notFound(resourcePath: string): GcpApiError {
  return new GcpApiError(404, 'notFound', `The resource '${resourcePath}' was not found`);
}

/** 400 for a bad field value, worded as Compute Engine words them. */
export function invalidField(field: string, value: unknown, why: string): GcpApiError {
  return new GcpApiError(400, 'invalid', `Invalid value for field '${field}': '${String(value)}'. ${why}`);
}

/** 400 for anything else the request got wrong. */
export function badRequest(message: string, reason = 'badRequest'): GcpApiError {
  return new GcpApiError(400, reason, message);
}

/** 412 when a patch carries a stale (or no) fingerprint. */
export function conditionNotMet(): GcpApiError {
  return new GcpApiError(412, 'conditionNotMet', 'Supplied fingerprint does not match current metadata fingerprint.');
}

/** A rate-quota refusal; the Compute Engine docs give 403, other Google front ends 429. */
export function rateLimitExceeded(status: 403 | 429, group: string): GcpApiError {
  const metric = group === 'write' ? 'Queries' : 'Read requests';
  return new GcpApiError(
    status,
    'rateLimitExceeded',
    `Quota exceeded for quota metric '${metric}' and limit '${metric} per minute' of service 'compute.googleapis.com' for consumer 'project_number:000000000000'.`,
    'usageLimits',
  );
}

/** The injected 500 and 503. */
export function serverError(status: 500 | 503): GcpApiError {
  return status === 500
    ? new GcpApiError(500, 'backendError', "Internal error. Please try again or contact Google Support. (Code: 'emulator')")
    : new GcpApiError(503, 'backendError', 'The service is currently unavailable.');
}
